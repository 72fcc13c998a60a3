"""Everything that changes a pull request's review state, and the replies it earns, is here.

An event comes in (a comment with commands, an edit of perfbot's checklist, a deleted
sign-off, another App setting the state back); this module says what it means
(``comment_event``, ``answer_commands``, ``ticks_touched``) and what it does to the state
(``apply``, ``reverted_reply``). The shell asks GitHub only what these functions cannot
know: whether the pull request is open, who may sign off, the state in the comment.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from bot.core.review import actions, escape
from bot.core.review.checklist import MARKER, Edit, flipped, parse_ticks
from bot.core.review.commands import USAGE, Help, Malformed, Recheck, Revoke, SignOff, parse
from bot.core.review.state import APPLIED_KEPT, ReviewState, VarianceRecord, decode
from bot.core.review_settings import SignoffSettings

MALFORMED = "{who}, perfbot could not read {line}: {problem}.\n\n{usage}"
MALFORMED_MANY = "{who}, perfbot could not read these lines:\n\n{lines}\n\n{usage}"
UNDONE = "{who}, perfbot could not act on {count} of the commands in this comment:\n\n{items}"
# One reply lists every outcome, within what a comment holds (65,536 characters).
REPLY_BUDGET = 60_000
NOT_ALLOWED = (
    "{who}, you may not {what} on this pull request, so nothing changed. "
    "Who may: {allowed}."
)
MAX_REPLIES = 5  # answers to one comment; the same answer is given once
CLOSED = "{who}, this pull request is closed; perfbot no longer changes its sign-offs."
REVERTED = (
    "{who}, only {allowed} may tick required checklist items, so perfbot put back: {items}."
)


# --- events: what a review pass is asked to do besides evaluating again


@dataclass(frozen=True, slots=True)
class Reevaluate:
    """A push, a label, a re-run, ``/perf recheck``: nothing to apply, evaluate again."""


@dataclass(frozen=True, slots=True)
class Restore:
    """Someone (another App) replaced perfbot's state with an older one: this one wins."""

    state: ReviewState


@dataclass(frozen=True, slots=True)
class Forget:
    """A comment's sign-offs go: it was deleted, its sign-off edited away or altered."""

    comment_id: int


@dataclass(frozen=True, slots=True)
class Commands:
    """Sign-offs and revokes someone allowed to gave in one revision of a comment."""

    changes: tuple[SignOff | Revoke, ...]
    sender: str
    comment_id: int
    answers: str  # names the comment revision (a redelivery repeats it)


@dataclass(frozen=True, slots=True)
class TicksEdited:
    """Someone edited perfbot's checklist comment; ``fallback`` is the state it replaced."""

    edit: Edit
    fallback: ReviewState | None = None
    answers: str = ""


Event = Reevaluate | Restore | Forget | Commands | TicksEdited


def fallback(event: Event) -> ReviewState | None:
    """The state to use when the comment's own block is gone or older (see ``newest``)."""
    if isinstance(event, Restore):
        return event.state
    if isinstance(event, TicksEdited):
        return event.fallback
    return None


def edit(event: Event) -> Edit | None:
    return event.edit if isinstance(event, TicksEdited) else None


def answers(event: Event) -> str:
    """The comment revision the pass's replies answer ("" when none: post unkeyed)."""
    return event.answers if isinstance(event, Commands | TicksEdited) else ""


def apply(event: Event, state: ReviewState, variances: tuple[VarianceRecord, ...],
          head_sha: str, now: str) -> tuple[ReviewState, tuple[str, ...]]:
    """The state after ``event`` (before the pass's ticks), and the replies it earns.

    ``variances`` are the head's, as the evaluation found them: sign-offs name those.
    """
    if isinstance(event, Forget):
        return actions.forget_comment(state, event.comment_id), ()
    if not isinstance(event, Commands):
        return state, ()
    if event.answers in state.applied:  # a redelivery: done once, perhaps undone since
        return state, ()
    problems: list[str] = []
    # An edited comment's commands replace what it did before.
    state = actions.forget_comment(state, event.comment_id)
    for command in event.changes:
        if isinstance(command, SignOff):
            state, problem = actions.sign_off(state, command, event.sender,
                                              variances=variances, head_sha=head_sha,
                                              now=now, comment_id=event.comment_id)
        else:
            state, problem = actions.revoke(state, command)
        if problem and problem not in problems:
            problems.append(problem)
    applied = (*state.applied, event.answers)[-APPLIED_KEPT:]
    return replace(state, applied=applied), _undone(escape.login(event.sender), problems)


