"""Gather benchmark results CI uploaded for a pull request's head, and the baseline's.

What the App decides here, and the pure rule reads as ``PullRequest.artifacts``:

* a completed run of a configured workflow for the **head commit** gives the head's
  results (READY); a failed run, or an artifact that is missing, expired, too large or
  unsafe, is REFUSED with the reason;
* no completed run yet: WAITING, or STALE when the head branch has results only for an
  older commit (they are named, never used);
* the wait starts when the check run was created; ``timeout_minutes`` later the state
  becomes TIMEOUT, decided by the next event for the pull request or, if none comes,
  by a timer the server sets for that moment (``bot.app.deadlines``);
* the baseline is the artifact of the newest successful run of the same workflow on
  the base branch whose commit is the merge base or one of its ancestors
  (``baseline: merge_base``), or simply the newest (``latest``); without one the
  verdict is head-only and says why.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from gidgethub import HTTPException

from bot.core.bench import paired_file
from bot.core.bench.archive import Limits
from bot.core.config import Config
from bot.core.facts import ArtifactEvidence, EvidenceState, PullRequest
from bot.core.rules.benchmarks import Artifacts, Baseline
from bot.core.rules.scope import match
from bot.github import artifacts as actions
from bot.github.client import GitHub

Json = dict[str, Any]
NO_WORKFLOW = (
    "GitHub knows no workflow `{workflow}` in this repository; name the file of the workflow "
    "that uploads the results (e.g. `benchmark.yml`, under `.github/workflows/`) in "
    "`artifacts.workflows`."
)
NO_ACCESS = (
    "GitHub refused to list the runs of `{workflow}` ({detail}); the App's installation "
    "needs the `actions: read` permission (an owner accepts it in the installation settings)."
)
# Ancestry checks (one compare request each) spent looking for the baseline run.
MAX_ANCESTRY_CHECKS = 8
clock: Callable[[], float] = time.time


@dataclass(frozen=True, slots=True)
class Found:
    evidence: ArtifactEvidence
    # Epoch seconds when a wait concludes; None when nothing is awaited.
    deadline: float | None = None

    @property
    def waiting(self) -> bool:
        return self.evidence.state in (EvidenceState.WAITING, EvidenceState.STALE)

    @property
    def title(self) -> str:
        """The in-progress check's title: what it waits for."""
        workflows = ", ".join(self.evidence.workflows)
        if self.evidence.state is EvidenceState.STALE:
            return f"Benchmark results are stale; waiting for {workflows} on this commit"
        return f"Waiting for benchmark results ({self.evidence.artifact} from {workflows})"


def configured(config: Config) -> Artifacts | None:
    settings = config.rules.benchmarks
    if not settings.enabled or not settings.artifacts.workflows:
        return None
    return settings.artifacts


async def attach(
    gh: GitHub, repo: str, pr: PullRequest, pull: Json, config: Config, started_at: str
) -> tuple[PullRequest, Found | None]:
    """``pr`` with its artifact evidence, when the config asks for artifacts."""
    settings = configured(config)
    if settings is None or not match(config.rules.benchmarks.when, pr):
        return pr, None  # an out-of-scope change waits for nothing
    found = await gather(gh, repo, pull, settings, started_at)
    return replace(pr, artifacts=found.evidence), found


async def gather(
    gh: GitHub, repo: str, pull: Json, settings: Artifacts, started_at: str
) -> Found:
    head_sha = pull["head"]["sha"]
    start = _epoch(started_at) or clock()
    deadline = start + settings.timeout_minutes * 60
    base = ArtifactEvidence(
        EvidenceState.WAITING, settings.workflows, settings.artifact, head_sha=head_sha,
        base_ref=pull["base"]["ref"], deadline=_iso(deadline),
    )
    limits = Limits(settings.max_bytes)
    for workflow in settings.workflows:
        try:
            listed = await actions.runs(gh, repo, workflow, head_sha=head_sha)
        except HTTPException as exc:
            if int(exc.status_code) not in (403, 404):
                raise
            problem = (NO_WORKFLOW if int(exc.status_code) == 404 else NO_ACCESS).format(
                workflow=workflow, detail=str(exc))
            return Found(replace(base, state=EvidenceState.REFUSED, problem=problem))
        done = [r for r in listed if r.get("status") == "completed"]
        if not done:
            continue
        run = next((r for r in done if r.get("conclusion") == "success"), done[0])
        url = run.get("html_url") or ""
        if run.get("conclusion") != "success" and len(done) < len(listed):
            continue  # another run for this commit is still going; it may yet succeed
        if run.get("conclusion") != "success":
            problem = (f"run #{run.get('run_number')} of `{workflow}` on the head concluded "
                       f"`{run.get('conclusion')}`, so it has no results to compare")
            return Found(replace(base, state=EvidenceState.REFUSED, problem=problem,
                                 run_url=url))
        try:
            head_files = await actions.files(gh, repo, run, settings.artifact, limits)
        except actions.Refused as exc:
            return Found(replace(base, state=EvidenceState.REFUSED, problem=str(exc),
                                 run_url=url))
        ready = replace(base, state=EvidenceState.READY, head=head_files, run_url=url)
        return Found(await _with_baseline(gh, repo, pull, settings, workflow, ready, limits))
    stale = await _stale(gh, repo, pull, settings)
    if clock() >= deadline:
        return Found(replace(base, state=EvidenceState.TIMEOUT))
    if stale:
        return Found(replace(base, state=EvidenceState.STALE, head_sha=stale), deadline)
    return Found(base, deadline)


