"""Steps the benchmark-artifact tests share: open a pull request, see its check run."""

from __future__ import annotations

from harness import Bot, World

ARTIFACTS = """\
version: 1
rules:
  benchmarks:
    artifacts:
      workflows: [benchmark.yml]
      artifact: benchmark-results
      timeout_minutes: 30
{extra}"""


def open_pr(world: World, files: dict[str, str | bytes | None]):
    world.repo.create_branch("feature")
    world.repo.commit("feature", files, message="change")
    return world.emu.open_pull_request(world.repo, head="feature", base="main", body="")


async def check_on_open(bot: Bot, world: World, pr):
    """The pull request's one check run once its opening is handled."""
    await bot.send("pull_request", "opened", pr=pr)
    [run] = world.emu.check_runs(world.repo, pr.head_sha)
    return run


async def check_on_completion(bot: Bot, world: World, pr, workflow_run):
    """The pull request's one check run once ``workflow_run``'s completion is handled."""
    await bot.send("workflow_run", "completed", workflow_run=workflow_run)
    [run] = world.emu.check_runs(world.repo, pr.head_sha)
    return run
