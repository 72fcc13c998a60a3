"""What perfbot keeps beyond one process: deadlines, the last review state written, the
repositories to sweep, and when each periodic job last ran (one replica runs each)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from artifact_steps import ARTIFACTS, check_on_open, open_pr
from harness import World, running_bot, store_url
from reviewing import NO_REQUIRED, SIGNOFF, checklists, opened_failing_pr, post_comment, run

from bot.app import evidence
from bot.app.periodic import Periodic
from bot.app.server import DEADLINES, SWEEP, SWEEPER
from bot.store import Store

CODE = {"src/parse.py": "x = 1\n"}


async def test_a_wait_for_ci_that_timed_out_while_perfbot_was_down_ends_at_start(
        world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    world.repo.commit("main", {".github/performance.yml": ARTIFACTS.format(extra="")})
    async with running_bot(world.emu, world.store_url) as first:
        pr = open_pr(world, CODE)
        waiting = await check_on_open(first, world, pr)
        assert waiting.status == "in_progress"
    later = evidence.clock() + 31 * 60
    monkeypatch.setattr(evidence, "clock", lambda: later)
    async with running_bot(world.emu, world.store_url) as restarted:
        # The deadline passed while perfbot was down: kept in the store, it is concluded
        # at start, with no event for the pull request.
        deadlines = restarted.client.app[DEADLINES]
        await deadlines.idle()
        await restarted.settle()
        [concluded] = world.emu.check_runs(world.repo, pr.head_sha)
        assert concluded.id == waiting.id
        assert concluded.status == "completed" and concluded.conclusion == "neutral"
        assert await deadlines.restore() == 0  # concluded, so forgotten


async def test_a_deleted_state_block_is_restored_after_a_restart(world: World) -> None:
    async with running_bot(world.emu, world.store_url) as first:
        pr = await opened_failing_pr(first, world, NO_REQUIRED)
        world.emu.set_permission(world.repo, "maria", "maintain")
        await post_comment(first, world, pr, SIGNOFF, user="maria")
        assert run(world, pr).conclusion == "success"
    [checklist] = checklists(world, pr)
    start = checklist.body.index("<!-- perfbot:state")
    checklist.body = checklist.body[:start] + checklist.body[checklist.body.index("-->",
                                                                                  start) + 3:]
    async with running_bot(world.emu, world.store_url) as restarted:
        await restarted.send("pull_request", "synchronize", pr=pr)
        assert run(world, pr).conclusion == "success"  # maria's sign-off still counts
        assert "<!-- perfbot:state" in checklist.body


async def test_a_periodic_job_runs_in_one_replica_and_a_restart_does_not_postpone_it(
        tmp_path: Path) -> None:
    now = [1_000_000.0]
    stores = [await Store.open(store_url(tmp_path), clock=lambda: now[0]) for _ in range(2)]
    runs: list[int] = []

    async def job(replica: int) -> None:
        runs.append(replica)
        await asyncio.sleep(0.05)  # long enough for the other replica to try

    try:
        jobs = [Periodic(s, "sweep", lambda r=i: job(r), interval=3600.0, first=0.0)
                for i, s in enumerate(stores)]
        ran = await asyncio.gather(*(j.run_if_due() for j in jobs))
        assert sorted(ran) == [False, True] and len(runs) == 1
        assert not any([await j.run_if_due() for j in jobs])  # not owed again yet
        now[0] += 1800
        restarted = Periodic(stores[1], "sweep", lambda: job(1), interval=3600.0, first=0.0)
        assert await restarted.due() == 1_000_000.0 + 3600  # a restart keeps the schedule
        now[0] += 1801
        assert await restarted.run_if_due() and len(runs) == 2
    finally:
        for s in stores:
            await s.close()


async def test_repositories_heard_by_one_replica_are_swept_by_another(world: World) -> None:
    async with running_bot(world.emu, world.store_url) as first:
        pr = open_pr(world, CODE)
        await first.send("pull_request", "opened", pr=pr)
    async with running_bot(world.emu, world.store_url) as other:
        before = len(world.emu.requests)
        await other.client.app[SWEEPER].sweep()
        swept = {r.path for r in world.emu.requests[before:]}
        assert "/repos/octo-org/service" in swept  # its default branch, then its markers


async def test_the_server_first_sweeps_within_the_hour_then_daily_whatever_the_restarts(
        world: World) -> None:
    async with running_bot(world.emu, world.store_url) as first:
        sweep = first.client.app[SWEEP]
        await sweep.first_pass.wait()  # its own look: not owed yet, and the lease free again
        assert 0 < await sweep.due() - sweep.store.clock() <= 3600
        assert await sweep.run_if_due(force=True)
        swept = sweep.store.clock()
    async with running_bot(world.emu, world.store_url) as restarted:
        sweep = restarted.client.app[SWEEP]
        # Owed a day after the last sweep, not an hour after this start.
        assert 0 <= swept - (await sweep.due() - 24 * 3600) < 60


async def test_two_replicas_waiting_on_one_deadline_conclude_it_once(
        world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.app import deadlines as deadlines_module

    monkeypatch.setattr(deadlines_module, "TICK_SECONDS", 0.01)
    monkeypatch.setattr(deadlines_module, "GRACE_SECONDS", 0.0)
    world.repo.commit("main", {".github/performance.yml": ARTIFACTS.format(extra="")})
    async with running_bot(world.emu, world.store_url) as first:
        pr = open_pr(world, CODE)
        waiting = await check_on_open(first, world, pr)
        async with running_bot(world.emu, world.store_url) as second:
            both = [first.client.app[DEADLINES], second.client.app[DEADLINES]]
            assert [d.pending() for d in both] == [1, 1]  # each replica keeps a timer
            before = len(world.emu.requests)
            later = evidence.clock() + 31 * 60
            monkeypatch.setattr(evidence, "clock", lambda: later)
            await asyncio.gather(*(d.idle() for d in both))
            await first.settle()
            await second.settle()
    [concluded] = world.emu.check_runs(world.repo, pr.head_sha)
    assert concluded.id == waiting.id and concluded.conclusion == "neutral"
    looked = [r for r in world.emu.requests[before:] if r.operation_id == "pulls/get"]
    assert len(looked) == 1  # one replica concluded it; the other left it alone
