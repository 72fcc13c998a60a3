"""Run every rule over one change and decide the check's conclusion."""

from __future__ import annotations

from typing import Any

from opentelemetry import trace

from bot import __version__
from bot.core.config import Config, ConfigError
from bot.core.config_report import config_findings, run_rule
from bot.core.facts import PullRequest, Wants
from bot.core.gate import skip_reason, skipped_evaluation
from bot.core.patterns import SlowPattern
from bot.core.results import (
    Conclusion,
    Evaluation,
    Outcome,
    RuleResult,
    Severity,
)
from bot.core.rules import RULES, Rule

# The API alone: with no SDK installed by the shell, spans cost next to nothing.
_tracer = trace.get_tracer(__name__, __version__)
DEFAULT_CHECK_NAME = Config().check_name
FILE_CAP_NOTE = (
    "GitHub lists at most {shown:,} files of a pull request; this one changes {total:,}, "
    "so files beyond the first {shown:,} were not checked."
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
    skipped = skipped_evaluation(pr, config, origin)
    if skipped is not None:
        return skipped
    results = tuple(_traced(rule, pr, getattr(config.rules, rule.id)) for rule in RULES)
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


def verdict(results: tuple[RuleResult, ...], config: Config) -> tuple[Conclusion, str]:
    """The conclusion and title for ``results``, e.g. after reviewers signed variances off."""
    conclusion = _conclude(results, config)
    return conclusion, _title(results, conclusion)


def _traced(rule: Rule, pr: PullRequest, settings: Any) -> RuleResult:
    """One rule's evaluation, as one span."""
    with _tracer.start_as_current_span(f"rule {rule.id}",
                                       attributes={"perfbot.rule": rule.id}) as span:
        result = run_rule(rule, pr, settings)
        span.set_attribute("perfbot.rule.outcome", result.outcome.value)
        return result


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
    if len(applied) == 1:
        return f"The one applicable rule passed: {applied[0].title}"
    return f"All {len(applied)} applicable rules passed"


def could_not_evaluate(check_name: str, reason: str, *, origin: str = "",
                       title: str = "perfbot could not evaluate this commit") -> Evaluation:
    """perfbot failed, not the change: say so, and never let it pass silently."""
    return Evaluation(
        check_name=check_name,
        conclusion=Conclusion.FAILURE,
        title=title,
        notes=(f"{reason} Use “Re-run” on this check to try again.",),
        config_origin=origin,
    )
