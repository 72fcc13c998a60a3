"""Where the wait for CI's benchmark results stands, decided from what GitHub listed.

The App lists workflow runs and downloads artifacts (``bot.app.evidence``); everything it
concludes from them is decided here, without I/O, so each case is a plain test:

* a completed run of a configured workflow for the **head commit** gives the head's
  results (READY); a failed run, a workflow GitHub does not know or will not list, or an
  artifact that is missing, expired, too large or unsafe, is REFUSED with the reason;
* no completed run yet: WAITING, or STALE when the head branch has results only for an
  older commit (they are named, never used);
* the wait starts when the check run was created; ``timeout_minutes`` later it is
  TIMEOUT, decided by the next event or by the server's timer for that moment;
* the baseline is the newest successful run of the same workflow on the base branch at
  the merge base (or an ancestor of it: ``baseline: merge_base``), or simply the newest
  (``latest``); without one the verdict is head-only and says why.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from bot.core.bench import paired_file
from bot.core.config import Config
from bot.core.facts import ArtifactEvidence, EvidenceState, PullRequest
from bot.core.rules.benchmarks import Artifacts, Baseline
from bot.core.rules.scope import match

NO_WORKFLOW = (
    "GitHub knows no workflow `{workflow}` in this repository; name the file of the workflow "
    "that uploads the results (e.g. `benchmark.yml`, under `.github/workflows/`) in "
    "`artifacts.workflows`."
)
NO_ACCESS = (
    "GitHub refused to list the runs of `{workflow}` ({detail}); the App's installation "
    "needs the `actions: read` permission (an owner accepts it in the installation settings)."
)
RUN_FAILED = ("run #{number} of `{workflow}` on the head concluded `{conclusion}`, so it has "
              "no results to compare")
NO_BASELINE_WANTED = "the config asks for none (`baseline: none`)."
NO_BASELINE_RUN = ("no successful run of `{workflow}` on `{branch}` at or before the merge "
                   "base `{merge_base}` (perfbot looked at the newest runs).")
BASELINE_UNUSABLE = "the baseline artifact cannot be used: {problem}."
PAIRED = "the artifact holds paired results, which need none."
# Ancestry checks (one compare request each) spent looking for the baseline run.
MAX_ANCESTRY_CHECKS = 8


@dataclass(frozen=True, slots=True)
class Run:
    """One workflow run as GitHub lists it: what the decisions below look at."""

    id: int
    head_sha: str
    status: str = ""
    conclusion: str = ""
    number: int | None = None
    path: str = ""
    url: str = ""
    origin: str = ""  # the repository the run's head commit came from (a fork's, maybe)

    @property
    def where(self) -> str:
        """The run as a refusal names it: "run #12 of `.github/workflows/bench.yml`"."""
        return f"run #{self.number if self.number is not None else self.id} of `{self.path}`"

    @classmethod
    def from_api(cls, item: Mapping[str, Any]) -> Run:
        number = item.get("run_number")
        return cls(
            id=int(item["id"]),
            head_sha=str(item.get("head_sha") or ""),
            status=str(item.get("status") or ""),
            conclusion=str(item.get("conclusion") or ""),
            number=int(number) if isinstance(number, int) else None,
            path=str(item.get("path") or ""),
            url=str(item.get("html_url") or ""),
            origin=str((item.get("head_repository") or {}).get("full_name") or ""),
        )


@dataclass(frozen=True, slots=True)
class Listing:
    """The head commit's runs of one workflow, or why GitHub would not list them."""

    workflow: str
    runs: tuple[Run, ...] = ()
    refused: int | None = None  # GitHub's status: 404 (no such workflow) or 403
    detail: str = ""


@dataclass(frozen=True, slots=True)
class Download:
    """The head artifact of ``run``: its files, or why perfbot will not use it."""

    run: Run
    files: Mapping[str, bytes] | None = None
    problem: str = ""


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


def wanted(config: Config, pr: PullRequest) -> Artifacts | None:
    """The artifacts ``pr`` waits for; None when the config asks for none, or the change is
    out of the benchmarks rule's scope (it waits for nothing)."""
    settings = configured(config)
    if settings is None or not match(config.rules.benchmarks.when, pr):
        return None
    return settings


def configured(config: Config) -> Artifacts | None:
    settings = config.rules.benchmarks
    if not settings.enabled or not settings.artifacts.workflows:
        return None
    return settings.artifacts


def head_run(listing: Listing) -> Run | None:
    """The run whose artifact holds the head's results; None when there is none to use yet
    or the listing already decides (see ``state``)."""
    decided = _decided(listing)
    return decided if isinstance(decided, Run) else None


def decisive(listing: Listing) -> bool:
    """Whether this workflow's listing settles the evidence, so later ones need no request."""
    return _decided(listing) is not None


def deadline(settings: Artifacts, started_at: str, now: float) -> float:
    """When the wait concludes: ``timeout_minutes`` after the check run was created."""
    return (_epoch(started_at) or now) + settings.timeout_minutes * 60


