"""Testing stage: benchmark results hold against the merge base, and within their budgets.

Results come from result files committed in the pull request (compared with the same
files at the merge base) and, in the App, from a CI artifact (``pr.artifacts``, gathered
by ``bot.app.evidence``). A regression or a budget breach fails the rule unless a
reviewer signs off its variance; each variance's id is ``benchmarks:<benchmark>:<metric>``
for a regression and ``benchmarks:<benchmark>:<metric>:budget`` for a budget breach
(whitespace, quotes, backslashes and backticks in names become ``_``; every other
character is kept, so ``tests/test_x.py::test_parse[small]`` stays recognisable), so a
sign-off follows it across pushes. The checklist and the check run show each id verbatim.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Annotated

from bot.core import objectives as objectives_doc
from bot.core import units
from bot.core.bench import budgets as budget_check
from bot.core.bench import paired, paired_file, paired_report, readers, table
from bot.core.bench.compare import compare, geometric_mean
from bot.core.bench.model import Change, Results, Verdict
from bot.core.bench.policy import Policy
from bot.core.binding import BudgetLimit, Count, Globs, OneOf, RepoPath, Shape, Text
from bot.core.facts import (
    ArtifactEvidence,
    ChangedFile,
    EvidenceState,
    FileStatus,
    PullRequest,
    Wants,
)
from bot.core.globs import matches
from bot.core.results import Finding, Outcome, Reading, RuleResult, Severity, Stage, Variance
from bot.core.rules.common import Reporter, scoped
from bot.core.rules.scope import Scope

ID = "benchmarks"
TITLE = "Benchmarks"
STAGE = Stage.TESTING

RESULT_PATHS = (
    "benchmarks/results/**/*.json",
    "**/BenchmarkDotNet.Artifacts/**/*-report-full.json",
)
ARTIFACT_PREFIX = "artifact:"
# The comparison table's share of the check run's 65,535 characters; the rest is for
# notes, budget breaches and the other rules' details.
TABLE_LIMIT = 40_000
_AWKWARD = re.compile("[\\s\"'`\\\\\u201c\u201d\u201e\u2018\u2019\u201a\u00ab\u00bb]+")

FIX_REGRESSION = (
    "Make the regressed benchmarks fast again (the table in the details compares each with "
    "the merge base), or ask a reviewer to sign off each variance with `/perf signoff <id>`."
)
FIX_IDS = " Sign-off ids: {ids}."
SHOWN_IDS = 10
FIX_UNREADABLE = "Commit result files the benchmark tool wrote, unedited, or set `format:`."
FIX_REFUSED = (
    "Resolve what stopped the artifact being used (above), then re-run {workflows} on this "
    "commit; the check follows when it completes."
)
REGRESSION_MESSAGE = (
    "{benchmark} ({metric}) regressed {change} against the merge base "
    "({base} → {head}, by {statistic}). {reason}"
)
BREACH_MESSAGE = (
    "{benchmark} ({metric}) is {actual}, outside the {source} `{limit}`.\nSign-off id: `{id}`."
)
UNREADABLE_MESSAGE = "perfbot cannot read this result file: {problem}"
BASE_UNREADABLE_MESSAGE = (
    "The merge base's version of this result file cannot be read ({problem}); its "
    "benchmarks are compared as new."
)
WAITING = (
    "Waiting for {workflows} to upload the artifact `{artifact}` for {sha}; "
    "the check concludes {on_timeout} if it has not by {deadline}."
)
STALE = (
    "The newest `{artifact}` results are stale: they are for {stale}, not the head {sha}. "
    "Waiting for {workflows} to run on the head (until {deadline})."
)
TIMED_OUT = "No `{artifact}` results for {sha} from {workflows} within {minutes} minutes."
NO_BASELINE = "No baseline: {problem} Every benchmark is new; budgets are still checked."
PAIRED_FROM = (
    "Paired results (`perfbot bench run`): `{path}` measured the head `{head}` against the "
    "merge base `{base}` side by side in one job; no baseline artifact is needed."
)
PAIRED_OTHER_HEAD = (
    "`{path}` measured `{measured}`, not the head `{head}`: run `perfbot bench run` with "
    "`--head` the pull request's head commit (`github.event.pull_request.head.sha`), not the "
    "merge commit the workflow checks out by default."
)


class OnTimeout(StrEnum):
    FAILURE = "failure"
    NEUTRAL = "neutral"
    SUCCESS = "success"


class Baseline(StrEnum):
    MERGE_BASE = "merge_base"  # newest successful run on the base branch at or before it
    LATEST = "latest"  # newest successful run on the base branch
    NONE = "none"  # head only: budgets, every benchmark new


# GitHub finds a workflow by its file name (or numeric id), never by its path.
Workflow = Annotated[str, Shape(
    r"^(?:[^/\\\s]+\.ya?ml|\d+)$",
    "a workflow's file name such as `benchmark.yml` (without `.github/workflows/`)",
)]


@dataclass(frozen=True, slots=True)
class Artifacts:
    """Where CI uploads results: an artifact of a GitHub Actions workflow run."""

    workflows: tuple[Workflow, ...] = ()
    """Workflow file names (`benchmark.yml`) whose runs upload results; empty: none."""
    artifact: Text = "benchmark-results"
    """The artifact's name in those runs."""
    files: Globs = ("**",)
    """Which files inside the artifact are result files."""
    baseline: Baseline = Baseline.MERGE_BASE
    """The base branch's run compared against: at or before the merge base, the newest, or none."""
    timeout_minutes: Count = 60
    """How long after the push to wait for the workflow's results."""
    on_timeout: OnTimeout = OnTimeout.NEUTRAL
    """The rule's outcome when no results arrived in time."""
    max_bytes: Count = 50 * 1024 * 1024
    """The most an artifact may take, compressed and unpacked in all."""


