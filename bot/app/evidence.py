"""Read what CI uploaded for a pull request's head, and the baseline's, from GitHub.

This module only asks GitHub (workflow runs, artifacts, ancestry); what the answers mean
(ready, refused, waiting until a deadline, stale, timed out; which run is the baseline)
is decided by the pure ``bot.core.evidence``.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

from gidgethub import HTTPException

from bot.core import evidence
from bot.core.bench.archive import Limits
from bot.core.facts import ArtifactEvidence, EvidenceState
from bot.core.rules.benchmarks import Artifacts, Baseline
from bot.github import artifacts as actions
from bot.github import pulls
from bot.github.client import GitHub

Json = dict[str, Any]
MergeBase = Callable[[], Awaitable[str]]
clock: Callable[[], float] = time.time


async def gather(
    gh: GitHub, repo: str, pull: Json, settings: Artifacts, started_at: str,
    merge_base: MergeBase,
) -> evidence.Found:
    head_sha = pull["head"]["sha"]
    limits = Limits(settings.max_bytes)
    listings: list[evidence.Listing] = []
    download: evidence.Download | None = None
    for workflow in settings.workflows:
        listing = await _listing(gh, repo, workflow, head_sha)
        listings.append(listing)
        run = evidence.head_run(listing)
        if run is not None:
            download = await _download(gh, repo, run, settings.artifact, limits)
        if evidence.decisive(listing):
            break  # later workflows cannot change the outcome: no request for them
    now = clock()
    until = evidence.deadline(settings, started_at, now)
    waiting = not any(evidence.decisive(listing) for listing in listings)
    stale = await _stale(gh, repo, pull, settings) if waiting and now < until else ""
    found = evidence.state(settings, head_sha=head_sha, base_ref=pull["base"]["ref"],
                           listings=listings, download=download, stale_sha=stale,
                           now=clock(), until=until)
    if found.evidence.state is not EvidenceState.READY:
        return found
    workflow = evidence.ready_workflow(listings)
    return evidence.Found(await _with_baseline(gh, repo, settings, workflow, found,
                                               limits, merge_base))


async def _listing(gh: GitHub, repo: str, workflow: str, head_sha: str) -> evidence.Listing:
    try:
        listed = await actions.runs(gh, repo, workflow, head_sha=head_sha)
    except HTTPException as exc:
        if int(exc.status_code) not in (403, 404):
            raise
        return evidence.Listing(workflow, refused=int(exc.status_code), detail=str(exc))
    return evidence.Listing(workflow, tuple(evidence.Run.from_api(r) for r in listed))


async def _download(gh: GitHub, repo: str, run: evidence.Run, name: str,
                    limits: Limits) -> evidence.Download:
    try:
        files = await actions.files(gh, repo, run.id, run.where, name, limits)
    except actions.Refused as exc:
        return evidence.Download(run, problem=str(exc))
    return evidence.Download(run, files)


async def _stale(gh: GitHub, repo: str, pull: Json, settings: Artifacts) -> str:
    """The commit of the newest results on the head branch, when they are for another commit."""
    head = pull["head"]
    source = str((head.get("repo") or {}).get("full_name") or "")
    for workflow in settings.workflows:
        listed = await actions.runs(gh, repo, workflow, per_page=5, branch=head["ref"],
                                    status="success")
        found = evidence.stale_commit([evidence.Run.from_api(r) for r in listed],
                                      head["sha"], source)
        if found:
            return found
    return ""


async def _with_baseline(
    gh: GitHub, repo: str, settings: Artifacts, workflow: str, found: evidence.Found,
    limits: Limits, merge_base: MergeBase,
) -> ArtifactEvidence:
    ready = found.evidence
    if settings.baseline is Baseline.NONE:
        return evidence.with_baseline(ready, settings, workflow)
    if evidence.paired(ready):
        # A paired result (perfbot bench run) is a whole comparison: no baseline to find.
        return evidence.without_baseline(ready)
    base_sha = await merge_base()
    listed = await actions.runs(gh, repo, workflow, per_page=30, branch=ready.base_ref,
                                status="success")
    candidates = evidence.baseline_candidates([evidence.Run.from_api(r) for r in listed], repo)
    run = evidence.baseline_run(candidates, base_sha, settings.baseline)
    if run is None:
        run = await _ancestor(gh, repo, evidence.to_check(candidates, settings.baseline),
                              base_sha)
    if run is None:
        return evidence.with_baseline(ready, settings, workflow, merge_base=base_sha)
    base = await _download(gh, repo, run, settings.artifact, limits)
    return evidence.with_baseline(ready, settings, workflow, merge_base=base_sha, run=run,
                                  files=base.files, problem=base.problem)


async def _ancestor(gh: GitHub, repo: str, runs: tuple[evidence.Run, ...],
                    merge_base: str) -> evidence.Run | None:
    """The newest of ``runs`` whose commit came before the merge base."""
    for run in runs:
        try:
            ancestry = await pulls.compare(gh, repo, run.head_sha, merge_base)
        except HTTPException as exc:
            if int(exc.status_code) not in (404, 422):
                raise
            continue  # a commit a force-push left behind: no longer comparable, not a base
        if evidence.before_merge_base(str(ancestry.get("status") or "")):
            return run
    return None
