"""The composite action (action.yml): its run step, executed as the runner would, on a
small project; and its shape (fork-safe: no token, no secret)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from gitrepo import GitRepo
from ruamel.yaml import YAML

ROOT = Path(__file__).resolve().parents[1]
HARNESS = """\
import json, os, time
from work import work
samples = []
for _ in range(5):
    start = time.perf_counter()
    work()
    samples.append(time.perf_counter() - start)
json.dump({"benchmarks": [{"name": "work", "unit": "s", "samples": samples}]},
          open(os.environ["PERFBOT_RESULTS"], "w"))
"""


def action() -> dict:
    return YAML(typ="safe").load((ROOT / "action.yml").read_text())


def test_the_action_is_composite_and_asks_for_no_secret() -> None:
    doc = action()
    assert doc["runs"]["using"] == "composite"
    assert doc["inputs"]["command"]["required"] is True
    text = (ROOT / "action.yml").read_text()
    assert "secrets." not in text and "github.token" not in text
    upload = [s for s in doc["runs"]["steps"] if s.get("uses", "").startswith("actions/upload")]
    assert upload and upload[0]["with"]["path"] == "${{ inputs.output }}"


def test_the_run_step_measures_the_pr_and_writes_the_paired_file(tmp_path) -> None:
    (tmp_path / "repo").mkdir()
    repo = GitRepo(tmp_path / "repo")
    base = repo.commit({"work.py": "def work():\n    return sum(range(1000))\n",
                        "bench.py": HARNESS}, "base")
    repo.branch("feature")
    head = repo.commit({"work.py": "def work():\n    return sum(range(1001))\n"}, "head")
    # What "Install perfbot" leaves behind: a perfbot on $RUNNER_TEMP/perfbot-venv/bin.
    runner = tmp_path / "runner"
    (runner / "perfbot-venv" / "bin").mkdir(parents=True)
    launcher = runner / "perfbot-venv" / "bin" / "perfbot"
    launcher.write_text(f"#!/bin/sh\nexec {sys.executable} -m bot \"$@\"\n")
    launcher.chmod(0o755)
    [step] = [s for s in action()["runs"]["steps"] if s.get("id") == "run"]
    outputs, summary = tmp_path / "outputs", tmp_path / "summary"
    env = {
        **os.environ, "RUNNER_TEMP": str(runner), "GITHUB_OUTPUT": str(outputs),
        "GITHUB_STEP_SUMMARY": str(summary), "PYTHONPATH": str(ROOT),
        "INPUT_COMMAND": f"{sys.executable} bench.py", "INPUT_SETUP": "",
        "INPUT_BASE": base, "INPUT_HEAD": head, "INPUT_ROUNDS": "2", "INPUT_MAX_TIME": "",
        "INPUT_FORMAT": "auto", "INPUT_THRESHOLD": "", "INPUT_OUTPUT": "paired.json",
    }
    done = subprocess.run(["bash", "-e", "-c", step["run"]], cwd=repo.path, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "exit-code=0" in outputs.read_text()
    assert "| Rounds |" in summary.read_text()
    paired = json.loads((repo.path / "paired.json").read_text())
    assert paired["head"]["sha"] == head and paired["base"]["sha"] == base
