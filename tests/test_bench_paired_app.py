"""A paired result artifact (``perfbot bench run --output``) through the emulator: a whole
comparison, no baseline run needed; its regressions fail the check and can be signed off."""

from __future__ import annotations

from dataclasses import replace

from benchfiles import zipped
from harness import Bot, World
from pairedrounds import paired_run, rounds
from test_benchmark_signoff import say
from test_benchmarks_app import ARTIFACTS, check_on_completion, check_on_open, open_pr

from bot.core.bench.paired_file import Revision, dumps

ID = "benchmarks:parse:time"
SIGNOFF = (f'/perf signoff {ID} --reason "Worth it for the new grammar" '
           '--mitigation "Cache the tokenizer" --owner @carol --due 2027-01-31')


def paired_artifact(world: World, pr, changes: dict[str, float], head_sha: str | None = None):
    """A finished run on the PR's head whose artifact holds one paired result file."""
    made = paired_run(rounds(changes, 10), planned=10)
    made = replace(made, head=Revision(head_sha or pr.head_sha, "HEAD"),
                   base=Revision(world.repo.branches["main"], "main"))
    archive = zipped({"paired.json": dumps(made)})
    return world.emu.add_workflow_run(world.repo, pr.head_sha, head_branch="feature",
                                      artifacts={"benchmark-results": archive})


async def test_a_paired_artifact_gives_the_paired_table_without_a_baseline(bot: Bot, world: World):
    world.repo.commit("main", {".github/performance.yml": ARTIFACTS.format(extra="")})
    pr = open_pr(world, {"src/parse.py": "x = 1\n"})
    await check_on_open(bot, world, pr)

    run = await check_on_completion(bot, world, pr, paired_artifact(
        world, pr, {"parse": 0.0, "render": 0.01}))
    assert run.conclusion == "success"
    assert "2 unchanged" in run.output.summary
    text = run.output.text
    assert "| Rounds |" in text and "Paired results" in text
    assert "**Paired rounds:** 10 of 10" in text and "**Noise:**" in text
    assert "No baseline" not in text


async def test_a_paired_regression_fails_and_is_signed_off(bot: Bot, world: World):
    world.repo.commit("main", {".github/performance.yml": ARTIFACTS.format(extra="")})
    pr = open_pr(world, {"src/parse.py": "x = 1\n"})
    await check_on_open(bot, world, pr)

    run = await check_on_completion(bot, world, pr, paired_artifact(
        world, pr, {"parse": 0.25, "render": 0.0}))
    assert run.conclusion == "failure"
    assert "1 regressed" in run.output.summary and f"`{ID}`" in run.output.summary
    row = next(line for line in run.output.text.splitlines() if "`parse`" in line)
    # The change, its paired interval, and the rounds the verdict rests on.
    assert "+25" in row and "…" in row and "| 8 |" in row and "regressed" in row

    world.emu.set_permission(world.repo, "maria", "maintain")
    comment = say(world, pr, SIGNOFF, "maria")
    await bot.send("issue_comment", "created", issue=pr, comment=comment, sender="maria")
    [run] = world.emu.check_runs(world.repo, pr.head_sha)
    assert run.conclusion == "success"
    assert "signed off" in (run.output.summary + run.output.text).lower()


async def test_a_paired_file_for_another_commit_is_not_used(bot: Bot, world: World):
    world.repo.commit("main", {".github/performance.yml": ARTIFACTS.format(extra="")})
    pr = open_pr(world, {"src/parse.py": "x = 1\n"})
    await check_on_open(bot, world, pr)

    run = await check_on_completion(bot, world, pr, paired_artifact(
        world, pr, {"parse": 0.0}, head_sha="f" * 40))
    assert run.conclusion == "failure"
    assert "measured `fffffff`, not the head" in run.output.summary + run.output.text
    assert "--head" in run.output.summary + run.output.text