@dataclass(frozen=True, slots=True)
class Budget:
    limit: Annotated[str, BudgetLimit]
    """`[metric] [statistic] op value`: `p95 <= 250ms`, `time <= 2ms`, `throughput >= 1200 rps`."""
    benchmarks: Globs = ("**",)
    """Globs over benchmark names the limit holds."""


@dataclass(frozen=True, slots=True)
class Settings:
    enabled: bool = True
    severity: Severity = Severity.FAILURE
    when: Scope = Scope(paths=("**",))
    results: Globs = RESULT_PATHS
    """Committed result files, read at the head and at the merge base."""
    format: Annotated[str, OneOf(("auto", *readers.FORMATS))] = "auto"
    """The tool that wrote the results; `auto` tells by their content."""
    policy: Policy = Policy()
    """How a change is judged a regression, an improvement or noise."""
    budgets: tuple[Budget, ...] = ()
    """Absolute limits the head's results must hold, baseline or not."""
    objectives: bool = True
    """Also hold the targets of journeys that list `benchmarks` in the objectives file."""
    objectives_file: RepoPath = objectives_doc.DEFAULT_PATH
    """Where the objectives file is."""
    artifacts: Artifacts = Artifacts()
    """Results uploaded by a GitHub Actions workflow instead of committed."""


def wants(pr: PullRequest, settings: Settings) -> Wants:
    head = [f.path for f in _result_files(pr, settings)]
    base = [f.previous_path or f.path for f in _result_files(pr, settings)
            if f.status is not FileStatus.ADDED]
    if settings.objectives and (head or settings.artifacts.workflows):
        head.append(settings.objectives_file)
    return Wants.of(head, base)


