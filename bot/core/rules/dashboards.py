"""Launch stage: a journey whose SLI a change adds or changes is on a dashboard.

The workflow's launch stage asks for dashboards that track SLIs, SLOs and error
budgets. When a PR adds a journey to the objectives file, or changes a journey's
``sli``, ``metric`` or ``targets`` (a renamed journey counts as added), some dashboard
definition among ``files`` at the PR's head must reference each ``metric`` the journey
names; otherwise the journey's ``metric:`` line (else its ``sli:`` line, else the
journey) is annotated. With ``entry_points: true`` a PR adding a request handler or
endpoint on a journey's ``paths`` asks the same of that journey.

What counts as a reference: the metric's name as a whole word, or with a Prometheus
series suffix (``_bucket``, ``_count``, ``_sum``, ``_total``, ``_created``, ``_info``), in
a query. In Grafana or Datadog dashboard JSON (a document with ``panels``, ``rows`` or
``widgets``, also under ``dashboard``) only query fields are searched (``expr``,
``query``, ``q``, ``rawSql``, ``target``, ``expression``, ``metric``, ``metricName``, ...),
so a title that mentions the metric does not count; other JSON is not a dashboard.
Jsonnet/Grafonnet is searched as text; a Terraform file only when it declares a
``grafana_dashboard``, ``datadog_dashboard_json`` or ``datadog_dashboard`` resource
(whose JSON is inline or in a file the globs also select).

Dashboards are found by listing the head's tree (``Wants.listed``), so they need not be
part of the change; that listing and the reads are why the rule is off by default.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

# ``rules`` is still importing its rules when this module loads: use it at call time only.
from bot.core import languages
from bot.core import objectives as objectives_file
from bot.core.addedtext import changed
from bot.core.binding import Globs
from bot.core.facts import FileStatus, PullRequest, Wants
from bot.core.globs import matching
from bot.core.languages import Kind
from bot.core.results import Finding, Outcome, RuleResult, Severity, Stage
from bot.core.rules.common import Reporter, scoped
from bot.core.rules.scope import Scope, match
from bot.core.yamldoc import Position

ID = "dashboards"
TITLE = "Dashboards"
STAGE = Stage.LAUNCH

DASHBOARD_FILES = (
    "**/dashboards/**/*.json",
    "**/dashboards/**/*.*sonnet",
    "**/dashboards/**/*.tf",
    "**/grafana/**/*.json",
    "**/grafana/**/*.*sonnet",
    "**/*dashboard*.json",
    "**/*dashboard*.*sonnet",
    "**/*dashboard*.tf",
)

NO_TRIGGER = "This PR adds or changes no journey's SLI in `{file}`."
NO_TRIGGER_ENTRY = (
    "This PR adds or changes no journey's SLI in `{file}` and adds no entry point on a "
    "journey's paths."
)
UNCHANGED = "The change to `{file}` adds no journey and changes no `sli`, `metric` or `targets`."
ABSENT = "There is no objectives file `{file}` at the PR's head."
UNREADABLE = "perfbot could not read the objectives file `{file}`: {why}."
MALFORMED = "The objectives file `{file}` has {count} problem{s}; fix it first."
MALFORMED_FIX = "Fix `{file}` at the annotated lines; each annotation says what it expects."
NO_METRIC = (
    "Journey `{journey}` ({why}) names no `metric:`, so perfbot cannot tell which dashboard "
    "tracks its SLI."
)
NO_METRIC_FIX = (
    "Add `metric: <name>` to the journey: the metric its SLI is computed from, as "
    "dashboards query it (e.g. `http_server_request_duration_seconds`)."
)
UNTRACKED = (
    "Journey `{journey}` ({why}): no dashboard among the configured files references "
    "{metrics}."
)
UNTRACKED_FIX = (
    "Add a panel querying {metrics} to a dashboard definition matching `rules.dashboards."
    "files` (Grafana JSON, Grafonnet/Jsonnet, or Terraform `grafana_dashboard` / "
    "`datadog_dashboard_json`), or add the dashboard's path to `files`."
)
FAILED = "{count} of {total} journey{s} this PR adds or changes {verb} not on a dashboard."
FIX = (
    "For each annotated journey, reference its `metric` in a dashboard definition "
    "matching `files`, or name the metric with `metric:`; the annotations say which."
)
PASSED = "{total} journey{s} this PR adds or changes {verb} on a dashboard: {shown}."
NOT_READ = " {count} matching file{s} could not be read ({why})."

# String values under these keys are queries: Prometheus/Loki ``expr``, Graphite
# ``target``, SQL ``rawSql``, Datadog ``q``/``query``, CloudWatch ``metricName``, ...
QUERY_KEYS = frozenset({
    "expr", "query", "q", "rawSql", "rawQuery", "target", "expression", "metric",
    "metricName", "queryText", "definition", "measurement", "formula",
})
_DASHBOARD_KEYS = ("panels", "rows", "widgets")
_TERRAFORM_DASHBOARD = re.compile(
    r'\bresource\s+"(?:grafana_dashboard|datadog_dashboard_json|datadog_dashboard)"'
)
_SERIES_SUFFIX = r"(?:_bucket|_count|_sum|_total|_created|_info)?"
_ENTRY_KINDS = (Kind.HANDLER, Kind.ENDPOINT)


@dataclass(frozen=True, slots=True)
class Settings:
    # Off unless a team turns it on: it reads the objectives file at the head and the
    # merge base, lists the head's tree and reads each dashboard, GitHub requests all.
    enabled: bool = False
    severity: Severity = Severity.FAILURE
    when: Scope = Scope(paths=("**",))
    file: str = objectives_file.DEFAULT_PATH
    """The objectives file (keep it the same as `rules.objectives.file`)."""
    files: Globs = DASHBOARD_FILES
    """Dashboard definitions, anywhere in the repository at the PR's head: Grafana or Datadog JSON, Grafonnet/Jsonnet, Terraform."""  # noqa: E501
    entry_points: bool = False
    """`true`: a new request handler or endpoint on a journey's `paths` also asks for that journey's dashboard."""  # noqa: E501


