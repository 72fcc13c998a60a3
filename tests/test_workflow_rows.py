"""The implementation- and testing-stage rows of the parity table mean what their names say.

``test_parity`` proves the CLI and the App agree on each row; this pins the verdict and
the annotated lines themselves, through ``perfbot check`` on a real git repository.
"""

import json
from pathlib import Path

import pytest
from gitrepo import GitRepo
from harness import Bot, World
from parity_cases import BASE, CASES, FUNCTIONS

from bot.cli import main

EXPECTED = {
    "new function uninstrumented": ("instrumentation", "failed", [("svc/orders.py", 9),
                                                                  ("svc/s.go", 3)]),
    "new functions instrumented": ("instrumentation", "passed", []),
    "tuning knob undocumented": ("tuning_knobs", "failed", [("svc/cfg.py", 2)]),
    "tuning knob documented": ("tuning_knobs", "passed", []),
    "performance test missing": ("performance_tests", "failed", [("src/engine.py", 1)]),
    "go benchmark added": ("performance_tests", "passed", []),
    "knob documented in a doc too large to diff": ("tuning_knobs", "passed", []),
    "generated code and binary": ("instrumentation", "passed", []),
}


@pytest.mark.parametrize("case", EXPECTED)
def test_row(case: str, tmp_path: Path, capsys) -> None:
    config, change = CASES[case]
    rule, outcome, annotated = EXPECTED[case]
    repo = GitRepo(tmp_path)
    repo.commit({**BASE, ".github/performance.yml": config}, "base")
    repo.branch("feature")
    repo.commit(dict(change), "change")
    main(["check", "--repo", str(tmp_path), "--base", "main", "--body", "", "--format", "json"])
    report = json.loads(capsys.readouterr().out)
    [result] = [r for r in report["rules"] if r["rule"] == rule]
    assert result["outcome"] == outcome, result["reason"]
    assert [(f["path"], f["start_line"]) for f in result["findings"]] == annotated


async def check_of_a_pr_adding(bot: Bot, world: World, path: str, content: str | bytes):
    """The check run on a pull request that adds ``path`` to the opted-in base tree."""
    world.repo.commit("main", {**BASE, ".github/performance.yml": "version: 1\n"})
    world.repo.create_branch("feature")
    world.repo.commit("feature", {path: content})
    pr = world.emu.open_pull_request(world.repo, head="feature", base="main", body="")
    await bot.send("pull_request", "opened", pr=pr)
    [run] = world.emu.check_runs(world.repo, pr.head_sha)
    return run


async def test_the_app_survives_a_non_utf8_source_file(bot: Bot, world: World) -> None:
    # git diffs a Latin-1 file as text (perfbot check inspects it, see
    # test_rules_bad_input); GitHub, as the emulator models it, sends no patch, so the
    # App's rules see nothing to read. Either way the check completes.
    legacy = ("# caf\xe9\n" + FUNCTIONS).encode("latin-1")
    run = await check_of_a_pr_adding(bot, world, "svc/legacy.py", legacy)
    assert run.status == "completed"
    assert run.conclusion == "success"


async def test_the_app_says_when_github_sent_no_diff_to_read(bot: Bot, world: World) -> None:
    # GitHub omits the patch of a very large diff (the emulator beyond 20,000 lines):
    # the rules that read code say so in the summary instead of guessing.
    huge = "".join(f"def f{n}(a):\n    return a + {n}\n" for n in range(11_000))
    run = await check_of_a_pr_adding(bot, world, "svc/huge.py", huge)
    assert run.status == "completed"
    assert "GitHub sent no diff for `svc/huge.py` (too large to show)" in run.output.summary
