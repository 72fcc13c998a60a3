"""One store behind one interface, on SQLite (embedded, the default) or PostgreSQL.

Three things live here, each a table (``bot.store.schema``):

- the **delivery queue**: a webhook delivery is recorded before it is acknowledged,
  leased to the process working on it, and finished only when its work is done. A lease
  that is not renewed expires and the delivery is taken up again, by this process after
  a restart or by another replica. A failed delivery is retried with backoff
  (``Backoff``), then stays ``failed`` for an operator to see;
- **named leases** with a fencing token: ``leased`` runs a singleton job in one
  replica at a time, ``lock`` serialises work on one key across replicas;
- **facts**: small JSON values by namespace and key, optionally expiring, that other
  parts keep across restarts and replicas.

Every statement is portable SQLAlchemy Core; the only thing said per dialect is how to
connect (the async driver, and SQLite's journal and locking mode).
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import logging
import os
import socket
import time
import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from bot.store import migrate
from bot.store.schema import deliveries, facts, leases

log = logging.getLogger(__name__)

Clock = Callable[[], float]
# The delivery states (``schema.deliveries``).
QUEUED, LEASED, DONE, FAILED = "queued", "leased", "done", "failed"
# How long finished deliveries are kept for dedupe: GitHub redelivers up to 3 days back.
KEEP_DONE = 7 * 24 * 3600.0


# The owners of the stores open in this process: alive, whatever their pid says.
_LIVE: set[str] = set()


def _owner() -> str:
    """Who holds a lease: this host, this process, and a nonce for this store in it."""
    owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
    _LIVE.add(owner)
    return owner


@dataclass(frozen=True, slots=True)
class Backoff:
    """Retries of a failed delivery: ``base`` seconds after the first failure, doubling up
    to ``cap``; after ``attempts`` failures in all it is ``failed`` for good. The default
    spans about 35 minutes, enough to outlast a GitHub outage of minutes."""

    base: float = 30.0
    cap: float = 600.0
    attempts: int = 8

    def delay(self, failures: int) -> float:
        return float(min(self.cap, self.base * 2 ** max(0, failures - 1)))


class Recorded(enum.Enum):
    NEW = "new"  # first time seen: recorded (and leased, if asked)
    DUPLICATE = "duplicate"  # seen before and done or under way: nothing to do
    RETRY = "retry"  # seen before, failed or waiting to retry: due again now


@dataclass(frozen=True, slots=True)
class Delivery:
    """A delivery as the queue holds it, leased to this process."""

    id: str
    event: str
    body: bytes
    attempts: int  # failed attempts so far (a process that died holding it counts)
    recovered: bool  # taken over from a lease that expired: its process stopped


@dataclass(frozen=True, slots=True)
class Failure:
    """A failed attempt as recorded: ``retry_at`` (epoch seconds) or None when the
    delivery has failed ``attempts`` times and is ``failed`` for good."""

    attempts: int
    retry_at: float | None


@dataclass(frozen=True, slots=True)
class QueueCounts:
    due: int  # waiting to be worked on now
    unfinished: int  # not done yet: due, leased or waiting to retry
    failed: int  # failed for good: an operator's to look at


@dataclass(slots=True)
class Lease:
    """A named lease held by this process. ``token`` grows with every acquisition of the
    name, so a holder can tell (``held``) that nobody took it over since."""

    store: Store = field(repr=False)
    name: str
    token: int
    expires: float
    lost: bool = False

    async def renew(self, ttl: float) -> bool:
        now = self.store.clock()
        async with self.store.engine.begin() as conn:
            result = await conn.execute(
                sa.update(leases)
                .where(leases.c.name == self.name, leases.c.owner == self.store.owner,
                       leases.c.token == self.token)
                .values(expires=now + ttl)
            )
        if result.rowcount != 1:
            self.lost = True
            return False
        self.expires = now + ttl
        return True

    async def held(self) -> bool:
        async with self.store.engine.connect() as conn:
            row = (await conn.execute(
                sa.select(leases.c.owner, leases.c.token, leases.c.expires)
                .where(leases.c.name == self.name)
            )).first()
        return (row is not None and row.owner == self.store.owner and row.token == self.token
                and row.expires > self.store.clock())

    async def release(self) -> None:
        async with self.store.engine.begin() as conn:
            await conn.execute(
                sa.update(leases)
                .where(leases.c.name == self.name, leases.c.owner == self.store.owner,
                       leases.c.token == self.token)
                .values(expires=0.0)
            )


@dataclass
class Store:
    """The App's durable state. Open one with ``Store.open(url)``; ``close`` it at exit."""

    engine: AsyncEngine
    clock: Clock = time.time
    backoff: Backoff = Backoff()
    # Who holds a lease: unique per process, readable in the tables.
    owner: str = field(default_factory=_owner)
    # Deliveries waiting to be inserted by the next group commit (``record``).
    _batch: list[tuple[dict[str, Any], asyncio.Future[bool]]] = field(
        default_factory=list, init=False, repr=False)
    _flusher: asyncio.Task[None] | None = field(default=None, init=False, repr=False)

    @classmethod
    async def open(cls, url: str, *, clock: Clock = time.time,
                   backoff: Backoff = Backoff()) -> Store:
        """Connect to ``url`` (``sqlite:///PATH`` or ``postgresql://…``) and migrate it."""
        engine = engine_for(url)
        try:
            await migrate.upgrade(engine)
        except BaseException:
            await engine.dispose()
            raise
        return cls(engine, clock=clock, backoff=backoff)

    async def close(self) -> None:
        if self._flusher is not None:
            await asyncio.gather(self._flusher, return_exceptions=True)
        _LIVE.discard(self.owner)
        await self.engine.dispose()

    # -- the delivery queue -------------------------------------------------------------

    async def record(self, delivery_id: str, event_name: str, body: bytes, *,
                     lease: float | None = None) -> Recorded:
        """Record a delivery before acknowledging it: one insert (shared with the others
        recorded at the same moment), unless seen before.

        With ``lease`` (seconds) it is leased to this process at once, for the caller to
        work on it without claiming it. A delivery seen before that failed, or waits to
        be retried, is made due again now (GitHub's redelivery, an operator's or perfbot's
        own): the answer is ``RETRY``.
        """
        now = self.clock()
        values: dict[str, Any] = {
            "id": delivery_id, "event": event_name, "body": body, "received_at": now,
            "not_before": now, "attempts": 0, "state": QUEUED, "lease_owner": None,
            "lease_expires": None,
        }
        if lease is not None:
            values.update(state=LEASED, lease_owner=self.owner, lease_expires=now + lease)
        recorded: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._batch.append((values, recorded))
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush(), name="perfbot-store-record")
        if await recorded:
            return Recorded.NEW
        async with self.engine.begin() as conn:
            again = await conn.execute(
                sa.update(deliveries)
                .where(deliveries.c.id == delivery_id, sa.or_(
                    deliveries.c.state == FAILED,
                    sa.and_(deliveries.c.state == QUEUED, deliveries.c.not_before > now),
                ))
                .values(state=QUEUED, not_before=now, body=body, lease_owner=None,
                        lease_expires=None, attempts=sa.case(
                            (deliveries.c.state == FAILED, 0), else_=deliveries.c.attempts))
            )
        return Recorded.RETRY if again.rowcount == 1 else Recorded.DUPLICATE

    async def _flush(self) -> None:
        """Group commit: the deliveries recorded while the previous transaction ran are
        inserted together, one statement and one commit for all of them, so a burst of
        acknowledgements queues for the database once, not once each."""
        while self._batch:
            batch, self._batch = self._batch, []
            try:
                try:
                    inserted = await self._insert([values for values, _ in batch])
                except IntegrityError:
                    # Another process inserted one of them meanwhile: one at a time.
                    inserted = [(await self._insert([values]))[0] for values, _ in batch]
            except Exception as exc:
                for _, recorded in batch:
                    if not recorded.done():
                        recorded.set_exception(exc)
                continue
            for (_, recorded), new in zip(batch, inserted, strict=True):
                if not recorded.done():
                    recorded.set_result(new)

    async def _insert(self, rows: list[dict[str, Any]]) -> list[bool]:
        """Insert the rows whose id is not in the table yet; which ones were new."""
        async with self.engine.begin() as conn:
            known = set((await conn.execute(
                sa.select(deliveries.c.id)
                .where(deliveries.c.id.in_([row["id"] for row in rows]))
            )).scalars())
            fresh: list[dict[str, Any]] = []
            new: list[bool] = []
            for row in rows:
                is_new = row["id"] not in known
                known.add(row["id"])  # the same id twice in one batch: the first wins
                new.append(is_new)
                if is_new:
                    fresh.append(row)
            if fresh:
                await conn.execute(sa.insert(deliveries), fresh)
        return new

    async def claim(self, lease: float) -> Delivery | None:
        """Lease the oldest delivery that is due, or whose holder's lease expired."""
        while True:
            now = self.clock()
            async with self.engine.begin() as conn:
                row = (await conn.execute(
                    sa.select(deliveries.c.id, deliveries.c.event, deliveries.c.body,
                              deliveries.c.state, deliveries.c.attempts)
                    .where(_due(now))
                    .order_by(deliveries.c.received_at)
                    .limit(1)
                    .with_for_update(skip_locked=True)
                )).first()
                if row is None:
                    return None
                recovered = row.state == LEASED
                attempts = row.attempts + (1 if recovered else 0)
                if recovered and attempts >= self.backoff.attempts:
                    # Every process that took it up stopped while working on it.
                    await conn.execute(
                        sa.update(deliveries).where(deliveries.c.id == row.id, _due(now))
                        .values(state=FAILED, attempts=attempts, lease_owner=None,
                                lease_expires=None, finished_at=now,
                                error="the process working on it stopped, every attempt")
                    )
                    log.error("delivery %s failed for good: the process working on it "
                              "stopped, %d times", row.id, attempts)
                    continue
                taken = await conn.execute(
                    sa.update(deliveries).where(deliveries.c.id == row.id, _due(now))
                    .values(state=LEASED, lease_owner=self.owner, lease_expires=now + lease,
                            attempts=attempts)
                )
                if taken.rowcount != 1:
                    continue  # another process took it between the two statements
            return Delivery(row.id, row.event, row.body or b"", attempts, recovered)

    async def renew(self, lease: float) -> int:
        """Extend every delivery lease this process holds; how many it holds."""
        now = self.clock()
        async with self.engine.begin() as conn:
            result = await conn.execute(
                sa.update(deliveries)
                .where(deliveries.c.lease_owner == self.owner, deliveries.c.state == LEASED)
                .values(lease_expires=now + lease)
            )
        return int(result.rowcount)

    async def finish(self, delivery_id: str) -> bool:
        """The delivery's work is done. False if this process no longer held it."""
        async with self.engine.begin() as conn:
            result = await conn.execute(
                sa.update(deliveries)
                .where(*self._mine(delivery_id))
                .values(state=DONE, body=None, lease_owner=None, lease_expires=None,
                        finished_at=self.clock(), error=None)
            )
        return bool(result.rowcount == 1)

    async def fail(self, delivery_id: str, error: str) -> Failure | None:
        """The delivery's work failed: record when it will be tried again (with
        ``backoff``), or that it failed for good. None if this process no longer held it."""
        now = self.clock()
        async with self.engine.begin() as conn:
            row = (await conn.execute(
                sa.select(deliveries.c.attempts).where(*self._mine(delivery_id))
                .with_for_update()
            )).first()
            if row is None:
                return None
            attempts = row.attempts + 1
            retry: float | None = None
            values: dict[str, Any] = {
                "attempts": attempts, "lease_owner": None, "lease_expires": None,
                "error": error[:2000],
            }
            if attempts >= self.backoff.attempts:
                values.update(state=FAILED, finished_at=now)
            else:
                retry = now + self.backoff.delay(attempts)
                values.update(state=QUEUED, not_before=retry)
            await conn.execute(
                sa.update(deliveries).where(*self._mine(delivery_id)).values(values)
            )
        return Failure(attempts, retry)

    async def release(self, delivery_ids: Sequence[str] | None = None) -> list[str]:
        """Hand deliveries this process holds back to the queue, due now (all of them by
        default): a graceful shutdown, so another process takes them up at once."""
        now = self.clock()
        mine = [deliveries.c.lease_owner == self.owner, deliveries.c.state == LEASED]
        if delivery_ids is not None:
            mine.append(deliveries.c.id.in_(list(delivery_ids)))
        async with self.engine.begin() as conn:
            ids = [row.id for row in await conn.execute(
                sa.select(deliveries.c.id).where(*mine).order_by(deliveries.c.received_at)
            )]
            if ids:
                await conn.execute(
                    sa.update(deliveries).where(*mine, deliveries.c.id.in_(ids))
                    .values(state=QUEUED, not_before=now, lease_owner=None,
                            lease_expires=None)
                )
        return ids

    async def counts(self, horizon: float = 0.0) -> QueueCounts:
        """How many deliveries are due (or fall due within ``horizon`` seconds),
        unfinished, and failed for good."""
        now = self.clock() + horizon
        async with self.engine.connect() as conn:
            by_state: dict[str, int] = {
                str(state): int(count) for state, count in await conn.execute(
                    sa.select(deliveries.c.state, sa.func.count())
                    .where(deliveries.c.state != DONE)
                    .group_by(deliveries.c.state)
                )
            }
            due = (await conn.execute(
                sa.select(sa.func.count()).select_from(deliveries).where(_due(now))
            )).scalar_one()
        unfinished = by_state.get(QUEUED, 0) + by_state.get(LEASED, 0)
        return QueueCounts(due=int(due), unfinished=int(unfinished),
                           failed=int(by_state.get(FAILED, 0)))

    async def failed(self, limit: int = 100) -> list[tuple[str, str, str]]:
        """The deliveries that failed for good: (id, event, last error), newest first."""
        async with self.engine.connect() as conn:
            rows = await conn.execute(
                sa.select(deliveries.c.id, deliveries.c.event, deliveries.c.error)
                .where(deliveries.c.state == FAILED)
                .order_by(deliveries.c.finished_at.desc()).limit(limit)
            )
            return [(row.id, row.event, row.error or "") for row in rows]

    async def state(self, delivery_id: str) -> str | None:
        """A delivery's state (``queued``, ``leased``, ``done``, ``failed``), None if unknown."""
        async with self.engine.connect() as conn:
            value = (await conn.execute(
                sa.select(deliveries.c.state).where(deliveries.c.id == delivery_id)
            )).scalar_one_or_none()
        return None if value is None else str(value)

    async def prune(self, keep_done: float = KEEP_DONE) -> None:
        """Forget finished deliveries older than ``keep_done`` seconds, stale leases and
        expired facts."""
        now = self.clock()
        async with self.engine.begin() as conn:
            await conn.execute(sa.delete(deliveries).where(
                deliveries.c.state == DONE, deliveries.c.finished_at < now - keep_done))
            await conn.execute(sa.delete(leases).where(leases.c.expires < now - keep_done))
            await conn.execute(sa.delete(facts).where(facts.c.expires <= now))

    async def reclaim_dead(self) -> int:
        """Expire at once the leases of processes on this host that are gone (a crash, a
        ``SIGKILL``, a container restarted), rather than waiting for them to run out;
        how many holders were found dead. Owners elsewhere wait for their leases."""
        async with self.engine.connect() as conn:
            owners = {str(owner) for owner in (await conn.execute(
                sa.select(deliveries.c.lease_owner).distinct()
                .where(deliveries.c.state == LEASED)
            )).scalars() if owner} | {str(owner) for owner in (await conn.execute(
                sa.select(leases.c.owner).distinct().where(leases.c.expires > self.clock())
            )).scalars()}
        dead = [owner for owner in owners if owner != self.owner and _gone(owner)]
        if dead:
            async with self.engine.begin() as conn:
                await conn.execute(
                    sa.update(deliveries)
                    .where(deliveries.c.lease_owner.in_(dead), deliveries.c.state == LEASED)
                    .values(lease_expires=0.0))
                await conn.execute(
                    sa.update(leases).where(leases.c.owner.in_(dead)).values(expires=0.0))
            log.info("the processes %s stopped without handing their work back; it is "
                     "due again now", ", ".join(sorted(dead)))
        return len(dead)

    def _mine(self, delivery_id: str) -> list[sa.ColumnElement[bool]]:
        return [deliveries.c.id == delivery_id, deliveries.c.lease_owner == self.owner,
                deliveries.c.state == LEASED]

    # -- named leases -------------------------------------------------------------------

    async def acquire(self, name: str, ttl: float) -> Lease | None:
        """Take the lease ``name`` for ``ttl`` seconds if nobody holds it; None otherwise."""
        now = self.clock()
        async with self.engine.begin() as conn:
            row = (await conn.execute(
                sa.update(leases)
                .where(leases.c.name == name, leases.c.expires <= now)
                .values(owner=self.owner, token=leases.c.token + 1, expires=now + ttl)
                .returning(leases.c.token)
            )).first()
        if row is not None:
            return Lease(self, name, int(row.token), now + ttl)
        # Never held (or pruned): the first token is the time in microseconds, above any
        # token a pruned row could have reached, so tokens only grow.
        token = int(now * 1_000_000)
        try:
            async with self.engine.begin() as conn:
                await conn.execute(sa.insert(leases).values(
                    name=name, owner=self.owner, token=token, expires=now + ttl))
        except IntegrityError:
            return None
        return Lease(self, name, token, now + ttl)

    @contextlib.asynccontextmanager
    async def leased(self, name: str, ttl: float = 60.0) -> AsyncIterator[Lease | None]:
        """Run a singleton job: yields the lease if this process got it (renewed every
        ``ttl / 3`` while the block runs, released after), None if another holds it.

            async with store.leased("sweep", ttl=300) as lease:
                if lease:
                    await sweep()
        """
        lease = await self.acquire(name, ttl)
        if lease is None:
            yield None
            return
        async with self._renewing(lease, ttl):
            yield lease

    @contextlib.asynccontextmanager
    async def lock(self, name: str, ttl: float = 30.0) -> AsyncIterator[Lease]:
        """Hold ``name`` exclusively across processes, waiting for it if another holds
        it (until it releases it, or its lease expires after its process stopped)."""
        pause = 0.01
        while (lease := await self.acquire(name, ttl)) is None:
            await asyncio.sleep(pause)
            pause = min(pause * 2, 0.5)
        async with self._renewing(lease, ttl):
            yield lease

    @contextlib.asynccontextmanager
    async def _renewing(self, lease: Lease, ttl: float) -> AsyncIterator[None]:
        async def keep() -> None:
            while True:
                await asyncio.sleep(ttl / 3)
                try:
                    renewed = await lease.renew(ttl)
                except Exception:
                    log.warning("could not renew the lease %s", lease.name, exc_info=True)
                    continue
                if not renewed:
                    log.warning("lost the lease %s (another process took it over)",
                                lease.name)
                    return

        task = asyncio.create_task(keep(), name=f"perfbot-lease-{lease.name}")
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            if not lease.lost:
                await asyncio.shield(lease.release())

    # -- facts --------------------------------------------------------------------------

    async def get(self, namespace: str, key: str) -> Any:
        """The JSON value kept under (namespace, key), None if none (or it expired)."""
        now = self.clock()
        async with self.engine.connect() as conn:
            value = (await conn.execute(
                sa.select(facts.c.value).where(*_fact(namespace, key), _live(now))
            )).scalar_one_or_none()
        return None if value is None else orjson.loads(value)

    async def put(self, namespace: str, key: str, value: Any, *,
                  ttl: float | None = None) -> None:
        """Keep ``value`` (anything orjson encodes) under (namespace, key), for ``ttl``
        seconds if given, replacing what was there."""
        now = self.clock()
        row = {"value": orjson.dumps(value).decode(), "updated_at": now,
               "expires": None if ttl is None else now + ttl}
        for _ in range(3):
            async with self.engine.begin() as conn:
                result = await conn.execute(
                    sa.update(facts).where(*_fact(namespace, key)).values(row))
            if result.rowcount == 1:
                return
            try:
                async with self.engine.begin() as conn:
                    await conn.execute(
                        sa.insert(facts).values(namespace=namespace, key=key, **row))
                return
            except IntegrityError:
                continue  # someone inserted it first: update theirs
        raise RuntimeError(f"could not write the fact {namespace}/{key}")

    async def put_new(self, namespace: str, key: str, value: Any, *,
                      ttl: float | None = None) -> bool:
        """Keep ``value`` only if nothing (live) is there yet: True if this call wrote it.
        Two processes racing: exactly one gets True (record an intent before acting)."""
        now = self.clock()
        async with self.engine.begin() as conn:
            await conn.execute(sa.delete(facts).where(*_fact(namespace, key),
                                                      sa.not_(_live(now))))
        try:
            async with self.engine.begin() as conn:
                await conn.execute(sa.insert(facts).values(
                    namespace=namespace, key=key, value=orjson.dumps(value).decode(),
                    updated_at=now, expires=None if ttl is None else now + ttl))
        except IntegrityError:
            return False
        return True

    async def delete(self, namespace: str, key: str) -> bool:
        async with self.engine.begin() as conn:
            result = await conn.execute(sa.delete(facts).where(*_fact(namespace, key)))
        return bool(result.rowcount)

    async def scan(self, namespace: str, prefix: str = "") -> dict[str, Any]:
        """Every live fact in ``namespace`` whose key starts with ``prefix``."""
        now = self.clock()
        query = sa.select(facts.c.key, facts.c.value).where(
            facts.c.namespace == namespace, _live(now))
        if prefix:
            query = query.where(facts.c.key.startswith(prefix, autoescape=True))
        async with self.engine.connect() as conn:
            return {row.key: orjson.loads(row.value) for row in await conn.execute(query)}


