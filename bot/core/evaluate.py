"""Run every rule over one change and decide the check's conclusion."""

from __future__ import annotations

import sys
from dataclasses import replace
from typing import Any

from bot.core.config import Config, ConfigError
from bot.core.facts import PullRequest
from bot.core.gate import skip_reason
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
from bot.core.rules import RULES, Rule, Wants

DEFAULT_CHECK_NAME = Config().check_name
FILE_CAP_NOTE = (
    "GitHub lists at most {shown:,} files of a pull request; this one changes {total:,}, "
    "so files beyond the first {shown:,} were not checked."
)
SLOW_PATTERN = (
    "The configured pattern `{pattern}` took longer than {timeout} s on one input, "
    "so this rule could not finish."
)
SLOW_PATTERN_FIX = (
    "Simplify the pattern in `rules.{rule}` of .github/performance.yml: avoid nested "
    "repetition such as `(a+)+` and alternatives that overlap, or anchor it."
)


def wanted(pr: PullRequest, config: Config) -> Wants:
    """Every file the enabled rules need read before ``evaluate`` (see ``Wants``)."""
    wants = Wants()
    if skip_reason(pr, config) is not None:
        return wants
    for rule in RULES:
        settings = getattr(config.rules, rule.id)
        if getattr(settings, "enabled", True):
            try:
                wants |= rule.wants(pr, settings)
            except SlowPattern:
                continue  # evaluate() reports it against the rule
    return wants


def evaluate(pr: PullRequest, config: Config, *, origin: str = "") -> Evaluation:
    skipped = skip_reason(pr, config)
    if skipped is not None:
        return Evaluation(
            check_name=config.check_name,
            conclusion=Conclusion(config.out_of_scope.value),
            title=skipped.split(";")[0].rstrip("."),
            notes=(skipped,),
            config_origin=origin,
        )
    results = tuple(_run(rule, pr, getattr(config.rules, rule.id)) for rule in RULES)
    conclusion = _conclude(results, config)
    notes: tuple[str, ...] = ()
    if pr.files_truncated:
        total = pr.total_files if pr.total_files is not None else len(pr.files)
        notes = (FILE_CAP_NOTE.format(shown=len(pr.files), total=total),)
    return Evaluation(
        check_name=config.check_name,
        conclusion=conclusion,
        title=_title(results, conclusion),
        results=results,
        notes=notes,
        config_origin=origin,
    )


def config_failure(error: ConfigError) -> Evaluation:
    """A broken config fails the check loudly, pointing at each problem."""
    path = error.source.path
    findings, notes = config_findings(error)
    count = len(error.problems)
    return Evaluation(
        check_name=DEFAULT_CHECK_NAME,
        conclusion=Conclusion.FAILURE,
        title=f"Invalid {path}: {count} problem{'s' if count != 1 else ''}",
        findings=findings,
        notes=notes,
        config_origin=error.source.origin,
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
        findings.append(
            Finding(
                path=error.source.path,
                message=p.message,
                severity=Severity.FAILURE,
                start_line=p.position.line,
                end_line=p.position.line,
                start_column=p.position.column,
                end_column=p.position.column,
                title="Invalid configuration",
            )
        )
    return tuple(findings), tuple(notes)


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


def _run(rule: Rule, pr: PullRequest, settings: Any) -> RuleResult:
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


def _conclude(results: tuple[RuleResult, ...], config: Config) -> Conclusion:
    failed = [r for r in results if r.outcome is Outcome.FAILED]
    if any(r.severity is Severity.FAILURE for r in failed):
        return Conclusion.FAILURE
    if any(r.severity is Severity.WARNING for r in failed):
        return Conclusion.NEUTRAL
    if all(r.outcome is Outcome.SKIPPED for r in results):
        return Conclusion(config.out_of_scope.value)
    return Conclusion.SUCCESS


def _title(results: tuple[RuleResult, ...], conclusion: Conclusion) -> str:
    failed = [r.title for r in results if r.outcome is Outcome.FAILED]
    applied = [r for r in results if r.outcome is not Outcome.SKIPPED]
    if failed:
        noun = "rule needs" if len(failed) == 1 else "rules need"
        label = "attention" if conclusion is not Conclusion.FAILURE else "changes"
        return f"{len(failed)} {noun} {label}: {', '.join(failed)}"
    if not applied:
        return "No performance rule applies to this change"
    return f"All {len(applied)} applicable rule{'s' if len(applied) != 1 else ''} passed"


def could_not_evaluate(check_name: str, reason: str, *, origin: str = "") -> Evaluation:
    """perfbot failed, not the change: say so, and never let it pass silently."""
    return Evaluation(
        check_name=check_name,
        conclusion=Conclusion.FAILURE,
        title="perfbot could not evaluate this commit",
        notes=(f"{reason} Use “Re-run” on this check to try again.",),
        config_origin=origin,
    )