def _undone(who: str, problems: list[str]) -> tuple[str, ...]:
    """One reply for every command that could not act, however many the comment holds."""
    if not problems:
        return ()
    if len(problems) == 1:
        return (f"{who}, {problems[0][0].lower()}{problems[0][1:]}",)
    items = _listed([f"- {p}" for p in problems])
    return (UNDONE.format(who=who, count=len(problems), items=items),)


def _listed(lines: list[str]) -> str:
    """``lines`` joined, as many as fit the reply budget, then how many more there were."""
    kept: list[str] = []
    size = 0
    for line in lines:
        if size + len(line) > REPLY_BUDGET:
            kept.append(f"- … and {len(lines) - len(kept)} more")
            break
        kept.append(line)
        size += len(line) + 1
    return "\n".join(kept)


def reverted_reply(event: Event, reverted: tuple[str, ...], allowed: str) -> tuple[str, ...]:
    """The answer to a checklist edit whose required ticks perfbot put back."""
    if not reverted or not isinstance(event, TicksEdited):
        return ()
    return (REVERTED.format(who=escape.login(event.edit.sender), allowed=allowed,
                            items=", ".join(escape.code(i) for i in reverted)),)


def newest(*states: ReviewState | None) -> ReviewState:
    """The state with the highest revision (the first of equals); revisions only grow."""
    found = [s for s in states if s is not None]
    return max(found, key=lambda s: s.revision) if found else ReviewState()


def bump(state: ReviewState, before: ReviewState) -> ReviewState:
    """Count a change of decisions (not of the evaluation) as a new revision."""
    if (state.signoffs, state.ticks) == (before.signoffs, before.ticks):
        return state
    return replace(state, revision=before.revision + 1)


# --- what a comment event means


@dataclass(frozen=True, slots=True)
class Ignore:
    """Nothing for perfbot to do."""


@dataclass(frozen=True, slots=True)
class ChecklistEdited:
    """perfbot's checklist was edited by a person: their ticks are to be judged."""

    before: str
    after: str


@dataclass(frozen=True, slots=True)
class Given:
    """A person's comment with commands (on an edit: the editor answers for them)."""

    commands: tuple[Any, ...]


Meaning = Ignore | Restore | Forget | ChecklistEdited | Given


def comment_event(action: str, comment: Mapping[str, Any], sender: Mapping[str, Any] | None,
                  before: str | None, *, app_id: int, key: bytes, repo: str,
                  number: int) -> Meaning:
    """What an ``issue_comment`` event (created, edited or deleted) on a pull request means.

    ``before`` is the body an edit replaced (``changes.body.from``), when GitHub says.
    """
    body = comment.get("body") or ""
    if action == "deleted":
        if is_bot(sender) or not any(isinstance(c, SignOff) for c in parse(body)):
            return Ignore()
        return Forget(int(comment["id"]))
    ours = by_app(comment, app_id)
    if is_bot(sender):
        # Bots command nothing, but another App setting perfbot's state back is undone.
        if action != "edited" or not ours:
            return Ignore()
        was = decode(before or "", key, repo, number)
        now = decode(body, key, repo, number)
        # perfbot's own edits never lower the revision, so this never answers perfbot.
        if was is not None and (now is None or now.revision < was.revision):
            return Restore(was)
        return Ignore()
    if ours:
        if action == "edited" and MARKER in body:
            return ChecklistEdited(before or "", body)
        return Ignore()
    if is_bot(comment.get("user")):
        return Ignore()
    if action == "edited" and not by_author(sender, comment):
        # The editor did not write the commands, and the author did not write the edit: it
        # grants nothing (a moderator's redaction must not sign off in their name). A
        # sign-off whose words were changed goes; its author may sign off again.
        if _signoffs(before or "") != _signoffs(body):
            return Forget(int(comment["id"]))
        return Ignore()
    commands = parse(body)
    if commands:
        return Given(commands)
    if action == "edited" and _signoffs(before or ""):
        # The sign-off was edited away: it goes, as if the comment had been deleted.
        return Forget(int(comment["id"]))
    return Ignore()