def evaluate(pr: PullRequest, settings: Settings) -> RuleResult:
    result = Reporter(ID, TITLE, STAGE, settings.severity)
    scope = scoped(result, settings.enabled, settings.when, pr,
                   "This change is outside the rule's `when`.")
    if isinstance(scope, RuleResult):
        return scope
    evidence = pr.artifacts if settings.artifacts.workflows else None
    files = _result_files(pr, settings)
    if not files and evidence is None:
        if settings.artifacts.workflows:
            return result(Outcome.SKIPPED, "No benchmark result file changed; CI artifacts "
                          "are read by the App only.")
        return result(Outcome.SKIPPED, "No benchmark result file changed in this PR.")
    waiting = _waiting(pr, evidence, settings.artifacts) if evidence else None
    if waiting is not None:
        return waiting

    head, base, findings, notes, errors = _gather(pr, settings, files, evidence)
    changes = compare(base, head, settings.policy)
    pairs = _paired(pr, settings, evidence, notes, errors)
    changes = (*changes, *pairs.changes)
    held, budget_notes = _budgets(pr, settings, [*head, *pairs.head])
    notes += budget_notes
    regressions = [c for c in changes if c.verdict is Verdict.REGRESSED]
    committed = {f.path for f in files}
    findings += [_regression_finding(c, settings.severity) for c in regressions
                 if c.path in committed]
    findings += [_breach_finding(b, settings.severity) for b in held.breaches
                 if b.path in committed]
    variances = tuple(_regression_variance(c, settings.policy) for c in regressions) + tuple(
        _breach_variance(b) for b in held.breaches)

    reason = _counts(changes, held)
    file_errors = bool(errors)
    if evidence is not None and evidence.state is EvidenceState.REFUSED:
        errors.append(f"The artifact `{evidence.artifact}` was refused: {evidence.problem}")
    failed = bool(regressions or held.breaches or errors)
    if errors:
        reason = " ".join(errors) + (" " + reason if changes else "")
    details = _details(changes, held, notes, errors)
    fix = FIX_REGRESSION + _ids(variances) if variances else FIX_UNREADABLE if errors else ""
    if not variances and errors and not file_errors and evidence is not None:
        fix = FIX_REFUSED.format(workflows=", ".join(f"`{w}`" for w in evidence.workflows))
    return RuleResult(
        ID, TITLE, STAGE, Outcome.FAILED if failed else Outcome.PASSED, settings.severity,
        reason, fix, findings=tuple(findings), variances=variances, details=details,
        readings=_readings(changes),
    )


def _result_files(pr: PullRequest, settings: Settings) -> list[ChangedFile]:
    return [f for f in pr.files
            if f.status is not FileStatus.REMOVED and matches(settings.results, f.path)]


def _waiting(
    pr: PullRequest, evidence: ArtifactEvidence, artifacts: Artifacts
) -> RuleResult | None:
    """While results are awaited the App shows the check in progress with this reason."""
    words = {
        "workflows": ", ".join(f"`{w}`" for w in evidence.workflows),
        "artifact": evidence.artifact,
        "sha": f"`{pr.head_sha[:7]}`",
        "deadline": evidence.deadline or "the timeout",
        "on_timeout": f"`{artifacts.on_timeout.value}`",
        "minutes": artifacts.timeout_minutes,
    }
    if evidence.state is EvidenceState.WAITING:
        reason = WAITING.format(**words)
    elif evidence.state is EvidenceState.STALE:
        reason = STALE.format(stale=f"`{evidence.head_sha[:7]}`", **words)
    elif evidence.state is EvidenceState.TIMEOUT:
        reason = TIMED_OUT.format(**words)
        severity = {OnTimeout.FAILURE: Severity.FAILURE, OnTimeout.NEUTRAL: Severity.WARNING}
        if artifacts.on_timeout is OnTimeout.SUCCESS:
            return RuleResult(ID, TITLE, STAGE, Outcome.PASSED, Severity.NOTICE,
                              reason + " Passing, as `on_timeout: success` asks.")
        fix = (f"Check that {words['workflows']} ran on this commit and uploads "
               f"`{evidence.artifact}`; re-run it, then re-run this check.")
        return RuleResult(ID, TITLE, STAGE, Outcome.FAILED, severity[artifacts.on_timeout],
                          reason, fix)
    else:
        return None
    return RuleResult(ID, TITLE, STAGE, Outcome.SKIPPED, Severity.NOTICE, reason)