@dataclass(frozen=True, slots=True)
class _Due:
    """A journey the change asks a dashboard of, and why."""

    journey: objectives_file.Journey
    why: str


def wants(pr: PullRequest, settings: Settings) -> Wants:
    if not settings.enabled or not match(settings.when, pr):
        return Wants()
    edited = _edits_file(pr, settings)
    if not edited and not (settings.entry_points and _entry_points(pr)):
        return Wants()
    base = [settings.file] if edited else []
    return Wants.of(head=[settings.file], base=base, listed=[settings.files])


def evaluate(pr: PullRequest, settings: Settings) -> RuleResult:
    result = Reporter(ID, TITLE, STAGE, settings.severity)
    file = settings.file
    trigger = NO_TRIGGER_ENTRY if settings.entry_points else NO_TRIGGER
    scope = scoped(result, settings.enabled, settings.when, pr, trigger.format(file=file))
    if isinstance(scope, RuleResult):
        return scope
    edited = _edits_file(pr, settings)
    entries = _entry_points(pr) if settings.entry_points else []
    if not edited and not entries:
        return result(Outcome.SKIPPED, trigger.format(file=file))

    text = pr.head.text(file)
    if text is None:
        why = pr.head.unreadable.get(file)
        if why:
            reason = UNREADABLE.format(file=file, why=why)
            return result(Outcome.FAILED, reason, "Keep the file UTF-8 YAML of at most 1 MB.",
                          Finding(file, reason, settings.severity, title="Objectives unreadable"))
        return result(Outcome.SKIPPED, ABSENT.format(file=file))
    head, problems = objectives_file.parse(text, file)
    if problems:
        findings = tuple(p.finding(file, settings.severity, "Invalid objectives file")
                         for p in problems)
        reason = MALFORMED.format(file=file, count=len(problems), s=_s(len(problems)))
        return result(Outcome.FAILED, reason, MALFORMED_FIX.format(file=file), *findings)

    due = _changed_journeys(head, pr.base.text(file), file) if edited else {}
    for journey, why in _journeys_with_entries(head, entries):
        due.setdefault(journey.name, _Due(journey, why))
    if not due:
        return result(Outcome.SKIPPED, UNCHANGED.format(file=file) if edited
                      else trigger.format(file=file))
    return _judge(result, pr, settings, tuple(due.values()))


