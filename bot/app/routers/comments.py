"""Comments on pull requests: ``/perf`` commands, and ticks in perfbot's checklist."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from gidgethub import routing
from gidgethub.sansio import Event

from bot.app.context import Context, repository
from bot.app.steward import Change, StateChange, config_for, newest
from bot.core.review import actions, escape
from bot.core.review.checklist import MARKER, Edit, flipped, manual_items, parse_ticks
from bot.core.review.commands import (
    USAGE,
    Help,
    Malformed,
    Recheck,
    Revoke,
    SignOff,
    parse,
)
from bot.core.review.decide import who_may_sign_off
from bot.core.review.state import APPLIED_KEPT, ReviewState, VarianceRecord, decode
from bot.github import comments, permissions, pulls

log = logging.getLogger(__name__)
router = routing.Router()

MALFORMED = "{who}, perfbot could not read {line}: {problem}.\n\n{usage}"
NOT_ALLOWED = (
    "{who}, you may not {what} on this pull request, so nothing changed. "
    "Who may: {allowed}."
)
MAX_REPLIES = 5  # answers to one comment; the same answer is given once
CLOSED = "{who}, this pull request is closed; perfbot no longer changes its sign-offs."


@router.register("issue_comment", action="created")
@router.register("issue_comment", action="edited")
async def on_comment(event: Event, context: Context) -> None:
    data: dict[str, Any] = event.data
    steward = context.reviewer.steward
    if "pull_request" not in data["issue"] or steward is None:
        return
    comment = data["comment"]
    if _is_bot(data.get("sender")):
        # Bots command nothing, but another App setting perfbot's state back is undone.
        replaced = _set_back(event, steward.app_id, steward.key)
        if replaced is not None:
            await _review(event, context, Change(fallback=replaced))
        return
    if comments.by_app(comment, steward.app_id):
        if data["action"] == "edited" and MARKER in (comment.get("body") or ""):
            await _ticks_edited(event, context)
        return
    if _is_bot(comment.get("user")):
        return
    commands = parse(comment.get("body") or "")
    before = ((data.get("changes") or {}).get("body") or {}).get("from")
    if data["action"] == "edited" and not _by_author(data):
        # The editor did not write the commands, and the author did not write the edit: it
        # grants nothing (a moderator's redaction must not sign off in their name). A
        # sign-off whose words were changed goes; its author may sign off again.
        if _signoffs(before or "") != _signoffs(comment.get("body") or ""):
            await _review(event, context, Change(apply=_forget(int(comment["id"]))))
        return
    if commands:
        await _commands(event, context, commands)
    elif data["action"] == "edited" and any(isinstance(c, SignOff) for c in parse(before or "")):
        # The sign-off was edited away: it goes, as if the comment had been deleted.
        await _review(event, context, Change(apply=_forget(int(comment["id"]))))


@router.register("issue_comment", action="deleted")
async def on_deleted(event: Event, context: Context) -> None:
    data: dict[str, Any] = event.data
    steward = context.reviewer.steward
    if "pull_request" not in data["issue"] or _is_bot(data.get("sender")) or steward is None:
        return
    if not any(isinstance(c, SignOff) for c in parse(data["comment"].get("body") or "")):
        return
    await _review(event, context, Change(apply=_forget(int(data["comment"]["id"]))))


def _by_author(data: dict[str, Any]) -> bool:
    sender = str((data.get("sender") or {}).get("login") or "")
    author = str((data["comment"].get("user") or {}).get("login") or "")
    return sender.lower() == author.lower()


def _signoffs(body: str) -> tuple[SignOff, ...]:
    return tuple(c for c in parse(body) if isinstance(c, SignOff))


def _set_back(event: Event, app_id: int, key: bytes) -> ReviewState | None:
    """The state an edit of perfbot's checklist replaced by an older one (or none).

    perfbot's own edits never lower the revision, so this never answers perfbot itself.
    """
    data: dict[str, Any] = event.data
    comment = data["comment"]
    if data["action"] != "edited" or not comments.by_app(comment, app_id):
        return None
    repo, number = repository(event), int(data["issue"]["number"])
    before = ((data.get("changes") or {}).get("body") or {}).get("from") or ""
    was = decode(before, key, repo, number)
    now = decode(comment.get("body") or "", key, repo, number)
    return was if was is not None and (now is None or now.revision < was.revision) else None


def _forget(comment_id: int) -> StateChange:
    def forget(state: ReviewState, variances: tuple[VarianceRecord, ...],
               head: str) -> tuple[ReviewState, list[str]]:
        return actions.forget_comment(state, comment_id), []

    return forget


async def _commands(event: Event, context: Context, commands: tuple[Any, ...]) -> None:
    data: dict[str, Any] = event.data
    repo, number = repository(event), int(data["issue"]["number"])
    sender = data["sender"]["login"]  # on an edit, whoever edited: they answer for it
    who = escape.login(sender)
    gh = await context.client(event)
    pull = await pulls.get(gh, repo, number)
    config = await config_for(gh, repo, pull["base"]["ref"])
    settings = config.review.signoff
    changes: list[SignOff | Revoke] = []
    recheck = False
    answers = comments.answer_key(data["comment"])
    app_id = context.reviewer.app_id

    sent: list[str] = []
    allowed: permissions.Authority | None = None  # asked of GitHub once per comment

    async def reply(i: int, text: str) -> None:
        # One comment full of commands must not make perfbot flood the pull request.
        if text in sent or len(sent) >= MAX_REPLIES:
            return
        sent.append(text)
        await comments.reply(gh, repo, number, text, once=f"{answers}/{i}", app_id=app_id)

    for i, command in enumerate(commands):
        if isinstance(command, Help):
            await reply(i, USAGE)
        elif isinstance(command, Malformed):
            await reply(i, MALFORMED.format(
                who=who, line=escape.code(command.line[:200]),
                problem=command.problem, usage=USAGE))
        elif isinstance(command, Recheck):
            recheck = True
        elif pull.get("state") != "open":
            await reply(i, CLOSED.format(who=who))
            return
        else:
            if allowed is None:
                allowed = await permissions.authority(gh, repo, sender, settings,
                                                       pull["user"]["login"])
            if allowed.allowed:
                changes.append(command)
                continue
            what = "sign off variances" if isinstance(command, SignOff) else "revoke sign-offs"
            text = NOT_ALLOWED.format(who=who, what=what, allowed=who_may_sign_off(settings))
            await reply(i, f"{text} {allowed.note()}".rstrip())
    if not changes and not recheck:
        return
    comment_id = int(data["comment"]["id"])
    change = Change(apply=_apply(changes, sender, comment_id, answers), answers=answers)
    if pull.get("state") == "open":
        await context.reviewer.review(gh, repo, pull, change)
    if changes:
        # A thumbs-up says it was done; a command that could not act has a reply instead.
        await comments.react(gh, repo, comment_id, "confused" if change.replies else "+1")


def _apply(changes: list[SignOff | Revoke], sender: str, comment_id: int,
           answers: str) -> StateChange:
    def apply(state: ReviewState, variances: tuple[VarianceRecord, ...],
              head: str) -> tuple[ReviewState, list[str]]:
        if answers in state.applied:  # a redelivery: done once, perhaps undone since
            return state, []
        replies = []
        now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        # An edited comment's commands replace what it did before.
        state = actions.forget_comment(state, comment_id)
        for command in changes:
            if isinstance(command, SignOff):
                state, problem = actions.sign_off(state, command, sender, variances=variances,
                                                  head_sha=head, now=now,
                                                  comment_id=comment_id)
            else:
                state, problem = actions.revoke(state, command)
            if problem:
                replies.append(f"{escape.login(sender)}, {problem[0].lower()}{problem[1:]}")
        return replace(state, applied=(*state.applied, answers)[-APPLIED_KEPT:]), replies

    return apply


async def _ticks_edited(event: Event, context: Context) -> None:
    data: dict[str, Any] = event.data
    steward = context.reviewer.steward
    assert steward is not None
    repo, number = repository(event), int(data["issue"]["number"])
    sender = data["sender"]["login"]
    gh = await context.client(event)
    pull = await pulls.get(gh, repo, number)
    if pull.get("state") != "open":
        return
    config = await config_for(gh, repo, pull["base"]["ref"])
    before = ((data.get("changes") or {}).get("body") or {}).get("from") or ""
    fallback = decode(before, steward.key, repo, number)
    now_body = data["comment"].get("body") or ""
    # An older block pasted over the one the edit replaced does not count (see ``newest``).
    state = newest(decode(now_body, steward.key, repo, number), fallback)
    required = {m.id for m in manual_items(config.review.checklist) if m.required}
    ticks = parse_ticks(now_body)
    # What this sender flipped; without the previous body, every tick that differs.
    mine = flipped(before, now_body) if before else None
    touched = {i for i in required if ticks.get(i, i in state.ticked()) != (i in state.ticked())
               and (mine is None or i in mine)}
    allowed = bool(touched) and await permissions.may_sign_off(
        gh, repo, sender, config.review.signoff, pull["user"]["login"])
    await context.reviewer.review(gh, repo, pull, Change(
        edit=Edit(sender, allowed, mine), fallback=fallback,
        answers=comments.answer_key(data["comment"])))


async def _review(event: Event, context: Context, change: Change) -> None:
    data: dict[str, Any] = event.data
    repo, number = repository(event), int(data["issue"]["number"])
    gh = await context.client(event)
    pull = await pulls.get(gh, repo, number)
    if pull.get("state") == "open":
        await context.reviewer.review(gh, repo, pull, change)


def _is_bot(who: dict[str, Any] | None) -> bool:
    """Bots (perfbot too) never command perfbot: no loops, no automation acting for people."""
    who = who or {}
    return who.get("type") == "Bot" or str(who.get("login", "")).endswith("[bot]")
