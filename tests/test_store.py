"""The store's interface, the same on the embedded SQLite file and on PostgreSQL: every
test runs on both. Two ``Store`` objects on one URL are two processes (two owners)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest_asyncio
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection

from bot.store import Backoff, Recorded, Store
from bot.store.schema import metadata

VERSION_TABLE = "perfbot_alembic_version"  # bot/store/migrations/env.py


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest_asyncio.fixture
async def clock() -> Clock:
    return Clock()


@pytest_asyncio.fixture
async def stores(any_store_url: str, clock: Clock) -> AsyncIterator[list[Store]]:
    """Two processes on one store, sharing a clock."""
    backoff = Backoff(base=10, cap=40, attempts=4)
    first = await Store.open(any_store_url, clock=clock, backoff=backoff)
    second = await Store.open(any_store_url, clock=clock, backoff=backoff)
    try:
        yield [first, second]
    finally:
        await first.close()
        await second.close()


async def test_migrations_are_applied_once_even_by_replicas_starting_together(
    any_store_url: str,
):
    opened = await asyncio.gather(*(Store.open(any_store_url) for _ in range(3)))
    assert await opened[0].record("d-1", "ping", b"{}") is Recorded.NEW
    again = await Store.open(any_store_url)  # nothing left to migrate; the data is kept
    assert await again.record("d-1", "ping", b"{}") is Recorded.DUPLICATE
    for store in [*opened, again]:
        await store.close()


async def test_the_migrations_build_exactly_the_schema_the_code_uses(any_store_url: str):
    """schema.py and the migration are written apart; a column added to one and not the
    other would only show on a database created by the migrations, in production."""
    store = await Store.open(any_store_url)

    def context(connection: Connection) -> MigrationContext:
        return MigrationContext.configure(connection, opts={"version_table": VERSION_TABLE})

    def differences(connection: Connection) -> list[object]:
        return list(compare_metadata(context(connection), metadata))

    try:
        async with store.engine.connect() as connection:
            assert await connection.run_sync(differences) == []
    finally:
        await store.close()


async def test_a_delivery_id_is_recorded_once(stores: list[Store]):
    one, other = stores
    assert await one.record("d-1", "pull_request", b'{"a": 1}') is Recorded.NEW
    assert await other.record("d-1", "pull_request", b'{"a": 1}') is Recorded.DUPLICATE
    counts = await one.counts()
    assert (counts.due, counts.unfinished, counts.failed) == (1, 1, 0)


async def test_a_claimed_delivery_is_nobody_elses_until_its_lease_runs_out(
    stores: list[Store], clock: Clock
):
    one, other = stores
    await one.record("d-1", "pull_request", b"{}")
    taken = await one.claim(30)
    assert taken is not None and (taken.id, taken.body, taken.recovered) == ("d-1", b"{}", False)
    assert await other.claim(30) is None
    clock.now += 20
    assert await one.renew(30) == 1  # still working: the lease is extended
    clock.now += 20
    assert await other.claim(30) is None
    clock.now += 11  # one stopped renewing (it died): the other takes it up
    recovered = await other.claim(30)
    assert recovered is not None and recovered.recovered and recovered.attempts == 1
    assert not await one.finish("d-1")
    assert await other.finish("d-1")
    assert await one.state("d-1") == "done"
    assert await one.record("d-1", "pull_request", b"{}") is Recorded.DUPLICATE


async def test_failures_are_retried_with_backoff_then_kept_as_failed(
    stores: list[Store], clock: Clock
):
    one, other = stores
    await one.record("d-1", "pull_request", b"{}", lease=30)
    delays = []
    for attempt in range(1, 4):
        failure = await one.fail("d-1", f"GitHub answered 503 ({attempt})")
        assert failure is not None and failure.retry_at is not None
        delays.append(failure.retry_at - clock.now)
        assert await other.claim(30) is None  # not due before its backoff passed
        clock.now = failure.retry_at
        assert await one.claim(30) is not None
    assert delays == [10, 20, 40]
    failure = await one.fail("d-1", "GitHub answered 503 (4)")
    assert failure is not None and (failure.attempts, failure.retry_at) == (4, None)
    clock.now += 3600
    assert await other.claim(30) is None
    assert await other.failed() == [("d-1", "pull_request", "GitHub answered 503 (4)")]
    assert (await other.counts()).failed == 1
    # A redelivery (GitHub's, an operator's) makes it due again, with its attempts anew.
    assert await other.record("d-1", "pull_request", b"{}") is Recorded.RETRY
    again = await other.claim(30)
    assert again is not None and again.attempts == 0
    assert (await other.counts()).failed == 0


async def test_a_delivery_whose_holders_keep_dying_ends_failed(stores: list[Store],
                                                                clock: Clock):
    one, other = stores
    await one.record("d-1", "pull_request", b"{}", lease=30)
    for _ in range(3):
        clock.now += 31
        assert await other.claim(30) is not None
    clock.now += 31
    assert await one.claim(30) is None
    assert await one.state("d-1") == "failed"


async def test_a_shutdown_hands_its_deliveries_back_due_at_once(stores: list[Store]):
    one, other = stores
    await one.record("d-1", "pull_request", b"{}", lease=30)
    await one.record("d-2", "pull_request", b"{}", lease=30)
    assert await other.claim(30) is None
    assert await one.release() == ["d-1", "d-2"]
    taken = [await other.claim(30), await other.claim(30)]
    assert sorted(d.id for d in taken if d) == ["d-1", "d-2"]
    assert not any(d.recovered for d in taken if d)


async def test_a_redelivery_of_a_delivery_waiting_to_retry_makes_it_due_now(
    stores: list[Store],
):
    one, _ = stores
    await one.record("d-1", "pull_request", b"{}", lease=30)
    await one.fail("d-1", "boom")
    assert await one.claim(30) is None
    assert await one.record("d-1", "pull_request", b"{}") is Recorded.RETRY
    assert await one.claim(30) is not None


async def test_a_named_lease_has_one_holder_and_a_growing_token(stores: list[Store],
                                                                 clock: Clock):
    one, other = stores
    first = await one.acquire("sweep", 60)
    assert first is not None
    assert await other.acquire("sweep", 60) is None
    await first.release()
    second = await other.acquire("sweep", 60)
    assert second is not None and second.token > first.token
    assert not await first.held() and await second.held()
    clock.now += 61  # the holder died: its lease runs out
    third = await one.acquire("sweep", 60)
    assert third is not None and third.token > second.token
    assert not await second.renew(60)  # a late holder learns it lost it
    assert second.lost


async def test_a_singleton_job_runs_in_one_process(stores: list[Store]):
    one, other = stores
    async with one.leased("redeliver", 60) as mine:
        assert mine is not None
        async with other.leased("redeliver", 60) as theirs:
            assert theirs is None
    async with other.leased("redeliver", 60) as theirs:
        assert theirs is not None


async def test_a_lock_serialises_two_processes(stores: list[Store]):
    one, other = stores
    order: list[str] = []
    inside = asyncio.Event()
    release = asyncio.Event()

    async def first() -> None:
        async with one.lock("pr:octo/service#1"):
            order.append("first in")
            inside.set()
            await release.wait()
            order.append("first out")

    async def second() -> None:
        await inside.wait()
        async with other.lock("pr:octo/service#1"):
            order.append("second in")

    tasks = [asyncio.create_task(first()), asyncio.create_task(second())]
    await inside.wait()
    for _ in range(20):  # the second process is polling for the lock meanwhile
        await asyncio.sleep(0)
    assert order == ["first in"]
    release.set()
    await asyncio.gather(*tasks)
    assert order == ["first in", "first out", "second in"]


async def test_facts_are_kept_replaced_expired_and_scanned(stores: list[Store],
                                                            clock: Clock):
    one, other = stores
    assert await one.get("known", "octo/service#1") is None
    await one.put("known", "octo/service#1", {"signed": ["maria"]})
    assert await other.get("known", "octo/service#1") == {"signed": ["maria"]}
    await other.put("known", "octo/service#1", {"signed": []})
    assert await one.get("known", "octo/service#1") == {"signed": []}
    await one.put("known", "octo/service#2", [1, 2], ttl=60)
    await one.put("known", "other/repo#1", "x")
    assert await one.scan("known", "octo/") == {"octo/service#1": {"signed": []},
                                                "octo/service#2": [1, 2]}
    clock.now += 61
    assert await one.get("known", "octo/service#2") is None
    assert await one.delete("known", "octo/service#1")
    assert await one.scan("known") == {"other/repo#1": "x"}


async def test_of_two_recording_the_same_intent_exactly_one_wins(stores: list[Store],
                                                                  clock: Clock):
    one, other = stores
    results = await asyncio.gather(
        one.put_new("intent", "octo/service@abc", {"by": "one"}, ttl=60),
        other.put_new("intent", "octo/service@abc", {"by": "other"}, ttl=60),
    )
    assert sorted(results) == [False, True]
    clock.now += 61  # an expired intent no longer stands in the way
    assert await other.put_new("intent", "octo/service@abc", {"by": "other"})


async def test_the_work_of_a_process_gone_from_this_host_is_due_at_once(
    stores: list[Store],
):
    import socket
    import sys

    one, other = stores
    gone = await asyncio.create_subprocess_exec(
        sys.executable, "-c", "import os; print(os.getpid())",
        stdout=asyncio.subprocess.PIPE)
    pid, _ = await gone.communicate()
    one.owner = f"{socket.gethostname()}:{int(pid)}:0f0f0f0f"  # a process killed, say
    await one.record("d-1", "pull_request", b"{}", lease=30)
    held = await one.acquire("sweep", 60)
    assert await other.claim(30) is None and await other.acquire("sweep", 60) is None
    assert await other.reclaim_dead() == 1
    taken = await other.claim(30)
    assert taken is not None and taken.recovered
    assert await other.acquire("sweep", 60) is not None
    assert held is not None and not await held.held()
    # A process on another host: its lease is left to run out.
    one.owner = f"elsewhere:{1}:0f0f0f0f"
    await one.record("d-2", "pull_request", b"{}", lease=30)
    assert await other.reclaim_dead() == 0 and await other.claim(30) is None


async def test_a_burst_of_records_is_one_commit_and_still_deduplicated(stores: list[Store]):
    one, other = stores
    await other.record("d-0", "pull_request", b"{}")
    answers = await asyncio.gather(*(
        one.record(delivery, "pull_request", b"{}", lease=30)
        for delivery in ("d-0", "d-1", "d-2", "d-1", "d-3")
    ))
    assert answers == [Recorded.DUPLICATE, Recorded.NEW, Recorded.NEW, Recorded.DUPLICATE,
                       Recorded.NEW]
    assert (await one.counts()).unfinished == 4