def state(
    settings: Artifacts,
    *,
    head_sha: str,
    base_ref: str,
    listings: Sequence[Listing],
    download: Download | None,
    stale_sha: str,
    now: float,
    until: float,
) -> Found:
    """The evidence for the head: ready, refused, waiting until ``until``, stale or timed out.

    ``listings`` are the workflows' runs in the config's order, as far as they were read
    (a decisive one ends the reading); ``download`` is the head artifact of the run chosen
    by ``head_run``; ``stale_sha`` is the commit of the head branch's newest results when
    they are for another commit (``stale_commit``). The baseline comes later
    (``with_baseline``): only ready evidence has one.
    """
    base = ArtifactEvidence(
        EvidenceState.WAITING, settings.workflows, settings.artifact, head_sha=head_sha,
        base_ref=base_ref, deadline=_iso(until),
    )
    for listing in listings:
        decided = _decided(listing)
        if decided is None:
            continue
        if isinstance(decided, str):
            return Found(replace(base, state=EvidenceState.REFUSED, problem=decided,
                                 run_url=_url(listing)))
        if download is None or download.run != decided:
            raise ValueError(f"the artifact of run {decided.id} was not downloaded")
        if download.files is None:
            return Found(replace(base, state=EvidenceState.REFUSED, problem=download.problem,
                                 run_url=decided.url))
        return Found(replace(base, state=EvidenceState.READY, head=download.files,
                             run_url=decided.url))
    if now >= until:
        return Found(replace(base, state=EvidenceState.TIMEOUT))
    if stale_sha:
        return Found(replace(base, state=EvidenceState.STALE, head_sha=stale_sha), until)
    return Found(base, until)


def stale_commit(runs: Sequence[Run], head_sha: str, source: str) -> str:
    """The commit of the newest successful run on the head branch when it is not the head.

    A fork's branch may share its name with one here (a fork's "main"): runs from another
    repository than the pull request's ``source`` are not its results.
    """
    for run in runs:
        if source and run.origin and run.origin != source:
            continue
        if run.head_sha != head_sha:
            return run.head_sha
    return ""


def baseline_candidates(runs: Sequence[Run], repo: str) -> tuple[Run, ...]:
    """The base branch's successful runs that are the base repository's own.

    A fork's pull request from its own branch of that name runs here too; its artifact is
    whatever the fork uploaded, never the base branch's results.
    """
    return tuple(r for r in runs if not r.origin or r.origin.lower() == repo.lower())


def baseline_run(candidates: Sequence[Run], merge_base: str, mode: Baseline) -> Run | None:
    """The baseline found without asking GitHub more: the newest run (``latest``) or the
    run at the merge base itself; None means ancestry must decide (``to_check``)."""
    if mode is Baseline.LATEST:
        return candidates[0] if candidates else None
    return next((r for r in candidates if r.head_sha == merge_base), None)


def to_check(candidates: Sequence[Run], mode: Baseline) -> tuple[Run, ...]:
    """Runs whose commit may be an ancestor of the merge base, newest first, bounded."""
    return () if mode is Baseline.LATEST else tuple(candidates[:MAX_ANCESTRY_CHECKS])


def before_merge_base(compare_status: str) -> bool:
    """GitHub's compare of a run's commit with the merge base: "ahead" means the merge base
    descends from it, so that run came before it."""
    return compare_status in ("ahead", "identical")


def with_baseline(
    ready: ArtifactEvidence,
    settings: Artifacts,
    workflow: str,
    *,
    merge_base: str = "",
    run: Run | None = None,
    files: Mapping[str, bytes] | None = None,
    problem: str = "",
) -> ArtifactEvidence:
    """Ready evidence with its baseline, or with the reason it has none."""
    if settings.baseline is Baseline.NONE:
        return replace(ready, problem=NO_BASELINE_WANTED)
    if run is None:
        return replace(ready, problem=NO_BASELINE_RUN.format(
            workflow=workflow, branch=ready.base_ref, merge_base=merge_base[:7]))
    if files is None:
        return replace(ready, problem=BASELINE_UNUSABLE.format(problem=problem))
    return replace(ready, base=files, base_sha=run.head_sha)


def paired(ready: ArtifactEvidence) -> bool:
    """Whether the head's artifact holds paired results (``perfbot bench run``): a whole
    comparison, so no baseline run is looked for."""
    return any(paired_file.looks_paired(data) for data in ready.head.values())


def without_baseline(ready: ArtifactEvidence) -> ArtifactEvidence:
    return replace(ready, problem=PAIRED)


def ready_workflow(listings: Sequence[Listing]) -> str:
    """The workflow whose run gave the head's results (its baseline is that workflow's)."""
    return next((listing.workflow for listing in listings if head_run(listing) is not None), "")


def _decided(listing: Listing) -> Run | str | None:
    """A listing's verdict: the run to use, the reason it refuses, or None (keep waiting)."""
    if listing.refused is not None:
        text = NO_WORKFLOW if listing.refused == 404 else NO_ACCESS
        return text.format(workflow=listing.workflow, detail=listing.detail)
    done = [r for r in listing.runs if r.status == "completed"]
    if not done:
        return None
    run = next((r for r in done if r.conclusion == "success"), done[0])
    if run.conclusion != "success" and len(done) < len(listing.runs):
        return None  # another run for this commit is still going; it may yet succeed
    if run.conclusion != "success":
        return RUN_FAILED.format(number=run.number, workflow=listing.workflow,
                                 conclusion=run.conclusion)
    return run


def _url(listing: Listing) -> str:
    done = [r for r in listing.runs if r.status == "completed"]
    return done[0].url if done else ""


def _epoch(stamp: str) -> float | None:
    try:
        return datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%d %H:%M UTC")
