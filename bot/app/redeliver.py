"""Deliveries that never reached perfbot, asked for again.

GitHub does not retry a delivery that failed: while perfbot was down, restarting, too slow
to answer or unable to record it, an event is simply missed, and a pull request can wait
for its check run until someone pushes again. So at start and every ``INTERVAL`` (in one
replica: ``bot.app.periodic``) perfbot lists the App's recent deliveries
(``GET /app/hook/deliveries``) and asks GitHub to send again (``POST …/attempts``) every
event the store has no record of. A delivery the store holds is the store's business (it
retries failed work itself); a ``ping`` is never stored and never asked for.

Each scan reads back to where the last one started (less ``OVERLAP``, for deliveries
GitHub records late), never more than GitHub's three days; the very first reads
``FIRST_LOOKBACK``, so a new installation's first events, sent before perfbot was
running, are not lost either. An event is asked for at most ``ASKS`` times, ``RETRY``
apart; one that never arrives is then logged, with its delivery id, for an operator.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Any

from gidgethub import HTTPException

from bot.app.metrics import Metrics
from bot.github import hooks
from bot.github.app import GitHubApp
from bot.github.client import GitHub
from bot.store import Store

log = logging.getLogger(__name__)

NAMESPACE = "redeliver"
INTERVAL = 5 * 60.0
OVERLAP = 10 * 60.0
FIRST_LOOKBACK = 3600.0
WINDOW = 3 * 24 * 3600.0 - 3600.0  # GitHub redelivers three days back; keep clear of it
ASKS = 3
RETRY = 10 * 60.0
_MARK = "scanned-from"


def clock() -> float:
    """Epoch seconds, as GitHub dates deliveries (tests follow the emulator's clock)."""
    return time.time()


@dataclass
class Scan:
    """What one scan found and did."""

    listed: int = 0  # delivery attempts GitHub listed
    asked: list[str] = field(default_factory=list)  # guids asked for again
    given_up: list[str] = field(default_factory=list)  # guids asked for ASKS times already


class Redeliverer:
    def __init__(self, github: GitHubApp, store: Store, metrics: Metrics) -> None:
        self._github = github
        self._store = store
        self._metrics = metrics

    async def scan(self) -> Scan:
        store = self._store
        started = clock()
        mark = await store.get(NAMESPACE, _MARK)
        since = (started - FIRST_LOOKBACK if not isinstance(mark, int | float)
                 else max(float(mark) - OVERLAP, started - WINDOW))
        gh = self._github.app_client()
        jwt = self._github.tokens.jwt()
        listed = await hooks.deliveries_since(gh, jwt, since)
        newest: dict[str, dict[str, Any]] = {}
        for item in listed:  # newest first: keep each event's latest attempt
            newest.setdefault(str(item["guid"]), item)
        scan = Scan(listed=len(listed))
        for guid, item in newest.items():
            if item.get("event") == "ping" or await store.state(guid) is not None:
                continue
            if await self._ask(gh, jwt, guid, item, scan):
                scan.asked.append(guid)
        await store.put(NAMESPACE, _MARK, started)
        if scan.asked:
            log.warning("asked GitHub to redeliver %d deliveries that never reached perfbot: "
                        "%s", len(scan.asked), ", ".join(scan.asked))
        return scan

    async def _ask(self, gh: GitHub, jwt: str, guid: str, item: dict[str, Any],
                   scan: Scan) -> bool:
        store = self._store
        now = clock()
        asked = await store.get(NAMESPACE, guid)
        asked = asked if isinstance(asked, dict) else {}
        times = int(asked.get("times", 0))
        if times >= ASKS:
            if not asked.get("reported"):
                log.error("delivery %s (%s) never reached perfbot although GitHub was asked "
                          "%d times to redeliver it; redeliver it from the App's settings "
                          "once perfbot can take it", guid, item.get("event"), times)
                await store.put(NAMESPACE, guid, {**asked, "reported": True}, ttl=WINDOW)
                self._metrics.redeliveries.labels("given_up").inc()
                scan.given_up.append(guid)
            return False
        if times and now - float(asked.get("at", 0)) < RETRY:
            return False  # asked recently: GitHub may not have sent it yet
        try:
            await hooks.redeliver(gh, jwt, int(item["id"]))
        except HTTPException as exc:  # one refusal must not keep the others from asking
            log.warning("GitHub would not redeliver %s (%s): %s", guid, item.get("event"), exc)
            return False
        await store.put(NAMESPACE, guid, {"times": times + 1, "at": now}, ttl=WINDOW)
        self._metrics.redeliveries.labels("asked").inc()
        return True