def _gone(owner: str) -> bool:
    """Whether ``owner`` (``host:pid:nonce``) was a process on this host that is gone. A
    restarted container keeps its hostname and its pid (1): an owner with our own pid
    that no store open in this process has is a previous life of this process."""
    parts = owner.rsplit(":", 2)
    if len(parts) != 3 or not parts[1].isdigit():
        return False
    host, pid = parts[0], int(parts[1])
    if host != socket.gethostname():
        return False
    if pid == os.getpid():
        return owner not in _LIVE
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:
        return False  # alive, another user's
    return False


def _due(now: float) -> sa.ColumnElement[bool]:
    return sa.or_(
        sa.and_(deliveries.c.state == QUEUED, deliveries.c.not_before <= now),
        sa.and_(deliveries.c.state == LEASED, deliveries.c.lease_expires < now),
    )


def _fact(namespace: str, key: str) -> list[sa.ColumnElement[bool]]:
    return [facts.c.namespace == namespace, facts.c.key == key]


def _live(now: float) -> sa.ColumnElement[bool]:
    return sa.or_(facts.c.expires.is_(None), facts.c.expires > now)


def default_url(data_dir: str | os.PathLike[str]) -> str:
    """The embedded store: an SQLite file in ``data_dir``."""
    return f"sqlite:///{Path(data_dir).resolve() / 'perfbot.sqlite3'}"


