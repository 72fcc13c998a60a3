"""What a command does to the review state; the reply it earns when it cannot act."""

from __future__ import annotations

from dataclasses import replace

from bot.core.review import escape
from bot.core.review.commands import Revoke, SignOff
from bot.core.review.state import ReviewState, SignOffRecord, VarianceRecord, encode

MAX_SIGNOFFS = 25  # the state rides in one comment of at most 65,536 characters
UNKNOWN_VARIANCE = (
    "There is no variance {id} on this pull request's head `{sha}`. "
    "Variances you can sign off now: {known}."
)
NOTHING_TO_SIGN = "nothing fails, so there is nothing to sign off"
NOT_SIGNED = "Variance {id} has no sign-off to revoke."
PAST_DUE = (
    "The due date {due} is already past (today is {today} UTC), so nothing was signed off; "
    "give the date the mitigation will be done by."
)
# Sign-offs keep their full reason and plan (the mitigation issue quotes them), and the
# checklist must still fit around them.
SIGNOFFS_BUDGET = 24_000
TOO_LONG = (
    "The sign-offs on this pull request would no longer fit in perfbot's checklist comment, "
    "so {id} was not signed off; give a shorter reason and plan (or link to a document)."
)
TOO_MANY = f"This pull request already carries {MAX_SIGNOFFS} sign-offs, the most perfbot keeps."


def sign_off(
    state: ReviewState,
    command: SignOff,
    by: str,
    *,
    variances: tuple[VarianceRecord, ...],
    head_sha: str,
    now: str,
    comment_id: int | None = None,
) -> tuple[ReviewState, str]:
    """The state with the sign-off recorded, and "" or the reason it was not."""
    variance = next((v for v in variances if v.id == command.variance), None)
    if variance is None:
        known = ", ".join(escape.code(v.id) for v in variances[:20]) or NOTHING_TO_SIGN
        return state, UNKNOWN_VARIANCE.format(
            id=escape.code(command.variance), sha=head_sha[:7], known=known
        )
    # A past date (a mistyped year, say) would make the issue overdue the day it opens.
    if command.due is not None and command.due.isoformat() < now[:10]:
        return state, PAST_DUE.format(due=command.due.isoformat(), today=now[:10])
    others = tuple(s for s in state.signoffs if s.variance != command.variance)
    if len(others) >= MAX_SIGNOFFS:
        return state, TOO_MANY
    record = SignOffRecord(
        variance=variance.id,
        rule=variance.rule,
        by=by,
        at=now,
        reason=command.reason,
        mitigation=command.mitigation,
        head_sha=head_sha,
        owner=command.owner,
        due=command.due.isoformat() if command.due else None,
        magnitude=variance.magnitude,
        comment_id=comment_id,
    )
    signed = replace(state, signoffs=(*others, record))
    if len(encode(ReviewState(signoffs=signed.signoffs), b"", "", 0)) > SIGNOFFS_BUDGET:
        return state, TOO_LONG.format(id=escape.code(variance.id))
    return signed, ""


def revoke(state: ReviewState, command: Revoke) -> tuple[ReviewState, str]:
    if state.signoff(command.variance) is None:
        return state, NOT_SIGNED.format(id=escape.code(command.variance))
    kept = tuple(s for s in state.signoffs if s.variance != command.variance)
    return replace(state, signoffs=kept), ""


def forget_comment(state: ReviewState, comment_id: int) -> ReviewState:
    """A deleted command comment takes the sign-offs it made with it."""
    kept = tuple(s for s in state.signoffs if s.comment_id != comment_id)
    return replace(state, signoffs=kept)
