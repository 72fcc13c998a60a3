"""Between acknowledging a delivery and acting on it: dedupe, queue, bounded workers."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable

from cachetools import TTLCache
from gidgethub.sansio import Event

from bot.app.metrics import OTHER, Metrics, event_label

log = logging.getLogger(__name__)

Handler = Callable[[Event], Awaitable[None]]
QUIET = 0.01
ACK_PRIORITY = 0.25


class Intake:
    """Accepts events at once and works through them with ``concurrency`` workers.

    A delivery id counts as seen from the moment it is queued; if its processing
    fails the id is forgotten, so a redelivery from GitHub is worked on again
    rather than lost.
    """

    def __init__(self, metrics: Metrics, *, concurrency: int, queue_size: int) -> None:
        self._metrics = metrics
        self._concurrency = concurrency
        self._queue: asyncio.Queue[tuple[Event, float]] = asyncio.Queue(maxsize=queue_size)
        self._seen: TTLCache[str, bool] = TTLCache(maxsize=100_000, ttl=24 * 3600)
        self._workers: list[asyncio.Task[None]] = []
        self._in_flight: dict[int, Event] = {}  # by id(event): what the workers hold
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

    def seen(self, delivery_id: str) -> bool:
        return bool(delivery_id) and delivery_id in self._seen

    def offer(self, event: Event) -> bool:
        """Queue an event; False when the queue is full (the caller answers 503)."""
        try:
            self._queue.put_nowait((event, time.perf_counter()))
        except asyncio.QueueFull:
            return False
        if event.delivery_id:
            self._seen[event.delivery_id] = True
        return True

    async def start(self, handler: Handler) -> None:
        self._workers = [
            asyncio.create_task(self._work(handler), name=f"perfbot-worker-{i}")
            for i in range(self._concurrency)
        ]

    async def stop(self, grace: float = 20.0) -> None:
        """Finish what was accepted, within ``grace`` seconds, then stop the workers."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._queue.join(), grace)
        abandoned = list(self._in_flight.values())
        while not self._queue.empty():
            abandoned.append(self._queue.get_nowait()[0])
            self._queue.task_done()
        for worker in self._workers:
            worker.cancel()
        await asyncio.gather(*self._workers, return_exceptions=True)
        if abandoned:
            # GitHub does not redeliver by itself; the ids are what an operator needs.
            log.warning(
                "stopped with %d deliveries unfinished; redeliver them from the App's "
                "settings (Advanced → Recent Deliveries): %s",
                len(abandoned), ", ".join(e.delivery_id or "(no id)" for e in abandoned),
            )

    async def drain(self) -> None:
        """Wait until every accepted event has been handled (tests, benchmarks)."""
        await self._queue.join()

    async def _work(self, handler: Handler) -> None:
        while True:
            event, accepted = await self._queue.get()
            self._in_flight[id(event)] = event
            try:
                await self.yield_to_acknowledgements()
                await self._handle(handler, event, accepted)
            finally:
                del self._in_flight[id(event)]
                self._queue.task_done()

    async def _handle(self, handler: Handler, event: Event, accepted: float) -> None:
        name = event_label(event.event)
        action = event.data.get("action") if isinstance(event.data, dict) else None
        label = f"{name}.{action}" if action and name != OTHER else name
        try:
            await handler(event)
        except Exception:
            if event.delivery_id:
                self._seen.pop(event.delivery_id, None)
            self._metrics.deliveries.labels(label, "failed").inc()
            log.exception("delivery %s (%s) failed", event.delivery_id, label)
        else:
            self._metrics.deliveries.labels(label, "processed").inc()
        finally:
            self._metrics.processing.labels(name).observe(time.perf_counter() - accepted)
