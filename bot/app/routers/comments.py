"""Comments on pull requests: ``/perf`` commands, and ticks in perfbot's checklist.

What a comment means is decided in the core (``bot.core.review.transitions``); here the
event is recognised, GitHub is asked what only it knows (is the pull request open, may
the sender sign off), and the pipeline is called.
"""

from __future__ import annotations

from typing import Any

from gidgethub import routing
from gidgethub.sansio import Event

from bot.app.context import Context, repository
from bot.app.steward import config_for
from bot.core.review import transitions
from bot.core.review.checklist import Edit, manual_items
from bot.core.review.decide import who_may_sign_off
from bot.core.review.state import decode
from bot.github import comments, permissions, pulls

router = routing.Router()


@router.register("issue_comment", action="created")
@router.register("issue_comment", action="edited")
@router.register("issue_comment", action="deleted")
async def on_comment(event: Event, context: Context) -> None:
    data: dict[str, Any] = event.data
    if "pull_request" not in data["issue"]:
        return
    steward = context.reviewer.steward
    before = ((data.get("changes") or {}).get("body") or {}).get("from")
    meaning = transitions.comment_event(
        data["action"], data["comment"], data.get("sender"), before, app_id=steward.app_id,
        key=steward.key, repo=repository(event), number=int(data["issue"]["number"]))
    if isinstance(meaning, transitions.Given):
        await _commands(event, context, meaning.commands)
    elif isinstance(meaning, transitions.ChecklistEdited):
        await _ticks_edited(event, context, meaning)
    elif isinstance(meaning, transitions.Restore | transitions.Forget):
        await _review(event, context, meaning)


async def _commands(event: Event, context: Context, commands: tuple[Any, ...]) -> None:
    data: dict[str, Any] = event.data
    repo, number = repository(event), int(data["issue"]["number"])
    sender = data["sender"]["login"]  # on an edit, whoever edited: they answer for it
    gh = await context.client(event)
    pull = await pulls.get(gh, repo, number)
    settings = (await config_for(gh, repo, pull["base"]["ref"])).review.signoff
    is_open = pull.get("state") == "open"
    authority = permissions.Authority(False)
    if transitions.needs_authority(commands, is_open):  # asked of GitHub once per comment
        authority = await permissions.authority(gh, repo, sender, settings,
                                                pull["user"]["login"])
    answered = transitions.answer_commands(
        commands, is_open=is_open, allowed=authority.allowed, note=authority.note(),
        sender=sender, settings=settings, who_may=who_may_sign_off(settings))
    answers = comments.answer_key(data["comment"])
    app_id = context.reviewer.app_id
    for i, text in answered.replies:
        await comments.reply(gh, repo, number, text, once=f"{answers}/{i}", app_id=app_id)
    if answered.closed or (not answered.changes and not answered.recheck):
        return
    comment_id = int(data["comment"]["id"])
    change = transitions.Commands(answered.changes, sender, comment_id, answers)
    replies: tuple[str, ...] = ()
    if is_open:
        replies = (await context.reviewer.review(gh, repo, pull, change)).replies
    if answered.changes:
        # A thumbs-up says it was done; a command that could not act has a reply instead.
        await comments.react(gh, repo, comment_id, "confused" if replies else "+1")


async def _ticks_edited(event: Event, context: Context,
                        edited: transitions.ChecklistEdited) -> None:
    data: dict[str, Any] = event.data
    steward = context.reviewer.steward
    repo, number = repository(event), int(data["issue"]["number"])
    sender = data["sender"]["login"]
    gh = await context.client(event)
    pull = await pulls.get(gh, repo, number)
    if pull.get("state") != "open":
        return
    config = await config_for(gh, repo, pull["base"]["ref"])
    fallback = decode(edited.before, steward.key, repo, number)
    # An older block pasted over the one the edit replaced does not count (see ``newest``).
    state = transitions.newest(decode(edited.after, steward.key, repo, number), fallback)
    required = frozenset(m.id for m in manual_items(config.review.checklist) if m.required)
    mine, touched = transitions.ticks_touched(edited.before, edited.after, state, required)
    allowed = bool(touched) and await permissions.may_sign_off(
        gh, repo, sender, config.review.signoff, pull["user"]["login"])
    await context.reviewer.review(gh, repo, pull, transitions.TicksEdited(
        Edit(sender, allowed, mine), fallback,
        comments.answer_key(data["comment"])))


async def _review(event: Event, context: Context, change: transitions.Event) -> None:
    data: dict[str, Any] = event.data
    repo, number = repository(event), int(data["issue"]["number"])
    gh = await context.client(event)
    pull = await pulls.get(gh, repo, number)
    if pull.get("state") == "open":
        await context.reviewer.review(gh, repo, pull, change)