def _judge(result: Reporter, pr: PullRequest, settings: Settings, due: tuple[_Due, ...]
           ) -> RuleResult:
    paths = sorted(set(pr.head.texts) | set(pr.head.unreadable))
    listed = matching(settings.files, paths)
    dashboards = [d for path in listed if (d := _dashboard(path, pr.head.text(path)))]
    unread = {p: pr.head.unreadable[p] for p in listed if p in pr.head.unreadable}
    findings: list[Finding] = []
    rows: list[tuple[str, str, str]] = []
    for item in due:
        journey = item.journey
        if not journey.metrics:
            message = NO_METRIC.format(journey=journey.name, why=item.why) + " " + NO_METRIC_FIX
            findings.append(_at(settings, journey, message, "Journey without a metric"))
            rows.append((journey.name, "none named", "none"))
            continue
        found = {m: [d.path for d in dashboards if d.references(m)] for m in journey.metrics}
        missing = [m for m, where in found.items() if not where]
        shown = sorted({p for where in found.values() for p in where})
        rows.append((journey.name, ", ".join(f"`{m}`" for m in journey.metrics),
                     ", ".join(f"`{p}`" for p in shown) or "none"))
        if missing:
            metrics = _join([f"`{m}`" for m in missing])
            message = (UNTRACKED.format(journey=journey.name, why=item.why, metrics=metrics)
                       + " " + UNTRACKED_FIX.format(metrics=metrics))
            findings.append(_at(settings, journey, message, "SLI not on a dashboard"))
    notes = _not_read(unread, pr.head.unlisted)
    details = _table(rows)
    total = len(due)
    if findings:
        count = len(findings)  # one a journey
        reason = FAILED.format(count=count, total=total, s=_s(total),
                               verb="is" if count == 1 else "are") + notes
        return result(Outcome.FAILED, reason, FIX, *findings, details=details)
    tracked = "; ".join(f"**{r[0]}** ({r[2]})" for r in rows)
    reason = PASSED.format(total=total, s=_s(total), verb="is" if total == 1 else "are",
                           shown=tracked)
    return result(Outcome.PASSED, reason, details=details)


def _at(settings: Settings, journey: objectives_file.Journey, message: str, title: str
        ) -> Finding:
    where: Position = journey.metric_position or journey.sli_position or journey.position
    return Finding(settings.file, message, settings.severity, where.line, where.line,
                   title=title)


def _changed_journeys(head: objectives_file.Objectives, base_text: str | None, file: str
                      ) -> dict[str, _Due]:
    """The head's journeys that are new, or whose SLI, metrics or targets changed."""
    before: dict[str, objectives_file.Journey] = {}
    if base_text is not None:
        base, _ = objectives_file.parse(base_text, file)  # a broken base: read what parses
        before = {j.name: j for j in base.journeys}
    due: dict[str, _Due] = {}
    for journey in head.journeys:
        old = before.get(journey.name)
        why = ""
        if old is None:
            why = "added"
        elif old.sli != journey.sli:
            why = "its `sli` changed"
        elif old.metrics != journey.metrics:
            why = "its `metric` changed"
        elif [t.text for t in old.targets] != [t.text for t in journey.targets]:
            why = "its `targets` changed"
        if why:
            due[journey.name] = _Due(journey, why)
    return due


def _edits_file(pr: PullRequest, settings: Settings) -> bool:
    return any(f.path == settings.file and f.status is not FileStatus.REMOVED for f in pr.files)