def _gather(
    pr: PullRequest,
    settings: Settings,
    files: Sequence[ChangedFile],
    evidence: ArtifactEvidence | None,
) -> tuple[list[Results], list[Results], list[Finding], list[str], list[str]]:
    findings: list[Finding] = []
    notes: list[str] = []
    errors: list[str] = []
    head_files: dict[str, bytes] = {}
    base_files: dict[str, bytes] = {}
    for f in files:
        if f.path in pr.head.unreadable:
            problem = pr.head.unreadable[f.path]
            errors.append(f"`{f.path}`: {problem}.")
            findings.append(_unreadable(f.path, problem, Severity.FAILURE))
            continue
        text = pr.head.text(f.path)
        if text is not None:
            head_files[f.path] = text.encode("utf-8")
        old = f.previous_path or f.path
        base_text = pr.base.text(old)
        if base_text is not None:
            base_files[f.path] = base_text.encode("utf-8")  # compared under the head's name
        elif old in pr.base.unreadable:
            findings.append(Finding(f.path, BASE_UNREADABLE_MESSAGE.format(
                problem=pr.base.unreadable[old]), Severity.WARNING, title="Baseline unreadable"))
    head, bad = readers.read_all(head_files, settings.format)
    for error in bad:
        errors.append(f"{error}.")
        findings.append(_unreadable(error.path, error.problem, Severity.FAILURE, error.line))
    base, bad_base = readers.read_all(base_files, settings.format)
    for error in bad_base:
        findings.append(Finding(error.path, BASE_UNREADABLE_MESSAGE.format(problem=error.problem),
                                Severity.WARNING, title="Baseline unreadable"))
    if evidence is not None and evidence.state is EvidenceState.READY:
        more_head, more_base = _artifact_results(evidence, settings, notes, errors)
        head += more_head
        base += more_base
    # Benchmarks the tool itself reports as failed have no result; say so beside the table.
    notes += [f"`{r.path}` reports a failed benchmark: {error}" for r in head for error in r.errors]
    return list(head), list(base), findings, notes, errors


def _artifact_results(
    evidence: ArtifactEvidence, settings: Settings, notes: list[str], errors: list[str]
) -> tuple[list[Results], list[Results]]:
    def named(files: Mapping[str, bytes]) -> dict[str, bytes]:
        return {f"{ARTIFACT_PREFIX}{evidence.artifact}/{name}": data
                for name, data in files.items() if matches(settings.artifacts.files, name)}

    head_files = {name: data for name, data in named(evidence.head).items()
                  if not paired_file.looks_paired(data)}
    if not head_files and any(paired_file.looks_paired(d) for d in evidence.head.values()):
        return [], []  # a paired result is a whole comparison: ``_paired`` reads it
    head, bad = readers.read_all(head_files, settings.format)
    if not head and not bad:  # nothing matched, or only reports and pages
        errors.append(f"The artifact `{evidence.artifact}` for `{evidence.head_sha[:7]}` holds "
                      f"no result file matching {', '.join(settings.artifacts.files)}.")
    errors += [f"{error}." for error in bad]
    if evidence.base is None:
        notes.append(NO_BASELINE.format(problem=evidence.problem))
        return list(head), []
    notes.append(f"Baseline: `{evidence.artifact}` from `{evidence.base_sha[:7]}` on "
                 f"`{evidence.base_ref}`.")
    base, bad_base = readers.read_all(named(evidence.base), settings.format)
    notes += [f"Baseline file unreadable, its benchmarks are new: {error}." for error in bad_base]
    return list(head), list(base)


@dataclass(frozen=True, slots=True)
class _Paired:
    changes: tuple[Change, ...] = ()
    head: tuple[Results, ...] = ()  # every round's head results, for the budgets


