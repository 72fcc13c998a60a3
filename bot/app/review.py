"""One pull request, one verdict: the App's front of the pipeline, under the right locks.

Everything perfbot does to one pull request is serialised by its lock, and everything it
does to one head commit by the commit's, so a push, a tick and a command in flight land
one after another, each on the others' result. The pass itself is ``bot.pipeline.run``
over GitHub (``bot.app.source``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from bot.app.deadlines import Deadlines
from bot.app.ledger import Ledger, MemoryLedger
from bot.app.locks import KeyedLocks
from bot.app.source import GitHubOutlet, GitHubSource
from bot.app.steward import Steward
from bot.core.review.transitions import Event, Reevaluate
from bot.github import pulls
from bot.github.client import GitHub
from bot.pipeline import Verdict, run


@dataclass(frozen=True, slots=True)
class Reviewer:
    app_id: int
    locks: KeyedLocks
    steward: Steward  # the reviewer's side: checklist and sign-offs
    deadlines: Deadlines  # concludes checks that wait for CI results
    ledger: Ledger = field(default_factory=MemoryLedger)  # perfbot's check runs, as known

    async def review(
        self, gh: GitHub, repo: str, pull: dict[str, Any], event: Event = Reevaluate()
    ) -> Verdict:
        """Evaluate a pull request (as a webhook or the REST API describes it) on its head."""
        async with self.locks.hold(pull_key(repo, pull["number"])):
            if not isinstance(event, Reevaluate):
                # A command or a tick is about the pull request, not a commit: apply it to
                # the head as it is now, not as read before a push that got the lock first.
                pull = await pulls.get(gh, repo, int(pull["number"]))
            return await self._review_head(gh, repo, pull, event)

    async def review_current(self, gh: GitHub, repo: str, number: int) -> Verdict | None:
        """Read the pull request again under its lock, then review it; None once closed.

        GitHub neither orders deliveries nor holds back a late redelivery, so a webhook's
        copy may show a label, description or head the pull request no longer has.
        """
        async with self.locks.hold(pull_key(repo, number)):
            pull = await pulls.get(gh, repo, number)
            if pull.get("state") != "open":
                return None
            return await self._review_head(gh, repo, pull, Reevaluate())

    async def _review_head(
        self, gh: GitHub, repo: str, pull: dict[str, Any], event: Event
    ) -> Verdict:
        async with self.locks.hold((repo, pull["head"]["sha"])):
            source = GitHubSource(gh, repo, pull, self.steward)
            outlet = GitHubOutlet(gh, repo, pull, self.app_id, self.steward, self.deadlines,
                                  self.review, self.ledger)
            now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
            try:
                return await run(source, outlet, event, now=now)
            except Exception as exc:
                # The delivery still fails (and is tried again); the check says why meanwhile.
                await outlet.abandon(exc)
                raise


def pull_key(repo: str, number: int) -> tuple[str, str, int]:
    """The lock that serialises everything perfbot does to one pull request."""
    return (repo.lower(), "pull", int(number))
