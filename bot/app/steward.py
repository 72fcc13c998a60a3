"""The reviewer's side in the App: the checklist written around each check run.

``Reviewer`` calls ``prepare`` between evaluating and publishing the check run (sign-offs
and required ticks change the verdict) and the returned ``finish`` after it (the
comment links the run). Both run under the pull request's lock, so a push, a tick and
a command in flight land one after another, each on the others' result.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from cachetools import LRUCache

from bot.core import config as config_model
from bot.core.results import Evaluation
from bot.core.review import escape
from bot.core.review.checklist import MARKER, Edit, parse_ticks
from bot.core.review.decide import Facts, ReviewDecision, bump, decide, who_may_sign_off
from bot.core.review.signoff import current_variances
from bot.core.review.state import ReviewState, VarianceRecord, decode
from bot.github import comments, contents
from bot.github.client import GitHub

log = logging.getLogger(__name__)

REVERTED = (
    "{who}, only {allowed} may tick required checklist items, so perfbot put back: {items}."
)

# Applied to the state under the lock, after evaluation: (state, variances now, head) →
# (new state, replies to post).
StateChange = Callable[[ReviewState, tuple[VarianceRecord, ...], str], tuple[ReviewState,
                                                                            list[str]]]


@dataclass(frozen=True, slots=True)
class Change:
    """What an event asks of a review pass besides evaluating again."""

    apply: StateChange | None = None
    edit: Edit | None = None
    fallback: ReviewState | None = None  # the state before a human broke the block
    replies: list[str] = field(default_factory=list)  # filled by the pass
    answers: str = ""  # the comment revision replies answer (``comments.answer_key``)


@dataclass
class Steward:
    app_id: int
    key: bytes = field(repr=False)  # signs the hidden state: never in a log
    # The last state written per pull request: restores a block someone deleted.
    known: LRUCache[tuple[str, int], ReviewState] = field(
        default_factory=lambda: LRUCache(maxsize=10_000)
    )

    async def state(self, gh: GitHub, repo: str, number: int) -> ReviewState:
        found = await comments.find_own(gh, repo, number, self.app_id, MARKER)
        return self._current(found, repo, number, None)

    def _current(self, found: comments.Comment | None, repo: str, number: int,
                 fallback: ReviewState | None) -> ReviewState:
        """The comment's state; else the one before a human broke it; else the last written.

        A verified block older than the one this process last wrote, or than the one an
        edit replaced (pasted back to undo a revoke, say, even after a restart), loses to
        the newer one.
        """
        state = decode(found.body, self.key, repo, number) if found else None
        return newest(state, self.known.get((repo.lower(), number)), fallback)

    async def prepare(
        self,
        gh: GitHub,
        repo: str,
        pull: dict[str, Any],
        config: config_model.Config,
        evaluation: Evaluation,
        run_id: int,
        change: Change,
        paths: tuple[str, ...],
    ) -> tuple[Evaluation, Callable[[], Awaitable[None]]]:
        """``paths``: the files the pull request changes, as the evaluation read them."""
        number = int(pull["number"])
        found = await comments.find_own(gh, repo, number, self.app_id, MARKER)
        state = self._current(found, repo, number, change.fallback)
        head_sha = pull["head"]["sha"]
        if change.apply is not None:
            changed, replies = change.apply(state, current_variances(evaluation.results),
                                            head_sha)
            state = bump(changed, state)
            change.replies.extend(replies)
        web = ((pull.get("base") or {}).get("repo") or {}).get("html_url") or ""
        facts = Facts(
            repo=repo, number=number, head_sha=head_sha,
            paths=paths,
            check_url=f"{web}/runs/{run_id}" if web else "",
            now=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        )
        ticks = parse_ticks(found.body) if found else {}
        decision = decide(evaluation, config, config.review, state, ticks, facts, self.key,
                          change.edit)
        if decision.reverted and change.edit is not None:
            change.replies.append(REVERTED.format(
                who=escape.login(change.edit.sender),
                allowed=who_may_sign_off(config.review.signoff),
                items=", ".join(escape.code(i) for i in decision.reverted)))

        async def finish() -> None:
            await self._write(gh, repo, number, config, evaluation, decision, facts, ticks)
            for i, text in enumerate(change.replies):
                await comments.reply(gh, repo, number, text, app_id=self.app_id,
                                         once=f"{change.answers}/pass{i}" if change.answers
                                         else "")

        return decision.evaluation, finish

    async def _write(
        self, gh: GitHub, repo: str, number: int, config: config_model.Config,
        evaluation: Evaluation, decision: ReviewDecision, facts: Facts, seen: dict[str, bool],
    ) -> None:
        def body(current: comments.Comment | None) -> str | None:
            if current is None:
                return decision.body if decision.wanted else None
            # Re-read just before writing: keep ticks someone changed since this pass read
            # the comment (by item id); their edit events will judge them.
            since = {i: t for i, t in parse_ticks(current.body).items() if seen.get(i) != t}
            ticks = {**decision.display, **since}
            fresh = decide(evaluation, config, config.review, decision.state, ticks, facts,
                           self.key)
            return fresh.body

        await comments.upsert(gh, repo, number, self.app_id, MARKER, body)
        self.known[(repo.lower(), number)] = decision.state


def newest(*states: ReviewState | None) -> ReviewState:
    """The state with the highest revision (the first of equals); revisions only grow."""
    found = [s for s in states if s is not None]
    return max(found, key=lambda s: s.revision) if found else ReviewState()


async def config_for(gh: GitHub, repo: str, base_ref: str) -> config_model.Config:
    """The base branch's config for commands and merges; the defaults if it is broken.

    A broken config already fails the check loudly; here the defaults are the safe choice
    (sign-off needs the ``maintain`` role).
    """
    try:
        return await contents.load_config(gh, repo, base_ref)
    except config_model.ConfigError:
        return config_model.Config()
