"""Design stage: a change to architecture-significant code carries a design record.

The record (an ADR or RFC) is where a team writes down the performance
trade-offs it weighed; the rule asks for one to be added, changed or linked.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.core.binding import Globs, Regexes
from bot.core.diff import first_changed_line
from bot.core.facts import FileStatus, PullRequest
from bot.core.globs import matching
from bot.core.results import Finding, Outcome, RuleResult, Severity, Stage
from bot.core.rules.scope import Scope, match

ID = "design_record"
TITLE = "Design record"
STAGE = Stage.DESIGN

SIGNIFICANT_PATHS = (
    "**/api/**",
    "**/*.proto",
    "**/*.graphql",
    "**/migrations/**",
    "**/schema/**",
    "**/cache/**",
    "**/db/**",
    "**/queue/**",
    "**/*.sql",
)


@dataclass(frozen=True, slots=True)
class Settings:
    enabled: bool = True
    severity: Severity = Severity.FAILURE
    when: Scope = Scope(paths=SIGNIFICANT_PATHS, labels=("architecture",))
    record_paths: Globs = ("docs/adr/**", "docs/rfcs/**")
    link_patterns: Regexes = (
        r"(?i)\bADR[- ]?\d+\b",
        r"(?i)\bRFC[- ]?\d+\b",
        r"(?i)\bdocs/(?:adr|rfcs)/\S+\.md\b",
    )


def evaluate(pr: PullRequest, settings: Settings) -> RuleResult:
    def result(outcome: Outcome, reason: str, fix: str = "", *findings: Finding) -> RuleResult:
        return RuleResult(ID, TITLE, STAGE, outcome, settings.severity, reason, fix, findings)

    if not settings.enabled:
        return result(Outcome.SKIPPED, "Disabled in the configuration.")
    scope = match(settings.when, pr)
    if not scope:
        return result(Outcome.SKIPPED, "No architecture-significant path or label in this change.")

    present = [f.path for f in pr.files if f.status is not FileStatus.REMOVED]
    records = matching(settings.record_paths, present)
    if records:
        return result(Outcome.PASSED, f"Design record {_code(records[0])} changed in this PR.")
    link = _first_link(pr.body, settings.link_patterns)
    if link:
        return result(Outcome.PASSED, f"The description links the design record {_code(link)}.")

    where = ", ".join(_code(p.rstrip("*").rstrip("/") or p) for p in settings.record_paths)
    reason = f"This PR {scope.describe()} but adds or changes no design record."
    fix = (
        f"Add or update a design record under {where} that weighs the performance "
        "trade-offs of this change, or link an existing record in the PR description "
        "(for example `ADR-0012` or a path under docs/adr/)."
    )
    findings: tuple[Finding, ...] = ()
    significant = set(scope.paths)
    first = next((f for f in pr.files if f.path in significant and f.path in present), None)
    if first is not None:
        findings = (
            Finding(
                path=first.path,
                start_line=first_changed_line(first.patch),
                severity=settings.severity,
                title="Design record required",
                message=f"{reason}\n{fix}",
            ),
        )
    return result(Outcome.FAILED, reason, fix, *findings)


def _first_link(body: str, patterns: tuple[str, ...]) -> str | None:
    for pattern in patterns:
        found = re.search(pattern, body or "")
        if found:
            return found.group(0)
    return None


def _code(text: str) -> str:
    return f"`{text}`"