def _entry_points(pr: PullRequest) -> list[tuple[str, str]]:
    """``(path, name)`` of each request handler or endpoint the change adds.

    Found as the instrumentation rule finds definitions (``bot.core.languages``) in the
    added lines; a name the file's removed lines also define was changed, not added.
    """
    out: list[tuple[str, str]] = []
    for f in pr.files:
        if f.status is FileStatus.REMOVED or f.binary or not f.patch:
            continue
        language = languages.language_of(f.path)
        if language is None:
            continue
        lines = changed(f.patch)
        added = [d for d in languages.definitions(language, lines.text) if d.kind in _ENTRY_KINDS]
        if not added:
            continue
        removed = {d.name for d in languages.definitions(language, "\n".join(lines.removed))}
        out += [(f.path, d.name) for d in added if d.name not in removed]
    return out


def _journeys_with_entries(
    head: objectives_file.Objectives, entries: list[tuple[str, str]]
) -> Iterator[tuple[objectives_file.Journey, str]]:
    if not entries:
        return
    for journey in head.journeys:
        covered = set(journey.covers(path for path, _ in entries))
        named = [f"`{name}` in `{path}`" for path, name in entries if path in covered]
        if named:
            more = f" and {len(named) - 1} more" if len(named) > 1 else ""
            yield journey, f"new entry point {named[0]}{more}"


@dataclass(frozen=True, slots=True)
class _Dashboard:
    path: str
    queries: str  # the text a metric reference is looked for in

    def references(self, metric: str) -> bool:
        return _reference(metric).search(self.queries) is not None


def _reference(metric: str) -> re.Pattern[str]:
    # A name, not part of a longer one: ``foo`` is not ``foo_seconds``, ``foo.bar`` nor the
    # recording rule ``job:foo:rate5m``; Datadog's ``p99:foo{...}`` aggregation is ``foo``.
    # Built from an escaped literal and fixed alternatives, nothing can backtrack.
    return re.compile(rf"(?<![\w.]){re.escape(metric)}{_SERIES_SUFFIX}(?![\w:]|\.\w)")


def _dashboard(path: str, text: str | None) -> _Dashboard | None:
    """What of a file can reference a metric; None when it is not a dashboard."""
    if text is None:
        return None
    lower = path.lower()
    if lower.endswith(".json"):
        try:
            data = json.loads(text)
        except ValueError:
            return _Dashboard(path, text)  # Grafana could not load it either; still a mention
        if not _is_dashboard(data):
            return None
        return _Dashboard(path, "\n".join(_queries(data)))
    if lower.endswith(".tf"):
        return _Dashboard(path, text) if _TERRAFORM_DASHBOARD.search(text) else None
    return _Dashboard(path, text)


def _is_dashboard(data: Any) -> bool:
    if not isinstance(data, dict):
        return False
    inner = data.get("dashboard")
    return any(k in data for k in _DASHBOARD_KEYS) or (
        isinstance(inner, dict) and any(k in inner for k in _DASHBOARD_KEYS))


def _queries(data: Any) -> Iterator[str]:
    """Every string under a query key, however deep (rows, nested panels, widget groups)."""
    stack = [data]
    while stack:
        value = stack.pop()
        if isinstance(value, dict):
            for key, item in value.items():
                if isinstance(item, str):
                    if key in QUERY_KEYS:
                        yield item
                else:
                    stack.append(item)
        elif isinstance(value, list):
            stack.extend(value)


def _not_read(unread: dict[str, str], unlisted: str) -> str:
    out = ""
    if unread:
        why = "; ".join(sorted(set(unread.values())))
        out = NOT_READ.format(count=len(unread), s=_s(len(unread)), why=why)
    if unlisted:
        out += f" {unlisted}."
    return out


def _table(rows: list[tuple[str, str, str]]) -> str:
    lines = ["| Journey | Metric | Dashboards referencing it |", "|---|---|---|"]
    for row in rows:
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in row) + " |")
    return "\n".join(lines)


def _join(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _s(count: int) -> str:
    return "" if count == 1 else "s"
