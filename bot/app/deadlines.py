"""Wake a check that waits for CI results when its timeout passes, even if no event comes.

The deadline itself is durable (the check run's start time plus ``timeout_minutes``), so
any event after it concludes the wait; the timer only covers the quiet case. Timers
live in the server process: after a restart the next event for the pull request (a
push, a re-run, the workflow finishing) concludes it instead.
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

log = logging.getLogger(__name__)

Review = Callable[[GitHub, str, dict[str, Any]], Awaitable[Any]]
# After the deadline, so the evaluation it triggers sees the wait as over.
GRACE_SECONDS = 5.0
# How often a timer looks at the clock: sleeping in steps follows a clock that jumps.
TICK_SECONDS = 30.0


class Deadlines:
    def __init__(self, github: GitHubApp, clock: Callable[[], float] | None = None) -> None:
        self._github = github
        self._clock = clock or (lambda: evidence.clock())
        self.grace = GRACE_SECONDS
        self.tick = TICK_SECONDS
        self._timers: dict[tuple[str, str], asyncio.Task[None]] = {}

    def wake(self, gh: GitHub, repo: str, number: int, head_sha: str, at: float,
             review: Review) -> None:
        """Re-evaluate pull request ``number`` once ``at`` (epoch seconds) has passed."""
        if gh.installation_id is None:
            return
        key = (repo, head_sha)
        current = self._timers.get(key)
        if current is not None and not current.done():
            return
        self._timers[key] = asyncio.create_task(
            self._later(gh.installation_id, repo, number, head_sha, at, review),
            name=f"perfbot-deadline-{repo}-{head_sha[:7]}",
        )

    def cancel(self, repo: str, head_sha: str) -> None:
        """The wait ended (the results arrived): its timer must not conclude it again later."""
        task = self._timers.pop((repo, head_sha), None)
        if task is not None and task is not asyncio.current_task():
            task.cancel()

    async def _later(self, installation: int, repo: str, number: int, head_sha: str,
                     at: float, review: Review) -> None:
        while (left := at + self.grace - self._clock()) > 0:  # noqa: ASYNC110 - clock may jump
            await asyncio.sleep(min(left, self.tick))
        self._timers.pop((repo, head_sha), None)
        try:
            gh = await self._github.installation(installation)
            pull = await pulls.get(gh, repo, number)
            if pull.get("state") == "open" and pull["head"]["sha"] == head_sha:
                await review(gh, repo, pull)
        except Exception:
            log.exception("could not conclude the wait on %s#%s", repo, number)

    def pending(self) -> int:
        return sum(1 for task in self._timers.values() if not task.done())

    async def idle(self) -> None:
        """Wait for every timer to have fired (tests)."""
        while pending := [task for task in self._timers.values() if not task.done()]:
            await asyncio.gather(*pending, return_exceptions=True)

    async def close(self) -> None:
        for task in self._timers.values():
            task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.gather(*self._timers.values(), return_exceptions=True)
        self._timers.clear()
