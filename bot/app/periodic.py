"""Jobs that run every so often in one replica at a time: the redelivery scan, the sweep.

Every replica runs the same loop, but a job runs only under the store's lease of its name,
and only when it is due: the time of its last run is kept in the store, so a replica that
starts (or restarts daily) neither repeats a run another one just made nor postpones one
that is owed. A replica that dies while running a job loses its lease when the lease
expires; the next replica to look finds the job still due and runs it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable

from sqlalchemy.exc import OperationalError

from bot.app.observed import OPERATIONAL as GITHUB_DOWN
from bot.store import Store

log = logging.getLogger(__name__)

NAMESPACE = "periodic"
# How often a waiting replica looks again (the last run may have moved; the clock jumps).
POLL = 60.0
LEASE = 120.0  # renewed while the job runs; a dead holder's expires after this
OPERATIONAL = (*GITHUB_DOWN, OperationalError)  # GitHub or the database unreachable or busy


class Periodic:
    """Run ``job`` every ``interval`` seconds, in one replica at a time.

    The first run comes ``first`` seconds after start when the job never ran (``None``:
    after a whole interval); ``at_start`` runs it at once on every start, owed or not.
    """

    def __init__(self, store: Store, name: str, job: Callable[[], Awaitable[object]], *,
                 interval: float, first: float | None = None, at_start: bool = False,
                 poll: float = POLL, lease: float = LEASE) -> None:
        self.store, self.name, self._job = store, name, job
        self.interval = interval
        self._first = interval if first is None else min(first, interval)
        self._at_start = at_start
        self.poll = poll
        self._lease = lease
        self._started = store.clock()  # a job that never ran is first owed from here
        self._task: asyncio.Task[None] | None = None
        self.first_pass = asyncio.Event()  # set once this process has looked (tests)

    def start(self) -> None:
        self._task = asyncio.create_task(self._loop(), name=f"perfbot-{self.name}")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def due(self) -> float:
        """When the job is next owed (epoch seconds, by the store's clock)."""
        last = await self.store.get(NAMESPACE, self.name)
        if isinstance(last, dict) and isinstance(last.get("at"), int | float):
            return float(last["at"]) + self.interval
        return self._started + self._first

    async def run_if_due(self, *, force: bool = False) -> bool:
        """Run the job now if it is owed (or ``force``) and no other replica runs it."""
        async with self._holding() as held:
            if not held or not (force or await self.due() <= self.store.clock()):
                return False
            started = self.store.clock()
            try:
                await self._job()
            finally:
                # A run that failed still counts: the next comes after the interval, not in
                # a tight loop against a GitHub that is down.
                await self.store.put(NAMESPACE, self.name, {"at": started})
            return True

    @contextlib.asynccontextmanager
    async def _holding(self) -> AsyncIterator[bool]:
        async with self.store.leased(f"{NAMESPACE}:{self.name}", self._lease) as lease:
            yield lease is not None

    async def _loop(self) -> None:
        force = self._at_start
        while True:
            try:
                await self.run_if_due(force=force)
                force = False
                wait = await self.due() - self.store.clock()
            except Exception as exc:  # GitHub or the store is down: the next look is not far
                if isinstance(exc, OPERATIONAL):  # the one-line reason, not our stack
                    log.warning("periodic job %s could not run: %r", self.name, exc)
                else:
                    log.exception("periodic job %s could not run", self.name)
                wait = self.poll
            finally:
                self.first_pass.set()
            # Still owed after trying: another replica is running it (or died doing so,
            # and its lease has yet to expire). Look again after a poll.
            await asyncio.sleep(self.poll if wait <= 0 else min(wait, self.poll))