async def _stale(gh: GitHub, repo: str, pull: Json, settings: Artifacts) -> str:
    """The commit of the newest results on the head branch, when they are for another commit."""
    head = pull["head"]
    source = (head.get("repo") or {}).get("full_name")
    for workflow in settings.workflows:
        for run in await actions.runs(gh, repo, workflow, per_page=5, branch=head["ref"],
                                      status="success"):
            # A fork's branch may share its name with one here (a fork's "main").
            origin = (run.get("head_repository") or {}).get("full_name")
            if source and origin and origin != source:
                continue
            if run.get("head_sha") != head["sha"]:
                return str(run["head_sha"])
    return ""


async def _with_baseline(
    gh: GitHub, repo: str, pull: Json, settings: Artifacts, workflow: str,
    ready: ArtifactEvidence, limits: Limits,
) -> ArtifactEvidence:
    base_ref = pull["base"]["ref"]
    if settings.baseline is Baseline.NONE:
        return replace(ready, problem="the config asks for none (`baseline: none`).")
    if any(paired_file.looks_paired(data) for data in ready.head.values()):
        # A paired result (perfbot bench run) is a whole comparison: no baseline to find.
        return replace(ready, problem="the artifact holds paired results, which need none.")
    compared = await gh.getitem(
        f"/repos/{repo}/compare/{quote(pull['base']['sha'])}...{quote(pull['head']['sha'])}"
        "?per_page=1"
    )
    merge_base = str(compared["merge_base_commit"]["sha"])
    run = await _baseline_run(gh, repo, workflow, base_ref, merge_base, settings.baseline)
    where = f"`{workflow}` on `{base_ref}`"
    if run is None:
        problem = (f"no successful run of {where} at or before the merge base "
                   f"`{merge_base[:7]}` (perfbot looked at the newest runs).")
        return replace(ready, problem=problem)
    try:
        files = await actions.files(gh, repo, run, settings.artifact, limits)
    except actions.Refused as exc:
        return replace(ready, problem=f"the baseline artifact cannot be used: {exc}.")
    return replace(ready, base=files, base_sha=str(run["head_sha"]))


async def _baseline_run(
    gh: GitHub, repo: str, workflow: str, branch: str, merge_base: str, mode: Baseline
) -> Json | None:
    listed = await actions.runs(gh, repo, workflow, per_page=30, branch=branch,
                                status="success")
    # A fork's pull request from its own branch of that name runs here too; its artifact
    # is whatever the fork uploaded, never the base branch's results.
    candidates = [r for r in listed if _from(r, repo)]
    if mode is Baseline.LATEST:
        return candidates[0] if candidates else None
    exact = next((r for r in candidates if r.get("head_sha") == merge_base), None)
    if exact is not None:
        return exact
    for run in candidates[:MAX_ANCESTRY_CHECKS]:
        try:
            ancestry = await gh.getitem(
                f"/repos/{repo}/compare/{quote(str(run['head_sha']))}...{quote(merge_base)}"
                "?per_page=1"
            )
        except HTTPException as exc:
            if int(exc.status_code) not in (404, 422):
                raise
            continue  # a commit a force-push left behind: no longer comparable, not a base
        # "ahead": the merge base descends from the run's commit, so that run came before it.
        if ancestry.get("status") in ("ahead", "identical"):
            return run
    return None


def _from(run: Json, repo: str) -> bool:
    origin = (run.get("head_repository") or {}).get("full_name")
    return not origin or str(origin).lower() == repo.lower()


def _epoch(stamp: str) -> float | None:
    try:
        return datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%d %H:%M UTC")
