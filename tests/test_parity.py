"""The CLI and the App are two fronts on one core: for the same change they must agree."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from benchfiles import pytest_benchmark, samples
from gitrepo import GitRepo
from harness import TEAM_CONFIG, Bot, World

from bot.cli import main

BASE = {"README.md": "hello\n", "src/store.py": "".join(f"k{i} = {i}\n" for i in range(12))}
CASES = {
    "fails without a record": (
        TEAM_CONFIG, {"src/store.py": "k0 = 0\nk1 = 100\n", "src/new.py": "x = 1\n"}),
    "passes with a record": (TEAM_CONFIG, {"src/new.py": "x\n", "docs/adr/0002-store.md": "#\n"}),
    "built-in defaults": (None, {"svc/api/v1.proto": "syntax = 1;\n", "logo.png": b"\x00\x01"}),
    "invalid config": ("rules:\n  design_record:\n    severity: [x]\n", {"src/a.py": "a\n"}),
}
# Benchmark results committed on the base, then changed by the PR (compared at the merge base).
BENCH = "benchmarks/results/bench.json"
BASE[BENCH] = pytest_benchmark({"test_get": samples(0.001), "test_put": samples(0.003)})
CASES["benchmark regression"] = (TEAM_CONFIG, {BENCH: pytest_benchmark(
    {"test_get": samples(0.0014, seed=2), "test_put": samples(0.003, seed=2)})})
CASES["benchmark A/A"] = (TEAM_CONFIG, {BENCH: pytest_benchmark(
    {"test_get": samples(0.001, seed=3), "test_put": samples(0.003, seed=3)})})


@pytest.mark.parametrize("case", CASES)
async def test_cli_and_app_give_the_same_verdict(case: str, bot: Bot, world: World,
                                                 tmp_path: Path, capsys) -> None:
    config, change = CASES[case]
    base: dict[str, str | bytes | None] = dict(BASE)
    if config is not None:
        base[".github/performance.yml"] = config

    local = GitRepo(tmp_path)
    local.commit(base, "base")
    local.branch("feature")
    local.commit(dict(change), "change")
    main(["check", "--repo", str(tmp_path), "--base", "main", "--body", "", "--format", "json"])
    cli = json.loads(capsys.readouterr().out)

    world.repo.commit("main", base)
    world.repo.create_branch("feature")
    world.repo.commit("feature", dict(change))
    pr = world.emu.open_pull_request(world.repo, head="feature", base="main", body="")
    await bot.send("pull_request", "opened", pr=pr)
    [run] = world.emu.check_runs(world.repo, pr.head_sha)

    assert cli["conclusion"] == run.conclusion
    assert cli["title"] == run.output.title
    assert cli["summary"] == run.output.summary
    # GitHub adds fields of its own (blob_href, raw_details) to what it was sent.
    assert len(run.annotations) == len(cli["annotations"])
    pairs = zip(run.annotations, cli["annotations"], strict=True)
    shown = [{key: a.get(key) for key in c} for a, c in pairs]
    assert cli["annotations"] == shown
