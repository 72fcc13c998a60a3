"""What a push costs in GitHub requests, counted by the emulator, and what the savings must
not cost: nothing posted twice after a lost answer, a crash or a race."""

from __future__ import annotations

import asyncio

from emulator.state import Recorded
from harness import TEAM_CONFIG, Bot, World, running_bot

CHECKS = ("checks/create", "checks/update", "checks/list-for-ref", "checks/get")


def opened(world: World, files: int = 100):
    world.repo.commit("main", {".github/performance.yml": TEAM_CONFIG})
    world.repo.create_branch("feature")
    world.repo.commit("feature", {f"src/f{i}.py": f"x = {i}\n" for i in range(files)})
    return world.emu.open_pull_request(world.repo, head="feature", base="main")


def since(world: World, mark: int) -> list[Recorded]:
    return world.emu.requests[mark:]


def ops(requests: list[Recorded], *names: str) -> list[str]:
    return [r.operation_id or "" for r in requests if r.operation_id in names]


async def pushed(bot: Bot, world: World, pr, path: str = "src/f0.py") -> list[Recorded]:
    """A push onto ``pr`` and its synchronize delivery; the requests that cost."""
    world.repo.commit("feature", {path: "x = 'changed'\n"})
    mark = len(world.emu.requests)
    await bot.send("pull_request", "synchronize", pr=pr)
    return since(world, mark)


async def test_a_synchronize_costs_at_most_four_charged_requests(bot: Bot, world: World):
    pr = opened(world)
    await bot.send("pull_request", "opened", pr=pr)
    sync = await pushed(bot, world, pr)
    charged = [r.operation_id for r in sync if r.charged]
    # The pull request as it stands, its files, the checklist comment, and the run created
    # with its verdict; the config and the checklist's re-read are free 304s.
    assert sorted(charged) == sorted(["pulls/get", "pulls/list-files",
                                      "issues/list-comments", "checks/create"]), charged
    assert [(r.operation_id, r.status) for r in sync if not r.charged] == [
        ("repos/get-content", 304), ("issues/list-comments", 304)]
    [run] = world.emu.check_runs(world.repo, pr.head_sha)
    assert run.status == "completed" and run.conclusion == "failure"
    assert not world.emu.violations


async def test_the_next_push_costs_three_once_the_checklist_stands(bot: Bot, world: World):
    pr = opened(world)
    await bot.send("pull_request", "opened", pr=pr)
    await pushed(bot, world, pr)
    sync = await pushed(bot, world, pr, "src/f1.py")
    assert sorted(r.operation_id for r in sync if r.charged) == sorted(
        ["pulls/get", "pulls/list-files", "checks/create"])


async def test_a_push_with_the_same_verdict_leaves_the_checklist_untouched(bot: Bot,
                                                                           world: World):
    pr = opened(world, files=3)
    await bot.send("pull_request", "opened", pr=pr)
    [before] = [c for c in world.emu.comments(world.repo, pr.number)]
    sync = await pushed(bot, world, pr)
    assert not ops(sync, "issues/update-comment", "issues/create-comment")
    [after] = world.emu.comments(world.repo, pr.number)
    assert after.body == before.body and after.updated_at == before.updated_at
    assert pr.head_sha[:7] not in after.body
    # The link it carries leads to this push's run as well as the last one's.
    assert f"/pull/{pr.number}/checks" in after.body


async def test_a_run_is_created_with_its_verdict_and_written_once(bot: Bot, world: World):
    pr = opened(world, files=3)
    mark = len(world.emu.requests)
    await bot.send("pull_request", "opened", pr=pr)
    writes = ops(since(world, mark), "checks/create", "checks/update")
    assert writes == ["checks/create"]  # never created in progress, then completed
    [run] = world.emu.check_runs(world.repo, pr.head_sha)
    assert run.status == "completed" and run.conclusion == "failure"


async def test_a_rerun_with_the_same_verdict_writes_and_looks_up_nothing(bot: Bot,
                                                                         world: World):
    pr = opened(world, files=3)
    await bot.send("pull_request", "opened", pr=pr)
    [run] = world.emu.check_runs(world.repo, pr.head_sha)
    mark = len(world.emu.requests)
    await bot.send("check_run", "rerequested", check_run=run, pr=pr)
    assert not ops(since(world, mark), *CHECKS)
    assert len(world.emu.check_runs(world.repo, pr.head_sha)) == 1


