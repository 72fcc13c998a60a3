"""Pull request activity: anything that can change the verdict re-evaluates the head commit."""

from __future__ import annotations

from gidgethub import routing
from gidgethub.sansio import Event

from bot.app import mitigations
from bot.app.context import Context, repository
from bot.app.review import pull_key
from bot.app.steward import config_for

router = routing.Router()

ACTIONS = (
    "opened",
    "synchronize",
    "reopened",
    "edited",
    "labeled",
    "unlabeled",
    "ready_for_review",
    "converted_to_draft",  # with `drafts: skip`, the verdict must follow the PR back
)


async def on_pull_request(event: Event, context: Context) -> None:
    pull = event.data["pull_request"]
    if pull.get("state") == "closed":
        return
    if event.data["action"] == "edited" and not _body_or_base_changed(event):
        return
    gh = await context.client(event)
    await context.reviewer.review_current(gh, repository(event), int(pull["number"]))


def _body_or_base_changed(event: Event) -> bool:
    """A title edit cannot change a verdict; a body (links) or base (rules) edit can."""
    changes = event.data.get("changes") or {}
    return "body" in changes or "base" in changes


for _action in ACTIONS:
    router.add(on_pull_request, "pull_request", action=_action)


@router.register("pull_request", action="closed")
async def on_closed(event: Event, context: Context) -> None:
    """A merge opens the mitigation issues its sign-offs promised; a plain close, nothing."""
    pull = event.data["pull_request"]
    if not pull.get("merged"):
        return
    repo = repository(event)
    gh = await context.client(event)
    async with context.reviewer.locks.hold(pull_key(repo, pull["number"])):
        config = await config_for(gh, repo, pull["base"]["ref"])
        await mitigations.merged(gh, context.reviewer.steward, repo, pull, config)