def engine_for(url: str) -> AsyncEngine:
    """An async engine for ``url``: ``postgresql://`` goes through asyncpg, ``sqlite://``
    through aiosqlite (an explicit ``+driver`` is kept)."""
    parsed = make_url(url)
    drivers = {"postgresql": "postgresql+asyncpg", "postgres": "postgresql+asyncpg",
               "sqlite": "sqlite+aiosqlite"}
    parsed = parsed.set(drivername=drivers.get(parsed.drivername, parsed.drivername))
    if parsed.get_backend_name() != "sqlite":
        return create_async_engine(parsed, pool_pre_ping=True)
    if not parsed.database or parsed.database == ":memory:":
        raise ValueError("the SQLite store needs a file (sqlite:///PATH)")
    Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    # One connection: SQLite has one writer at a time anyway, and queueing for the
    # connection in asyncio is fairer and cheaper than the busy handler's sleeps.
    engine = create_async_engine(parsed, pool_size=1, max_overflow=0, pool_timeout=60)
    _sqlite_modes(engine)
    return engine


def _sqlite_modes(engine: AsyncEngine) -> None:
    """WAL (readers never wait on the writer; synchronous=NORMAL survives a killed
    process), a wait instead of an error while another connection writes, and
    ``BEGIN IMMEDIATE`` so a transaction that reads then writes never deadlocks another."""

    @event.listens_for(engine.sync_engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # SQLAlchemy's "begin" below starts them
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _begin(connection: sa.Connection) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")
