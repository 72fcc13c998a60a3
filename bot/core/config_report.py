"""Config problems and rule guards as they reach a check run.

Kept apart from ``evaluate`` so that file stays the one place that decides a verdict:
this module says how a broken config (the base's, or one a pull request proposes)
and a configured pattern too slow to finish show up in it.
"""

from __future__ import annotations

import sys
from dataclasses import replace
from typing import Any

from bot.core.config import CONFIG_PATH, ConfigError
from bot.core.facts import FileStatus, PullRequest
from bot.core.patterns import TIMEOUT, SlowPattern
from bot.core.results import (
    Conclusion,
    Evaluation,
    Finding,
    Outcome,
    RuleResult,
    Severity,
    Stage,
)
from bot.core.rules import Rule

SLOW_PATTERN = (
    "The configured pattern `{pattern}` took longer than {timeout} s on one input, "
    "so this rule could not finish."
)
SLOW_PATTERN_FIX = (
    "Simplify the pattern in `rules.{rule}` of .github/performance.yml: avoid nested "
    "repetition such as `(a+)+` and alternatives that overlap, or anchor it."
)


def config_findings(error: ConfigError) -> tuple[tuple[Finding, ...], tuple[str, ...]]:
    """Annotations for problems in the repository's own file; notes for those in a file
    elsewhere (an organisation default, an ``extends`` target), which no annotation can
    point at."""
    findings: list[Finding] = []
    notes: list[str] = []
    for p in error.problems:
        if p.file or not error.source.in_repo:
            where = p.file or error.source.path
            line, column = p.position.line, p.position.column
            notes.append(f"`{where}` line {line}, column {column}: {p.message}")
            continue
        findings.append(p.finding(error.source.path, Severity.FAILURE, "Invalid configuration"))
    return tuple(findings), tuple(notes)


def proposes_config(pr: PullRequest) -> bool:
    """Whether the change edits the config file (its version at the head must then load)."""
    changed = next((f for f in pr.files if f.path == CONFIG_PATH), None)
    return changed is not None and changed.status is not FileStatus.REMOVED


def with_proposed_config(evaluation: Evaluation, error: ConfigError) -> Evaluation:
    """``evaluation`` (by the base branch's rules) failed by the PR's own broken config,
    so a config that perfbot cannot read never merges."""
    findings, notes = config_findings(error)
    count = len(error.problems)
    problem = f"this PR's {error.source.path} is invalid ({count} problem{'s' * (count != 1)})"
    note = (
        f"{problem[0].upper()}{problem[1:]}: fix it before merging. This PR itself was "
        "checked with the base branch's configuration."
    )
    title = problem[0].upper() + problem[1:]
    if evaluation.results and evaluation.conclusion is not Conclusion.SUCCESS:
        title = f"{evaluation.title}; {problem}"
    return replace(
        evaluation,
        conclusion=Conclusion.FAILURE,
        title=title,
        findings=evaluation.findings + findings,
        notes=(*evaluation.notes, note, *notes),
    )


def run_rule(rule: Rule, pr: PullRequest, settings: Any) -> RuleResult:
    """One rule's result; a configured pattern too slow to finish fails that rule alone."""
    try:
        return rule.evaluate(pr, settings)
    except SlowPattern as slow:
        module = sys.modules.get(rule.evaluate.__module__)
        return RuleResult(
            rule=rule.id,
            title=getattr(module, "TITLE", rule.id),
            stage=getattr(module, "STAGE", Stage.IMPLEMENTATION),
            outcome=Outcome.FAILED,
            severity=getattr(settings, "severity", Severity.FAILURE),
            reason=SLOW_PATTERN.format(pattern=slow.pattern, timeout=TIMEOUT),
            fix=SLOW_PATTERN_FIX.format(rule=rule.id),
        )
