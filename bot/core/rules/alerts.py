"""Launch stage: every alert a change ships tells the person it pages what to do.

Prometheus alerting-rule files the PR adds or changes are read as they stand at its
head; each ``- alert:`` rule must carry ``annotations.runbook_url`` and, as configured,
``labels.severity`` and ``annotations.summary``. Recording rules (``record:``) are
left alone. Plain rule files (``groups:``) and Kubernetes ``PrometheusRule`` objects
(``spec.groups``), several YAML documents to a file, are understood; a file that does
not parse gets an annotation at its error, never a crash. Left at its default,
``when.paths`` follows ``files``, so setting ``files`` alone is enough.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import Any

# ``rules`` is still importing its rules when this module loads: use it at call time only.
from bot.core import yamldoc
from bot.core.binding import Globs, dotted
from bot.core.facts import FileStatus, PullRequest, Wants
from bot.core.globs import matching
from bot.core.results import Finding, Outcome, RuleResult, Severity, Stage
from bot.core.rules.common import Reporter, scoped
from bot.core.rules.scope import Scope, match
from bot.core.yamldoc import KeyPath

ID = "alerts"
TITLE = "Alerts carry runbooks"
STAGE = Stage.LAUNCH

ALERT_FILES = ("**/alerts/**/*.y*ml", "**/*.rules.y*ml", "**/prometheus/**/*.y*ml")

MISSING = "Alert `{alert}` lacks {missing}."
MISSING_FIX = "Add {how} to the alert `{alert}`."
HOW = {
    "annotations.runbook_url": "`annotations.runbook_url` (a link to what the on-call does)",
    "labels.severity": "`labels.severity` (e.g. `page` or `ticket`)",
    "annotations.summary": "`annotations.summary` (one line saying what is wrong)",
}
MALFORMED = "perfbot cannot read this alerting-rule file: {problem}"
MALFORMED_FIX = "Fix the file so Prometheus can load it (`promtool check rules` helps)."
UNREADABLE = "perfbot could not read this file at the PR's head: {why}."
FAILED = "{failures} in the changed alerting-rule files."
FIX = (
    "Give every alert {needs}; correct any rule file that does not parse. "
    "Each annotation names the alert and what it lacks."
)
PASSED = "All {alerts} alert{s} in {files} changed rule file{fs} carry {needs}."
NO_ALERTS = "The changed rule files define no alerts (recording rules only)."
NO_FILES = "No alerting-rule file changed."

_DOCUMENT_START = re.compile(r"^---(?:[ \t].*)?$")


@dataclass(frozen=True, slots=True)
class Settings:
    enabled: bool = True
    severity: Severity = Severity.FAILURE
    when: Scope = Scope(paths=ALERT_FILES)
    # Changed files read as Prometheus alerting rules.
    files: Globs = ALERT_FILES
    """Changed files read as Prometheus alerting rules (plain files or PrometheusRule objects)."""
    require_severity: bool = True
    """Alerts must also carry `labels.severity`."""
    require_summary: bool = True
    """Alerts must also carry `annotations.summary`."""


def wants(pr: PullRequest, settings: Settings) -> Wants:
    if not settings.enabled or not match(_when(settings), pr):
        return Wants()
    return Wants.of(head=_rule_files(pr, settings))


def evaluate(pr: PullRequest, settings: Settings) -> RuleResult:
    result = Reporter(ID, TITLE, STAGE, settings.severity)
    scope = scoped(result, settings.enabled, _when(settings), pr, NO_FILES)
    if isinstance(scope, RuleResult):
        return scope
    paths = _rule_files(pr, settings)
    if not paths:
        return result(Outcome.SKIPPED, NO_FILES)

    needed = _needed(settings)
    check = _Check(needed, settings.severity)
    for path in paths:
        text = pr.head.text(path)
        if text is None:
            why = pr.head.unreadable.get(path)
            if why:
                check.fail(path, 1, UNREADABLE.format(why=why), "Unreadable rule file")
            continue
        check.file(path, text)

    needs = _join([HOW[n].split(" (")[0] for n in needed])
    if check.findings:
        failures = []
        if check.incomplete:
            verb = "lacks" if check.incomplete == 1 else "lack"
            lacking = _join([f"`{n}`" for n in needed if n in check.lacking])
            failures.append(f"{check.incomplete} of {check.alerts} alerts {verb} {lacking}")
        if check.malformed:
            failures.append(f"{check.malformed} file{_s(check.malformed)} cannot be read")
        joined = _join(failures)
        reason = FAILED.format(failures=joined[:1].upper() + joined[1:])
        return result(Outcome.FAILED, reason, FIX.format(needs=needs), *check.findings)
    if not check.alerts:
        return result(Outcome.PASSED, NO_ALERTS)
    files = check.files
    reason = PASSED.format(alerts=check.alerts, s=_s(check.alerts), files=files, fs=_s(files),
                           needs=needs)
    return result(Outcome.PASSED, reason)


def _when(settings: Settings) -> Scope:
    """The scope, its paths following ``files`` unless set themselves."""
    if settings.when.paths == ALERT_FILES:
        return replace(settings.when, paths=settings.files)
    return settings.when


def _rule_files(pr: PullRequest, settings: Settings) -> list[str]:
    present = [f.path for f in pr.files if f.status is not FileStatus.REMOVED and not f.binary]
    return matching(settings.files, present)


def _needed(settings: Settings) -> list[str]:
    needed = ["annotations.runbook_url"]
    if settings.require_severity:
        needed.append("labels.severity")
    if settings.require_summary:
        needed.append("annotations.summary")
    return needed


@dataclass
class _Check:
    """Walks rule files, counting alerts and collecting findings."""

    needed: list[str]
    severity: Severity
    findings: list[Finding] = field(default_factory=list)
    alerts: int = 0
    incomplete: int = 0
    lacking: set[str] = field(default_factory=set)  # what incomplete alerts miss, together
    malformed: int = 0
    files: int = 0

    def fail(self, path: str, line: int, message: str, title: str, column: int | None = None
             ) -> None:
        self.findings.append(Finding(path, message, self.severity, start_line=line,
                                     end_line=line, start_column=column, end_column=column,
                                     title=title))

    def malformed_at(self, path: str, line: int, column: int | None, problem: str) -> None:
        self.malformed += 1
        message = MALFORMED.format(problem=problem) + "\n" + MALFORMED_FIX
        self.fail(path, line, message, "Malformed alerting-rule file", column)

    def file(self, path: str, text: str) -> None:
        self.files += 1
        for offset, chunk in _documents(text):
            try:
                doc = yamldoc.parse(chunk)
            except yamldoc.DocumentError as exc:
                where = exc.position
                self.malformed_at(path, where.line + offset, where.column, exc.message)
                return  # one error a file: what follows a syntax error is guesswork
            self.document(path, doc, offset)

    def document(self, path: str, doc: yamldoc.Document, offset: int) -> None:
        data = doc.data
        if not isinstance(data, dict):
            return  # empty, or not a rule file at all
        root: KeyPath = ("groups",)
        groups = data.get("groups")
        if data.get("kind") == "PrometheusRule":
            root = ("spec", "groups")
            spec = data.get("spec")
            groups = spec.get("groups") if isinstance(spec, dict) else None
        if groups is None:
            return  # another kind of YAML that happens to match the globs
        if not isinstance(groups, list):
            self.shape(path, doc, offset, root, "must be a list of rule groups")
            return
        for i, group in enumerate(groups):
            rules_path = (*root, i, "rules")
            rule_list = group.get("rules") if isinstance(group, dict) else None
            if not isinstance(rule_list, list):
                self.shape(path, doc, offset, rules_path, "each group needs a `rules:` list")
                continue
            for j, rule in enumerate(rule_list):
                self.rule(path, doc, offset, (*rules_path, j), rule)

    def shape(self, path: str, doc: yamldoc.Document, offset: int, at: KeyPath, problem: str
              ) -> None:
        where = doc.position(at)
        self.malformed_at(path, where.line + offset, where.column, f"{dotted(at)}: {problem}")

    def rule(self, path: str, doc: yamldoc.Document, offset: int, at: KeyPath, rule: Any) -> None:
        if not isinstance(rule, dict) or not ("alert" in rule or "record" in rule):
            self.shape(path, doc, offset, at, "each rule needs `alert:` or `record:`")
            return
        if "alert" not in rule:
            return  # a recording rule pages nobody
        self.alerts += 1
        missing = [name for name in self.needed if not _has(rule, name)]
        if not missing:
            return
        self.incomplete += 1
        self.lacking.update(missing)
        alert = str(rule["alert"])
        line = doc.key_position((*at, "alert")).line + offset
        message = (
            MISSING.format(alert=alert, missing=_join([f"`{m}`" for m in missing]))
            + " "
            + MISSING_FIX.format(alert=alert, how=_join([HOW[m] for m in missing]))
        )
        self.fail(path, line, message, "Alert without runbook" if
                  "annotations.runbook_url" in missing else "Incomplete alert")


def _has(rule: dict[str, Any], dotted_name: str) -> bool:
    section, key = dotted_name.split(".")
    values = rule.get(section)
    value = values.get(key) if isinstance(values, dict) else None
    return value is not None and str(value).strip() != ""


def _documents(text: str) -> Iterator[tuple[int, str]]:
    """Each YAML document in ``text`` with the number of lines before it."""
    lines = text.splitlines(keepends=True)
    start = 0
    for i, line in enumerate(lines):
        if _DOCUMENT_START.match(line.rstrip("\r\n")):
            if i > start:
                yield start, "".join(lines[start:i])
            start = i + 1
    yield start, "".join(lines[start:])


def _join(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _s(count: int) -> str:
    return "" if count == 1 else "s"
