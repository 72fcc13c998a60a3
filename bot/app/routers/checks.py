"""Check suite requests and “Re-run” clicks: evaluate the pull requests of that commit again."""

from __future__ import annotations

from typing import Any

from gidgethub import routing
from gidgethub.sansio import Event

from bot.app.context import Context, repository
from bot.github import pulls

router = routing.Router()


@router.register("check_suite", action="requested")
@router.register("check_suite", action="rerequested")
async def on_check_suite(event: Event, context: Context) -> None:
    suite = event.data["check_suite"]
    await _review_commit(event, context, suite["head_sha"], suite.get("pull_requests") or [])


@router.register("check_run", action="rerequested")
@router.register("check_run", action="requested_action")
async def on_rerun(event: Event, context: Context) -> None:
    run = event.data["check_run"]
    if (run.get("app") or {}).get("id") != context.reviewer.app_id:
        return
    await _review_commit(event, context, run["head_sha"], run.get("pull_requests") or [])


async def _review_commit(
    event: Event, context: Context, head_sha: str, listed: list[dict[str, Any]]
) -> None:
    repo = repository(event)
    gh = await context.client(event)
    numbers = [p["number"] for p in listed if p.get("head", {}).get("sha") == head_sha]
    if not numbers:
        # GitHub leaves pull_requests empty for pull requests from forks.
        numbers = await pulls.open_for_commit(gh, repo, head_sha)
    for number in numbers[:1]:  # one check run per commit, so one pull request decides it
        pull = await pulls.get(gh, repo, number)
        if pull.get("state") == "open" and pull["head"]["sha"] == head_sha:
            await context.reviewer.review(gh, repo, pull)