def _paired(
    pr: PullRequest, settings: Settings, evidence: ArtifactEvidence | None,
    notes: list[str], errors: list[str],
) -> _Paired:
    """The paired result files in the artifact, each a whole comparison with no baseline."""
    if evidence is None or evidence.state is not EvidenceState.READY:
        return _Paired()
    changes: list[Change] = []
    head: list[Results] = []
    for name, data in sorted(evidence.head.items()):
        if not matches(settings.artifacts.files, name) or not paired_file.looks_paired(data):
            continue
        path = f"{ARTIFACT_PREFIX}{evidence.artifact}/{name}"
        try:
            run = paired_file.loads(path, data)
        except readers.BenchFileError as exc:
            errors.append(f"{exc}.")
            continue
        if run.head.sha != pr.head_sha:
            errors.append(PAIRED_OTHER_HEAD.format(
                path=path, measured=run.head.sha[:7], head=pr.head_sha[:7]
            ))
            continue
        analysis = paired.analyse(run.rounds, settings.policy, run.planned)
        notes.append(PAIRED_FROM.format(path=path, head=run.head.sha[:7], base=run.base.sha[:7]))
        notes += [n for n in paired_report.notes(analysis, run).strip().split("\n\n") if n]
        changes += [replace(c, path=path) for c in analysis.verdicts]
        head += [replace(r, path=path) for round_ in run.rounds for r in round_.head]
    return _Paired(tuple(changes), tuple(head))


def _budgets(
    pr: PullRequest, settings: Settings, head: Sequence[Results]
) -> tuple[budget_check.Held, list[str]]:
    notes: list[str] = []
    held: list[budget_check.Budget] = []
    for i, budget in enumerate(settings.budgets):
        try:
            limit = budget_check.parse_limit(budget.limit)
        except budget_check.LimitError as exc:
            notes.append(f"`budgets[{i}]`: {exc}")
            continue
        held.append(budget_check.Budget(budget.benchmarks, limit, "budget"))
    if settings.objectives:
        held += _objective_budgets(pr, settings.objectives_file, notes)
    if not held:
        return budget_check.Held(), notes
    checked = budget_check.check(head, held)
    notes += [f"No result measured by {what}." for what in checked.unmeasured]
    return checked, notes


def _objective_budgets(
    pr: PullRequest, path: str, notes: list[str]
) -> list[budget_check.Budget]:
    """Targets of journeys that name their benchmarks, held as budgets on those benchmarks.

    A target binds every metric of those benchmarks measured in its unit (``p95 latency
    <= 250ms`` binds their times), taking its statistic from the samples.
    """
    text = pr.head.text(path)
    if text is None:
        return []
    found, problems = objectives_doc.parse(text, path)
    if problems:
        notes.append(f"`{path}` has {len(problems)} problem(s); "
                     "only the targets perfbot could read are held.")
    out = []
    for journey in found.journeys:
        if not journey.benchmarks:
            continue
        for target in journey.targets:
            limit = budget_check.Limit(target.text, "", target.statistic or "",
                                       target.op.value, target.value, target.unit)
            out.append(budget_check.Budget(journey.benchmarks, limit,
                                           f"objective of `{journey.name}`"))
    return out


def _counts(changes: Sequence[Change], held: budget_check.Held) -> str:
    counts = {v: sum(1 for c in changes if c.verdict is v) for v in Verdict}
    parts = [f"{n} {v.value}" for v, n in counts.items() if n]
    text = ", ".join(parts) if parts else "no benchmarks compared"
    mean = geometric_mean(changes)
    if mean is not None:
        text += f"; geometric mean of changes {mean:+.1%}"
    if held.breaches:
        text += f"; {len(held.breaches)} budget breach{'es' if len(held.breaches) != 1 else ''}"
    elif held.held:
        text += f"; {held.held} budget check{'s' if held.held != 1 else ''} held"
    return text[0].upper() + text[1:] + "."


def _details(
    changes: Sequence[Change], held: budget_check.Held, notes: Sequence[str], errors: Sequence[str]
) -> str:
    parts = [f"> {note}" for note in notes]
    parts += [f"> **Error:** {error}" for error in errors]
    if changes:
        parts.append(table.render(changes, limit=TABLE_LIMIT))
    if held.breaches:
        rows = ["| Benchmark | Metric | Head | Limit | Set by |", "|---|---|---|---|---|"]
        for b in held.breaches:
            actual = units.shown(b.actual, b.unit)
            rows.append(f"| {_cell(b.benchmark)} | {_cell(b.metric)} | {actual} | "
                        f"`{b.budget.limit.text}` | {b.budget.source} |")
        parts.append("**Budget breaches**\n\n" + "\n".join(rows))
    return "\n\n".join(parts)