async def test_a_create_lost_after_a_push_is_found_not_repeated(bot: Bot, world: World):
    pr = opened(world, files=3)
    await bot.send("pull_request", "opened", pr=pr)
    world.repo.commit("feature", {"src/f0.py": "x = 'changed'\n"})
    # GitHub creates the run but the answer is lost, and nothing retries a plain 403: the
    # pass ends as a crash would, between the create and what perfbot records after it.
    world.emu.inject("POST", r"/check-runs$", status=403, after=True,
                     body={"message": "Resource not accessible by integration"})
    mark = len(world.emu.requests)
    await bot.send("pull_request", "synchronize", pr=pr)
    # The failed pass looks for the run it may have made (not creating another), finds it
    # with its verdict, and leaves it so.
    assert ops(since(world, mark), *CHECKS) == ["checks/create", "checks/list-for-ref"]
    [run] = world.emu.check_runs(world.repo, pr.head_sha)
    assert run.status == "completed" and run.conclusion == "failure"
    await bot.send("pull_request", "synchronize", pr=pr)  # GitHub's redelivery
    [run] = world.emu.check_runs(world.repo, pr.head_sha)
    assert run.status == "completed" and run.conclusion == "failure"
    assert "src/" in (run.output.summary or "")


async def test_a_5xx_on_the_create_is_reconciled_to_one_run(bot: Bot, world: World):
    pr = opened(world, files=3)
    await bot.send("pull_request", "opened", pr=pr)
    world.repo.commit("feature", {"src/f0.py": "x = 'changed'\n"})
    world.emu.inject("POST", r"/check-runs$", status=502, after=True)
    await bot.send("pull_request", "synchronize", pr=pr)
    [run] = world.emu.check_runs(world.repo, pr.head_sha)
    assert run.status == "completed" and run.conclusion == "failure"


async def test_a_restart_looks_runs_up_again_rather_than_trust_nothing(world: World):
    pr = opened(world, files=3)
    async with running_bot(world.emu) as first:
        await first.send("pull_request", "opened", pr=pr)
    async with running_bot(world.emu) as second:  # remembers nothing of the first
        await second.send("pull_request", "labeled", pr=pr, label="x")
    assert len(world.emu.check_runs(world.repo, pr.head_sha)) == 1


async def test_racing_events_on_a_new_head_leave_one_run(bot: Bot, world: World):
    pr = opened(world, files=3)
    await bot.send("pull_request", "opened", pr=pr)
    world.repo.commit("feature", {"src/f0.py": "x = 'changed'\n"})
    world.emu.inject("POST", r"/check-runs$", status=None, delay=0.05)
    payloads = [world.emu.webhook_payload("pull_request", action, pr=pr)
                for action in ("synchronize", "labeled", "ready_for_review")]
    await asyncio.gather(*(bot.deliver("pull_request", p, settle=False) for p in payloads))
    await bot.settle()
    assert len(world.emu.check_runs(world.repo, pr.head_sha)) == 1


async def test_a_crash_between_the_intent_and_the_create_cannot_post_twice(world: World):
    pr = opened(world, files=3)
    async with running_bot(world.emu, world.store_url) as first:
        await first.send("pull_request", "opened", pr=pr)
        world.repo.commit("feature", {"src/f0.py": "x = 'changed'\n"})
        # The create lands but its answer is lost, and this process reaches GitHub no more
        # before it dies (its look-up to make amends fails too).
        world.emu.inject("POST", r"/check-runs$", status=403, after=True,
                         body={"message": "Resource not accessible by integration"})
        world.emu.inject("GET", r"/commits/\w+/check-runs", status=500, times=4)
        await first.send("pull_request", "synchronize", pr=pr)
    assert len(world.emu.check_runs(world.repo, pr.head_sha)) == 1
    async with running_bot(world.emu, world.store_url) as second:  # the store survives
        mark = len(world.emu.requests)
        await second.send("pull_request", "labeled", pr=pr, label="x")
        # The intent it finds makes it look, where "no entry" would have made it create.
        assert "checks/list-for-ref" in ops(since(world, mark), *CHECKS)
    [run] = world.emu.check_runs(world.repo, pr.head_sha)
    assert run.status == "completed" and run.conclusion == "failure"
    assert "src/" in (run.output.summary or "")


async def test_after_a_restart_on_the_same_store_a_push_needs_no_look_up(world: World):
    pr = opened(world)
    async with running_bot(world.emu, world.store_url) as first:
        await first.send("pull_request", "opened", pr=pr)
    async with running_bot(world.emu, world.store_url) as second:
        sync = await pushed(second, world, pr)
    # The ETag cache lives in memory, so the config costs a read once after a restart;
    # what the store knows of the runs does not.
    assert sorted(r.operation_id for r in sync if r.charged) == sorted(
        ["pulls/get", "repos/get-content", "pulls/list-files", "issues/list-comments",
         "checks/create"])
    assert len(world.emu.check_runs(world.repo, pr.head_sha)) == 1
