"""The reviewer's side in the App: perfbot's checklist comment, read and written.

The comment carries the review state (signed, in a hidden block) and the ticks; the
store also keeps the last state written per pull request (signed the same way), which
restores a block someone deleted and outranks an old one pasted back, after a restart and
whichever replica wrote it. What the state becomes is decided in the core
(``bot.core.review.transitions`` and ``decide``); this module only reads and writes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from cachetools import LRUCache

from bot.core import config as config_model
from bot.core.review.checklist import MARKER, parse_ticks
from bot.core.review.decide import ReviewDecision, rewritten
from bot.core.review.state import ReviewState, decode, encode
from bot.core.review.transitions import newest
from bot.github import comments, contents
from bot.github.client import GitHub
from bot.pipeline import Review
from bot.store import Store

NAMESPACE = "review-state"
# How long the last state written is kept after the last write to its pull request.
KEEP_SECONDS = 180 * 24 * 3600.0


@dataclass
class Steward:
    app_id: int
    key: bytes = field(repr=False)  # signs the hidden state: never in a log
    # Where the last state written per pull request is kept; without a store, in memory.
    store: Store | None = field(default=None, repr=False)
    _known: LRUCache[tuple[str, int], ReviewState] = field(
        default_factory=lambda: LRUCache(maxsize=10_000), init=False, repr=False
    )

    async def known(self, repo: str, number: int) -> ReviewState | None:
        """The last state perfbot wrote to the pull request's checklist, verified."""
        if self.store is None:
            return self._known.get((repo.lower(), number))
        block = await self.store.get(NAMESPACE, f"{repo.lower()}#{number}")
        return decode(block, self.key, repo, number) if isinstance(block, str) else None

    async def _remember(self, repo: str, number: int, state: ReviewState) -> None:
        if self.store is None:
            self._known[(repo.lower(), number)] = state
            return
        await self.store.put(NAMESPACE, f"{repo.lower()}#{number}",
                             encode(state, self.key, repo, number), ttl=KEEP_SECONDS)

    async def review(self, gh: GitHub, repo: str, number: int) -> Review:
        """The review so far: the comment's state and ticks, and the state last written.

        A verified block older than the one this process last wrote, or than the one an
        edit replaced (pasted back to undo a revoke, say, even after a restart), loses to
        the newer one (``transitions.newest``).
        """
        found = await comments.find_own(gh, repo, number, self.app_id, MARKER)
        state = decode(found.body, self.key, repo, number) if found else None
        return Review(repo, number, self.key, (state, await self.known(repo, number)),
                      parse_ticks(found.body) if found else {})

    async def state(self, gh: GitHub, repo: str, number: int) -> ReviewState:
        review = await self.review(gh, repo, number)
        return newest(*review.states)

    async def write(self, gh: GitHub, repo: str, number: int, decision: ReviewDecision,
                    seen: Mapping[str, bool]) -> None:
        """Write the checklist the pass decided; ``seen``: the ticks the pass read."""

        def body(current: comments.Comment | None) -> str | None:
            if current is None:
                return decision.body if decision.wanted else None
            # Re-read just before writing: keep ticks someone changed since this pass read
            # the comment (by item id); their edit events will judge them.
            since = {i: t for i, t in parse_ticks(current.body).items() if seen.get(i) != t}
            return rewritten(decision, {**decision.display, **since})

        await comments.upsert(gh, repo, number, self.app_id, MARKER, body)
        await self._remember(repo, number, decision.state)

    async def reply(self, gh: GitHub, repo: str, number: int, replies: tuple[str, ...],
                    answers: str) -> None:
        for i, text in enumerate(replies):
            await comments.reply(gh, repo, number, text, app_id=self.app_id,
                                 once=f"{answers}/pass{i}" if answers else "")


async def config_for(gh: GitHub, repo: str, base_ref: str) -> config_model.Config:
    """The base branch's config for commands and merges; the defaults if it is broken.

    A broken config already fails the check loudly; here the defaults are the safe choice
    (sign-off needs the ``maintain`` role).
    """
    try:
        return await contents.load_config(gh, repo, base_ref)
    except config_model.ConfigError:
        return config_model.Config()