def needs_authority(commands: tuple[Any, ...], is_open: bool) -> bool:
    """Whether answering ``commands`` needs GitHub asked who may sign off (once per comment)."""
    for command in commands:
        if isinstance(command, Help | Malformed | Recheck):
            continue
        return is_open
    return False


@dataclass(frozen=True, slots=True)
class Answered:
    changes: tuple[SignOff | Revoke, ...]
    recheck: bool
    replies: tuple[tuple[int, str], ...]  # (index of the command answered, text)
    closed: bool  # the pull request is closed: nothing else happens


def answer_commands(commands: tuple[Any, ...], *, is_open: bool, allowed: bool, note: str,
                    sender: str, settings: SignoffSettings, who_may: str) -> Answered:
    """Which commands act, and the replies the others earn: each text once, every line
    perfbot could not read in one reply, and at most ``MAX_REPLIES`` in all, so one
    comment full of commands cannot make perfbot flood the PR."""
    who = escape.login(sender)
    changes: list[SignOff | Revoke] = []
    replies: list[tuple[int, str]] = []
    unread: list[tuple[int, Malformed]] = []
    recheck = False

    def reply(i: int, text: str) -> None:
        if text not in (t for _, t in replies) and len(replies) < MAX_REPLIES:
            replies.append((i, text))

    def answered(closed: bool) -> Answered:
        if unread:
            reply(unread[0][0], _unreadable(who, [m for _, m in unread]))
        return Answered(tuple(changes), recheck, tuple(sorted(replies)), closed=closed)

    for i, command in enumerate(commands):
        if isinstance(command, Help):
            reply(i, USAGE)
        elif isinstance(command, Malformed):
            unread.append((i, command))
        elif isinstance(command, Recheck):
            recheck = True
        elif not is_open:
            reply(i, CLOSED.format(who=who))
            return answered(closed=True)
        elif allowed:
            changes.append(command)
        else:
            what = "sign off variances" if isinstance(command, SignOff) else "revoke sign-offs"
            text = NOT_ALLOWED.format(who=who, what=what, allowed=who_may)
            reply(i, f"{text} {note}".rstrip())
    return answered(closed=False)


def _unreadable(who: str, malformed: list[Malformed]) -> str:
    def line(m: Malformed) -> str:
        return escape.code(m.line[:200])

    if len(malformed) == 1:
        return MALFORMED.format(who=who, line=line(malformed[0]),
                                problem=malformed[0].problem, usage=USAGE)
    lines = _listed(list(dict.fromkeys(f"- {line(m)}: {m.problem}" for m in malformed)))
    return MALFORMED_MANY.format(who=who, lines=lines, usage=USAGE)


def ticks_touched(before: str, after: str, state: ReviewState,
                  required: frozenset[str]) -> tuple[frozenset[str] | None, frozenset[str]]:
    """The ticks an edit of the checklist flipped (None: GitHub did not say, so every tick
    that differs), and the required ones among them that differ from the state."""
    ticks = parse_ticks(after)
    mine = flipped(before, after) if before else None
    ticked = state.ticked()
    touched = frozenset(i for i in required if ticks.get(i, i in ticked) != (i in ticked)
                        and (mine is None or i in mine))
    return mine, touched


def by_app(item: Mapping[str, Any], app_id: int) -> bool:
    return bool((item.get("performed_via_github_app") or {}).get("id") == app_id)


def by_author(sender: Mapping[str, Any] | None, comment: Mapping[str, Any]) -> bool:
    who = str((sender or {}).get("login") or "")
    author = str((comment.get("user") or {}).get("login") or "")
    return who.lower() == author.lower()


def is_bot(who: Mapping[str, Any] | None) -> bool:
    """Bots (perfbot too) never command perfbot: no loops, no automation acting for people."""
    who = who or {}
    return who.get("type") == "Bot" or str(who.get("login", "")).endswith("[bot]")


def _signoffs(body: str) -> tuple[SignOff, ...]:
    return tuple(c for c in parse(body) if isinstance(c, SignOff))
