"""The sweep inside the server: once a day, every repository perfbot has heard from.

The App keeps no list of repositories; it sweeps those that sent it a delivery since it
started (an installation with no activity has nothing new to remind about). ``perfbot
sweep`` from cron covers the rest. Each sweep is idempotent (see ``bot.github.sweep``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from gidgethub.sansio import Event

from bot.github.app import GitHubApp
from bot.github.sweep import sweep_repo

log = logging.getLogger(__name__)

INTERVAL = 24 * 3600.0
# The first sweep comes an hour after start, not a day: a server deployed or restarted
# daily would otherwise never sweep at all. Sweeping more often repeats nothing.
FIRST = 3600.0


class Sweeper:
    def __init__(self, github: GitHubApp, interval: float = INTERVAL,
                 first: float = FIRST) -> None:
        self._github = github
        self._interval = interval
        self._first = min(first, interval)
        self._repos: dict[str, int] = {}  # full name → installation id
        self._task: asyncio.Task[None] | None = None

    def saw(self, event: Event) -> None:
        data: Any = event.data
        if not isinstance(data, dict):
            return
        repo = (data.get("repository") or {}).get("full_name")
        installation = (data.get("installation") or {}).get("id")
        if isinstance(repo, str) and isinstance(installation, int):
            self._repos[repo] = installation

    def start(self) -> None:
        self._task = asyncio.create_task(self._loop(), name="perfbot-sweep")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def sweep(self) -> None:
        today = datetime.now(UTC).date()
        for repo, installation in list(self._repos.items()):
            try:
                gh = await self._github.installation(installation)
                report = await sweep_repo(gh, repo, self._github.app_id, today)
            except Exception:  # one repository's trouble must not stop the others
                log.exception("sweep of %s failed", repo)
                continue
            log.info("swept %s: %d reminders, %d expired markers, %d issues opened", repo,
                     len(report.reminded), len(report.expired), len(report.opened))

    def delays(self) -> Iterator[float]:
        """Seconds to wait before each sweep."""
        yield self._first
        while True:
            yield self._interval

    async def _loop(self) -> None:
        for delay in self.delays():
            await asyncio.sleep(delay)
            await self.sweep()
