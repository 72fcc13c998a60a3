"""Wake a check that waits for CI results when its timeout passes, even if no event comes.

The deadline itself is durable (the check run's start time plus ``timeout_minutes``), so
any event after it concludes the wait; the timer covers the quiet case. Each deadline is
kept in the store, so it survives a restart: at start, and every ``RESCAN`` seconds, a
process sets a timer for every deadline the store holds, including those another replica
set (and may no longer be alive to keep). When one passes, the replica holding its lease
concludes the wait and removes it; the others find it gone.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from bot.app import evidence
from bot.github import pulls
from bot.github.app import GitHubApp
from bot.github.client import GitHub
from bot.store import Store

log = logging.getLogger(__name__)

Review = Callable[[GitHub, str, dict[str, Any]], Awaitable[Any]]
NAMESPACE = "deadline"
# After the deadline, so the evaluation it triggers sees the wait as over.
GRACE_SECONDS = 5.0
# How often a timer looks at the clock: sleeping in steps follows a clock that jumps.
TICK_SECONDS = 30.0
# How often the store is read for deadlines another process set.
RESCAN_SECONDS = 300.0
LEASE_SECONDS = 120.0
# A deadline nobody could conclude for this long (its pull request gone) is forgotten.
KEEP_SECONDS = 7 * 24 * 3600.0


class Deadlines:
    def __init__(self, github: GitHubApp, store: Store,
                 clock: Callable[[], float] | None = None) -> None:
        self._github = github
        self._store = store
        self._clock = clock or (lambda: evidence.clock())
        self.grace = GRACE_SECONDS
        self.tick = TICK_SECONDS
        self.rescan = RESCAN_SECONDS
        self._review: Review | None = None
        self._timers: dict[str, asyncio.Task[None]] = {}
        self._loop: asyncio.Task[None] | None = None

    async def start(self, review: Review) -> None:
        """Keep the deadlines the store holds, reviewing with ``review`` when one passes:
        a timer for each now, and for those other processes set, every ``rescan``."""
        self._review = review
        try:
            await self.restore()
        except Exception:  # the next look, in ``rescan`` seconds, may find the store back
            log.exception("could not read the deadlines kept in the store")
        self._loop = asyncio.create_task(self._watch(), name="perfbot-deadlines")

    async def wake(self, gh: GitHub, repo: str, number: int, head_sha: str, at: float,
                   review: Review) -> None:
        """Re-evaluate pull request ``number`` once ``at`` (epoch seconds) has passed."""
        if gh.installation_id is None:
            return
        self._review = self._review or review
        key = _key(repo, head_sha)
        record = {"installation": gh.installation_id, "repo": repo, "number": number,
                  "head_sha": head_sha, "at": at}
        if await self._store.get(NAMESPACE, key) != record:
            await self._store.put(NAMESPACE, key, record, ttl=self._keep(at))
        self._arm(key, record)

    async def cancel(self, repo: str, head_sha: str) -> None:
        """The wait ended (the results arrived): its timer must not conclude it again later."""
        key = _key(repo, head_sha)
        await self._store.delete(NAMESPACE, key)
        task = self._timers.pop(key, None)
        if task is not None and task is not asyncio.current_task():
            task.cancel()

    def pending(self) -> int:
        return sum(1 for task in self._timers.values() if not task.done())

    async def restore(self) -> int:
        """Set a timer for every deadline the store holds; how many it holds."""
        held = await self._store.scan(NAMESPACE)
        for key, record in held.items():
            if isinstance(record, dict):
                self._arm(key, record)
        return len(held)

    async def idle(self) -> None:
        """Wait for every timer to have fired (tests)."""
        while pending := [task for task in self._timers.values() if not task.done()]:
            await asyncio.gather(*pending, return_exceptions=True)

    async def close(self) -> None:
        tasks = [*self._timers.values(), *([self._loop] if self._loop else [])]
        for task in tasks:
            task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.gather(*tasks, return_exceptions=True)
        self._timers.clear()
        self._loop = None

    def _keep(self, at: float) -> float:
        return max(at - self._clock(), 0.0) + KEEP_SECONDS

    def _arm(self, key: str, record: dict[str, Any]) -> None:
        current = self._timers.get(key)
        if current is not None and not current.done():
            return
        self._timers[key] = asyncio.create_task(
            self._later(key, record), name=f"perfbot-deadline-{key[:60]}")

    async def _watch(self) -> None:
        while True:
            await asyncio.sleep(self.rescan)
            try:
                await self.restore()
            except Exception:
                log.exception("could not read the deadlines kept in the store")

    async def _later(self, key: str, record: dict[str, Any]) -> None:
        at = float(record["at"])
        try:
            while (left := at + self.grace - self._clock()) > 0:  # noqa: ASYNC110 - clock jumps
                await asyncio.sleep(min(left, self.tick))
            async with self._store.leased(f"{NAMESPACE}:{key}", LEASE_SECONDS) as lease:
                # Another replica concludes it, or did already (or the results came).
                if lease is None or await self._store.get(NAMESPACE, key) != record:
                    return
                await self._conclude(record)
                if await self._store.get(NAMESPACE, key) == record:
                    await self._store.delete(NAMESPACE, key)
        except Exception:  # kept in the store: the next rescan tries again
            log.exception("could not conclude the wait on %s#%s", record["repo"],
                          record["number"])
        finally:
            if self._timers.get(key) is asyncio.current_task():
                del self._timers[key]

    async def _conclude(self, record: dict[str, Any]) -> None:
        repo, number, head_sha = str(record["repo"]), int(record["number"]), record["head_sha"]
        gh = await self._github.installation(int(record["installation"]))
        pull = await pulls.get(gh, repo, number)
        if pull.get("state") == "open" and pull["head"]["sha"] == head_sha and self._review:
            await self._review(gh, repo, pull)


def _key(repo: str, head_sha: str) -> str:
    return f"{repo.lower()}@{head_sha}"
