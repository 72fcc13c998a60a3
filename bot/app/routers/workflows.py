"""A workflow finished: if it is one that uploads benchmark results, evaluate its pull requests.

Which workflows count is the base branch's config (``rules.benchmarks.artifacts``), read
when the pull request is reviewed; here any completed run may matter, so the pull
requests of the run's head commit are re-reviewed unless the config names other
workflows. GitHub leaves ``pull_requests`` empty for runs from forks, so those are
found through the commit.
"""

from __future__ import annotations

import logging
from typing import Any

from gidgethub import routing
from gidgethub.sansio import Event

from bot.app.context import Context, repository
from bot.core import config as config_model
from bot.core.evidence import configured
from bot.github import contents, pulls
from bot.github.client import GitHub

log = logging.getLogger(__name__)
router = routing.Router()


@router.register("workflow_run", action="completed")
async def on_workflow_run(event: Event, context: Context) -> None:
    run = event.data["workflow_run"]
    repo = repository(event)
    head_sha = run["head_sha"]
    gh = await context.client(event)
    numbers = [p["number"] for p in run.get("pull_requests") or []
             if (p.get("head") or {}).get("sha") == head_sha]
    if not numbers:
        numbers = await pulls.open_for_commit(gh, repo, head_sha)
    for number in numbers[:1]:  # one check run per commit, so one pull request decides it
        pull = await pulls.get(gh, repo, number)
        if pull.get("state") != "open" or pull["head"]["sha"] != head_sha:
            continue
        if not await _watched(gh, repo, pull["base"]["ref"], run):
            return
        await context.reviewer.review(gh, repo, pull)


async def _watched(gh: GitHub, repo: str, base_ref: str, run: dict[str, Any]) -> bool:
    """Whether the base branch's config reads artifacts from this run's workflow.

    The config is found as a review finds it (the repository's file, else the
    organisation's default, with whatever it ``extends``), or runs named only there are
    never watched and their checks wait until they time out.
    """
    try:
        settings = configured(await contents.load_config(gh, repo, base_ref))
    except config_model.ConfigError:
        return False  # the next pull request event reports the broken config
    if settings is None:
        return False
    path = str(run.get("path") or "")
    names = {path, path.rsplit("/", 1)[-1], str(run.get("workflow_id")), str(run.get("name"))}
    return any(workflow in names for workflow in settings.workflows)

