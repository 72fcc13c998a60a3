"""Between acknowledging a delivery and acting on it: the durable queue and bounded workers.

A delivery is recorded in the store (``bot.store``) before the server acknowledges it,
leased to this process, and finished in the store only once its handler returned. Work
this process cannot finish is not lost: a failure is retried with the store's backoff, a
shutdown hands what is unfinished back, and a crash leaves leases that expire and are
taken up again, here after a restart or by another replica.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import orjson
from gidgethub.sansio import Event

from bot.app.metrics import OTHER, Metrics, event_label
from bot.app.observed import delivery_fields, observed
from bot.store import Delivery, Recorded, Store
from bot.telemetry import logs

log = logging.getLogger(__name__)

Handler = Callable[[Event], Awaitable[None]]
QUIET = 0.01
ACK_PRIORITY = 0.25
# A delivery's lease: renewed every third of it while this process holds the delivery;
# after a crash, another process takes it up once it has run out.
LEASE_SECONDS = 30.0
# How often an idle process looks in the store for work (other replicas' expired
# leases, retries falling due); new deliveries to this process need no look.
POLL_SECONDS = 1.0
PRUNE_SECONDS = 3600.0
# How often to look for processes on this host that died holding leases.
RECLAIM_SECONDS = 10.0


@dataclass(frozen=True, slots=True)
class _Item:
    event: Event
    delivery_id: str
    accepted: float  # perf_counter when acknowledged (or taken from the store)


class Intake:
    """Records events before they are acknowledged and works through them with
    ``concurrency`` workers, holding at most ``queue_size`` at once in this process.

    A delivery id is recorded once: a redelivery is acknowledged and not worked on
    again, unless its earlier attempts failed (then it is due again at once).
    """

    def __init__(self, store: Store, metrics: Metrics, *, concurrency: int, queue_size: int,
                 lease: float = LEASE_SECONDS, poll: float = POLL_SECONDS) -> None:
        self.store = store
        self._metrics = metrics
        self._concurrency = concurrency
        self._capacity = max(queue_size, concurrency)
        self._lease = lease
        self._poll = poll
        self._queue: asyncio.Queue[_Item] = asyncio.Queue()
        self._held = 0  # deliveries leased to this process: queued here or being worked on
        self._wake = asyncio.Event()
        self._workers: list[asyncio.Task[None]] = []
        self._background: list[asyncio.Task[None]] = []
        self._in_flight: dict[int, _Item] = {}
        self._stopping = False
        self._last_ack = 0.0

    def acknowledging(self) -> None:
        """The server is answering a delivery: background work should give way."""
        self._last_ack = time.monotonic()

    async def yield_to_acknowledgements(self) -> None:
        """Background work calls this before each step (a new event, a GitHub request).

        Acknowledging comes first: while deliveries are arriving, work waits for a lull of
        ``QUIET`` seconds, but never longer than ``ACK_PRIORITY`` in all, so a steady
        stream of deliveries cannot starve it.
        """
        now = time.monotonic()
        deadline = now + ACK_PRIORITY
        while now - self._last_ack < QUIET and now < deadline:
            await asyncio.sleep(QUIET - (now - self._last_ack))
            now = time.monotonic()

    async def accept(self, event: Event, body: bytes) -> Recorded:
        """Record a verified delivery (one insert) before it is acknowledged.

        Raises whatever the store raises when it cannot record it: the caller must not
        acknowledge then (GitHub, or the redelivery scan, sends it again).
        """
        delivery_id = event.delivery_id or f"perfbot-{uuid.uuid4()}"
        room = not self._stopping and self._held < self._capacity
        if room:
            self._held += 1  # reserved before the await, so concurrent accepts keep the bound
        try:
            recorded = await self.store.record(
                delivery_id, event.event, body, lease=self._lease if room else None)
        except BaseException:
            if room:
                self._held -= 1
            raise
        if recorded is Recorded.NEW and room:
            self._queue.put_nowait(_Item(event, delivery_id, time.perf_counter()))
            return recorded
        if room:
            self._held -= 1
        if recorded is not Recorded.DUPLICATE:
            self._wake.set()  # in the store, due: the feeder takes it when there is room
        return recorded

    async def start(self, handler: Handler) -> None:
        # Each delivery's work in its span, its fields on every line, one closing line.
        handler = observed(handler)
        self._stopping = False
        self._workers = [
            asyncio.create_task(self._work(handler), name=f"perfbot-worker-{i}")
            for i in range(self._concurrency)
        ]
        self._background = [
            asyncio.create_task(self._feed(), name="perfbot-intake-feed"),
            asyncio.create_task(self._keep_leases(), name="perfbot-intake-leases"),
        ]

    async def stop(self, grace: float = 20.0) -> None:
        """Stop taking work; let what is being worked on finish within ``grace`` seconds,
        then hand everything unfinished back to the store, due at once for whichever
        process comes next."""
        self._stopping = True
        for task in self._background:
            task.cancel()
        await asyncio.gather(*self._background, return_exceptions=True)
        while not self._queue.empty():  # not started: nothing to wait for
            self._queue.get_nowait()
            self._held -= 1
            self._queue.task_done()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._queue.join(), grace)
        for worker in self._workers:
            worker.cancel()
        await asyncio.gather(*self._workers, return_exceptions=True)
        try:
            handed_back = await self.store.release()
        except Exception:
            log.exception("could not hand unfinished deliveries back to the store; "
                          "their leases expire in %.0f s and they are taken up then",
                          self._lease)
            return
        if handed_back:
            log.warning(
                "stopped with %d deliveries unfinished, handed back to the store for the "
                "next process to take up: %s", len(handed_back), ", ".join(handed_back),
            )

    async def drain(self, retries_within: float = 0.0) -> None:
        """Wait until no delivery is held here or due in the store (tests, benchmarks);
        retries that fall due within ``retries_within`` seconds are waited for too."""
        while True:
            await self._queue.join()
            due = (await self.store.counts(retries_within)).due
            # Held is read after the count: a claim under way during it is counted here.
            if due == 0 and self._held == 0:
                return
            self._wake.set()
            await asyncio.sleep(0.005)

    async def _feed(self) -> None:
        """Take due deliveries from the store while workers would otherwise be idle."""
        last_prune = time.monotonic()
        last_reclaim = -RECLAIM_SECONDS  # at once: a restart takes up its previous life's work
        while True:
            try:
                if time.monotonic() - last_reclaim >= RECLAIM_SECONDS:
                    last_reclaim = time.monotonic()
                    await self.store.reclaim_dead()
                while not self._stopping and self._held < self._concurrency:
                    self._held += 1  # counted while claimed, before it is queued here
                    try:
                        delivery = await self.store.claim(self._lease)
                    finally:
                        self._held -= 1
                    if delivery is None:
                        break
                    self._take(delivery)
                if time.monotonic() - last_prune > PRUNE_SECONDS:
                    last_prune = time.monotonic()
                    await self.store.prune()
            except Exception:
                log.exception("could not read the delivery queue; trying again")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self._poll)
            self._wake.clear()

    def _take(self, delivery: Delivery) -> None:
        self._held += 1
        if delivery.recovered:
            self._metrics.recoveries.inc()
            log.warning("took up delivery %s (%s) again: the process working on it stopped",
                        delivery.id, delivery.event)
        try:
            data = orjson.loads(delivery.body)
        except orjson.JSONDecodeError:
            data = None
        event = Event(data, event=delivery.event, delivery_id=delivery.id)
        self._queue.put_nowait(_Item(event, delivery.id, time.perf_counter()))

    async def _keep_leases(self) -> None:
        while True:
            await asyncio.sleep(self._lease / 3)
            try:
                await self.store.renew(self._lease)
            except Exception:
                log.exception("could not renew this process's delivery leases")

    async def _work(self, handler: Handler) -> None:
        while True:
            item = await self._queue.get()
            self._in_flight[id(item)] = item
            try:
                await self.yield_to_acknowledgements()
                await self._handle(handler, item)
            finally:
                del self._in_flight[id(item)]
                self._held -= 1
                self._queue.task_done()

    async def _handle(self, handler: Handler, item: _Item) -> None:
        event = item.event
        name = event_label(event.event)
        action = event.data.get("action") if isinstance(event.data, dict) else None
        label = f"{name}.{action}" if action and name != OTHER else name
        try:
            if not isinstance(event.data, dict):
                raise ValueError("the stored body is not a JSON object")
            await handler(event)
        except Exception as exc:
            self._metrics.deliveries.labels(label, "failed").inc()
            # The handler (bot.app.observed) has logged the failure, with its reason, once.
            with logs.bind(**delivery_fields(event)):
                await self._failed(item, label, f"{type(exc).__name__}: {exc}")
        else:
            self._metrics.deliveries.labels(label, "processed").inc()
            try:
                await self.store.finish(item.delivery_id)
            except Exception:
                log.exception("delivery %s (%s) done, but the store could not record it; "
                              "it will be worked on again", item.delivery_id, label)
        finally:
            self._metrics.processing.labels(name).observe(time.perf_counter() - item.accepted)

    async def _failed(self, item: _Item, label: str, error: str) -> None:
        try:
            failure = await self.store.fail(item.delivery_id, error)
        except Exception:
            log.exception("could not record the failure of delivery %s", item.delivery_id)
            return
        if failure is None:
            log.warning("delivery %s (%s): another process had taken it over",
                        item.delivery_id, label)
        elif failure.retry_at is None:
            self._metrics.failed.inc()
            log.error(
                "delivery %s (%s) failed for good after %d attempts; it stays in the store "
                "as failed: redeliver it from the App's settings (Advanced → Recent "
                "Deliveries) once the cause is fixed", item.delivery_id, label,
                failure.attempts,
            )
        else:
            log.warning("delivery %s (%s) failed %d times; trying again in %.0f s",
                        item.delivery_id, label, failure.attempts,
                        failure.retry_at - self.store.clock())
