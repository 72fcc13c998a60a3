"""Deliveries GitHub made while perfbot could not take them are asked for again, once.

GitHub does not retry a failed delivery; perfbot lists the App's recent deliveries at start
and periodically, and asks GitHub to redeliver each event its store has no record of.
"""

from __future__ import annotations

import pytest
from harness import Bot, World, open_pr, running_bot

from bot.app import redeliver
from bot.app.server import REDELIVERER

CODE = {"src/app.py": "def f():\n    return 2\n"}


@pytest.fixture(autouse=True)
def github_time(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """perfbot reads GitHub's delivery dates by the emulator's clock; waits are short."""
    monkeypatch.setattr(redeliver, "clock", world.emu.time)
    monkeypatch.setattr(redeliver, "RETRY", 1.0)
    monkeypatch.setattr(redeliver, "FIRST_LOOKBACK", 60.0)


async def scan(bot: Bot) -> redeliver.Scan:
    found = await bot.client.app[REDELIVERER].scan()
    await bot.settle()
    return found


async def test_a_pull_request_opened_while_perfbot_was_down_gets_its_check_at_start(
        world: World) -> None:
    async with running_bot(world.emu, world.store_url) as first:
        pr = open_pr(world, CODE)
        assert await first.send("pull_request", "opened", pr=pr) == 202
    world.repo.commit("feature", {"src/app.py": "def f():\n    return 3\n"}, message="again")
    missed = await world.emu.deliver(
        "pull_request", world.emu.webhook_payload("pull_request", "synchronize", pr=pr))
    assert missed.status == "failed to connect to host"  # nothing listens: perfbot is down
    assert world.emu.check_runs(world.repo, pr.head_sha) == []

    async with running_bot(world.emu, world.store_url) as restarted:
        await restarted.settle()  # the scan at start has asked; GitHub has sent it again
        [run] = world.emu.check_runs(world.repo, pr.head_sha)
        assert run.status == "completed"
        again = world.emu.attempts(missed.guid)
        assert [(a.redelivery, a.status) for a in again] == [
            (False, "failed to connect to host"), (True, "OK")]
        # The first push reached the store: it is never asked for again; nor is this one.
        later = await scan(restarted)
        assert later.asked == [] and len(world.emu.deliveries) == 3


async def test_an_event_that_never_arrives_is_asked_for_a_few_times_then_reported(
        world: World, caplog) -> None:
    async with running_bot(world.emu, world.store_url) as bot:
        world.emu.hook_url = None  # the webhook points elsewhere: redeliveries fail too
        pr = open_pr(world, CODE)
        missed = await world.emu.deliver(
            "pull_request", world.emu.webhook_payload("pull_request", "opened", pr=pr))
        first = await scan(bot)
        assert first.asked == [missed.guid]
        assert (await scan(bot)).asked == []  # asked a moment ago: GitHub may still send it
        for _ in range(redeliver.ASKS - 1):
            world.emu.advance(redeliver.RETRY + 1)
            assert (await scan(bot)).asked == [missed.guid]
        world.emu.advance(redeliver.RETRY + 1)
        gave_up = await scan(bot)
        assert gave_up.asked == [] and gave_up.given_up == [missed.guid]
        assert f"delivery {missed.guid} (pull_request) never reached perfbot" in caplog.text
        assert len(world.emu.attempts(missed.guid)) == 1 + redeliver.ASKS
        world.emu.advance(redeliver.RETRY + 1)
        assert (await scan(bot)).given_up == []  # reported once


async def test_pings_and_deliveries_older_than_the_last_scan_are_left_alone(
        world: World) -> None:
    world.emu.hook_url = None
    ping = await world.emu.deliver("ping", world.emu.webhook_payload("ping"))
    pr = open_pr(world, CODE)
    payload = world.emu.webhook_payload("pull_request", "opened", pr=pr)
    old = await world.emu.deliver("pull_request", payload)
    world.emu.advance(redeliver.FIRST_LOOKBACK + 30)  # before the first scan's reach
    async with running_bot(world.emu, world.store_url) as bot:
        await bot.settle()
        assert world.emu.attempts(ping.guid) == [ping]
        assert world.emu.attempts(old.guid) == [old]
        assert world.emu.check_runs(world.repo, pr.head_sha) == []
        listed = [r for r in world.emu.requests if r.operation_id == "apps/list-webhook-deliveries"]
        assert len(listed) == 1 and not listed[0].charged
