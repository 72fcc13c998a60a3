"""Deliveries are durable: recorded before the ack, finished only when done, retried with
backoff, handed back on shutdown, taken up again after a crash; end to end through the
emulator where GitHub is involved."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import orjson
import pytest
from gidgethub.sansio import Event
from harness import Bot, World, open_pr, running_bot, store_url

from bot.app.intake import Intake
from bot.app.metrics import Metrics
from bot.app.server import INTAKE, STORE
from bot.store import Backoff, Recorded, Store

FAILING = {"src/app.py": "print('changed')\n"}
SOON = Backoff(base=0.01, cap=0.02, attempts=3)


def runs(world: World, sha: str) -> list[tuple[str | None, str | None]]:
    return [(r.status, r.conclusion) for r in world.emu.check_runs(world.repo, sha)]


def team_config(world: World) -> None:
    world.repo.commit("main", {".github/performance.yml": (
        "version: 1\nrules:\n  design_record:\n    when:\n      paths: ['src/**']\n"
    )}, message="config")


async def test_a_shutdown_hands_unfinished_deliveries_to_the_next_process(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
):
    url = store_url(tmp_path)
    started = asyncio.Event()

    async def stuck(event: Event) -> None:
        started.set()
        await asyncio.Event().wait()

    store = await Store.open(url)
    first = Intake(store, Metrics(), concurrency=1, queue_size=10)
    await first.start(stuck)
    for delivery in ("d-in-flight", "d-waiting"):
        event = Event({"action": "opened"}, event="pull_request", delivery_id=delivery)
        assert await first.accept(event, orjson.dumps(event.data)) is Recorded.NEW
    await started.wait()
    with caplog.at_level(logging.WARNING, logger="bot.app.intake"):
        await first.stop(grace=0)
    assert "d-in-flight" in caplog.text and "d-waiting" in caplog.text
    await store.close()

    done: list[str] = []

    async def works(event: Event) -> None:
        done.append(event.delivery_id)

    store = await Store.open(url)
    second = Intake(store, Metrics(), concurrency=2, queue_size=10)
    await second.start(works)
    await second.drain()
    await second.stop()
    assert sorted(done) == ["d-in-flight", "d-waiting"]
    assert await store.state("d-in-flight") == "done"
    await store.close()


async def test_a_delivery_done_before_a_restart_is_not_done_again(bot: Bot, world: World):
    team_config(world)
    pr = open_pr(world, FAILING)
    payload = world.emu.webhook_payload("pull_request", "opened", pr=pr)
    assert await bot.deliver("pull_request", payload, delivery_id="d-1") == 202
    assert runs(world, pr.head_sha) == [("completed", "failure")]
    async with running_bot(world.emu, world.store_url) as restarted:
        before = len(world.emu.requests)
        headers, body = world.emu.sign("pull_request", payload, "test-webhook-secret", "d-1")
        answer = await restarted.client.post("/webhooks", data=body, headers=dict(headers))
        assert answer.status == 202
        assert (await answer.json())["message"] == "already received"
        await restarted.settle()
        assert len(world.emu.requests) == before


async def test_a_failed_delivery_is_retried_from_the_store_until_it_succeeds(world: World):
    team_config(world)
    pr = open_pr(world, FAILING)
    # Every request retry of the first attempt fails: only the delivery's retry can help.
    world.emu.inject("GET", r"/contents/", status=503, times=4)
    async with running_bot(world.emu, world.store_url, backoff=SOON) as bot:
        await bot.deliver("pull_request", world.emu.webhook_payload(
            "pull_request", "opened", pr=pr), delivery_id="d-retry", settle=False)
        await bot.client.app[INTAKE].drain(retries_within=1.0)
        assert runs(world, pr.head_sha) == [("completed", "failure")]
        assert await bot.client.app[STORE].state("d-retry") == "done"


async def test_a_delivery_failing_every_attempt_stays_visible_as_failed(
    world: World, caplog: pytest.LogCaptureFixture
):
    team_config(world)
    pr = open_pr(world, FAILING)
    world.emu.inject("GET", r"/contents/", status=503, times=1_000)
    async with running_bot(world.emu, world.store_url, backoff=SOON) as bot:
        payload = world.emu.webhook_payload("pull_request", "opened", pr=pr)
        with caplog.at_level(logging.ERROR, logger="bot.app.intake"):
            await bot.deliver("pull_request", payload, delivery_id="d-doomed", settle=False)
            await bot.client.app[INTAKE].drain(retries_within=1.0)
        assert "d-doomed" in caplog.text and "failed for good" in caplog.text
        metrics = await (await bot.client.get("/metrics")).text()
        assert "perfbot_queue_failed 1.0" in metrics
        assert "perfbot_deliveries_failed_total 1.0" in metrics
        [(delivery, event, error)] = await bot.client.app[STORE].failed()
        assert (delivery, event) == ("d-doomed", "pull_request") and "503" in error
        # GitHub is back; the operator redelivers it: worked on again, one correct run.
        world.emu.faults.clear()
        assert await bot.deliver("pull_request", payload, delivery_id="d-doomed") == 202
        assert runs(world, pr.head_sha) == [("completed", "failure")]
        metrics = await (await bot.client.get("/metrics")).text()
        assert "perfbot_queue_failed 0.0" in metrics


async def test_a_delivery_whose_process_died_is_taken_up_once_its_lease_expires(
    tmp_path: Path,
):
    now = [1_000.0]
    url = store_url(tmp_path)
    dead = await Store.open(url, clock=lambda: now[0])
    assert await dead.record("d-1", "pull_request", b"{}", lease=30) is Recorded.NEW
    other = await Store.open(url, clock=lambda: now[0])
    assert await other.claim(30) is None  # its holder may still be working on it
    now[0] += 31
    taken = await other.claim(30)
    assert taken is not None and taken.id == "d-1" and taken.recovered
    assert not await dead.finish("d-1")  # the dead process's late word no longer counts
    assert await other.finish("d-1")
    await dead.close()
    await other.close()


async def test_beyond_what_one_process_holds_deliveries_are_still_recorded_and_done(
    tmp_path: Path,
):
    release = asyncio.Event()
    done: list[str] = []

    async def slow(event: Event) -> None:
        await release.wait()
        done.append(event.delivery_id)

    store = await Store.open(store_url(tmp_path))
    intake = Intake(store, Metrics(), concurrency=1, queue_size=1)
    await intake.start(slow)
    for i in range(5):
        event = Event({"action": "opened"}, event="pull_request", delivery_id=f"d-{i}")
        assert await intake.accept(event, orjson.dumps(event.data)) is Recorded.NEW
    assert (await store.counts()).unfinished == 5
    release.set()
    await intake.drain()
    await intake.stop()
    assert sorted(done) == [f"d-{i}" for i in range(5)]
    await store.close()
