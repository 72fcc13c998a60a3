"""What every rule does first: name its results, and skip when off or out of scope."""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.facts import PullRequest
from bot.core.results import Finding, Outcome, RuleResult, Severity, Stage
from bot.core.rules.scope import Scope, ScopeMatch, match

DISABLED = "Disabled in the configuration."


@dataclass(frozen=True, slots=True)
class Reporter:
    """Builds one rule's results, each carrying its id, title, stage and severity."""

    rule: str
    title: str
    stage: Stage
    severity: Severity

    def __call__(
        self, outcome: Outcome, reason: str, fix: str = "", *findings: Finding, details: str = ""
    ) -> RuleResult:
        return RuleResult(self.rule, self.title, self.stage, outcome, self.severity, reason, fix,
                          findings, details=details)


def scoped(
    result: Reporter, enabled: bool, when: Scope, pr: PullRequest, out_of_scope: str
) -> ScopeMatch | RuleResult:
    """The part of ``pr`` in scope, or the skip to return: disabled, or out of scope for the
    scope's own reason, else ``out_of_scope`` (the rule's wording)."""
    if not enabled:
        return result(Outcome.SKIPPED, DISABLED)
    scope = match(when, pr)
    if not scope:
        return result(Outcome.SKIPPED, scope.why_not(out_of_scope))
    return scope