def variance_id(benchmark: str, metric: str, suffix: str = "") -> str:
    parts = [ID, _token(benchmark), _token(metric)] + ([suffix] if suffix else [])
    return ":".join(parts)


def _regression_variance(c: Change, policy: Policy) -> Variance:
    summary = f"{c.benchmark} ({c.metric}) regressed {_regressed_by(c)}"
    knobs = policy.resolve(c.benchmark)
    threshold = knobs.paired_threshold if c.rounds is not None else knobs.threshold
    return Variance(variance_id(c.benchmark, c.metric), summary, c.worse, baseline=c.base,
                    value=c.head, unit=c.unit, direction=c.direction.value,
                    threshold=threshold)


def _ids(variances: Sequence[Variance]) -> str:
    """The exact ids to type, in the summary beside the fix, so nobody has to guess one."""
    shown = ", ".join(f"`{v.id}`" for v in variances[:SHOWN_IDS])
    more = f" and {len(variances) - SHOWN_IDS} more (see the checklist or the annotations)" \
        if len(variances) > SHOWN_IDS else ""
    return FIX_IDS.format(ids=shown + more)


def _readings(changes: Sequence[Change]) -> tuple[Reading, ...]:
    """The head's value of every benchmark metric measured, improvements first.

    Improvements lead because a recovery from an earlier regression usually shows as one
    against the (regressed) merge base, and whoever keeps readings may keep only the first.
    """
    measured = [c for c in changes if c.head is not None and c.verdict is not Verdict.MISSING]
    measured.sort(key=lambda c: c.verdict is not Verdict.IMPROVED)
    return tuple(Reading(variance_id(c.benchmark, c.metric), c.head, c.unit, c.direction.value)
                 for c in measured if c.head is not None)


def _breach_variance(b: budget_check.Breach) -> Variance:
    summary = (f"{b.benchmark} ({b.metric}) is {units.shown(b.actual, b.unit)}, outside "
               f"`{b.budget.limit.text}`")
    return Variance(variance_id(b.benchmark, b.metric, "budget"), summary, b.excess)


def _regression_finding(c: Change, severity: Severity) -> Finding:
    message = REGRESSION_MESSAGE.format(
        benchmark=c.benchmark, metric=c.metric, change=_regressed_by(c),
        base=units.shown(c.base, c.unit), head=units.shown(c.head, c.unit),
        statistic=c.statistic or "its statistic", reason=c.reason,
    )
    message = f"{message.rstrip()}\nSign-off id: `{variance_id(c.benchmark, c.metric)}`."
    return Finding(c.path, message, severity,
                   start_line=c.line or 1, title=f"Benchmark regressed: {c.benchmark}")


def _breach_finding(b: budget_check.Breach, severity: Severity) -> Finding:
    message = BREACH_MESSAGE.format(
        benchmark=b.benchmark, metric=b.metric, actual=units.shown(b.actual, b.unit),
        source=b.budget.source, limit=b.budget.limit.text,
        id=variance_id(b.benchmark, b.metric, "budget"),
    )
    return Finding(b.path, message, severity, start_line=b.line or 1,
                   title=f"Budget breached: {b.benchmark}")


def _unreadable(path: str, problem: str, severity: Severity, line: int | None = None) -> Finding:
    return Finding(path, UNREADABLE_MESSAGE.format(problem=problem), severity,
                   start_line=line or 1, title="Unreadable benchmark results")


def _regressed_by(c: Change) -> str:
    if c.worse is None and c.base == 0:
        return "from zero"  # no relative change exists; the base and head values follow
    return _percent(c.worse)


def _percent(value: float | None) -> str:
    return "by an unknown amount" if value is None else f"{value:+.1%}"


def _token(name: str) -> str:
    # Ids keep the tool's names (``path::test[param]``, ``BM_x<int>/8``) so people can find
    # them, minus what a ``/perf`` command could not carry as one word: whitespace, quotes,
    # backslashes and backticks each become ``_``.
    return _AWKWARD.sub("_", name.strip())


def _cell(text: str) -> str:
    return table.cell(text)

