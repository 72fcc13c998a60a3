"""Launch stage: a change to what ships says how it will reach production safely.

A canary, a feature flag or a staged percentage limits the blast radius of a
performance regression that no benchmark caught. The PR declares its plan with a
label, or with a section in its description that says something.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.core import markdown
from bot.core.facts import PullRequest
from bot.core.results import Outcome, RuleResult, Severity, Stage
from bot.core.rules.common import Reporter, scoped
from bot.core.rules.scope import Scope, on_first_change

ID = "rollout"
TITLE = "Staged rollout"
STAGE = Stage.LAUNCH

DEPLOYMENT_PATHS = (
    "**/deploy/**",
    "**/deployments/**",
    "**/k8s/**",
    "**/kubernetes/**",
    "**/helm/**",
    "**/charts/**",
    "**/manifests/**",
    "**/flags/**",
)
LABELS = ("rollout:canary", "rollout:flag", "rollout:staged")

NO_PLAN = "This PR {scope} but declares no rollout plan."
EMPTY_SECTION = "This PR {scope}; its `{section}` section is empty."
FIX = (
    "Add one of the labels {labels} to the PR, or a `## {section}` section to its description "
    "saying how the change reaches production (canary, feature flag or staged percentages) "
    "and how it is rolled back."
)
BY_LABEL = "The PR is labelled `{label}`."
BY_SECTION = "The description has a `{section}` section."


@dataclass(frozen=True, slots=True)
class Settings:
    enabled: bool = True
    severity: Severity = Severity.FAILURE
    when: Scope = Scope(paths=DEPLOYMENT_PATHS)
    # Any one of these labels declares the plan...
    labels: tuple[str, ...] = LABELS
    """Any one of these PR labels declares the rollout plan (case-insensitive)."""
    # ...or a Markdown heading of one of these names, with text under it, in the description.
    sections: tuple[str, ...] = ("Rollout",)
    """Or a heading of one of these names, with text under it, in the PR description."""


def evaluate(pr: PullRequest, settings: Settings) -> RuleResult:
    result = Reporter(ID, TITLE, STAGE, settings.severity)
    scope = scoped(result, settings.enabled, settings.when, pr,
                   "No deployment path or label in this change.")
    if isinstance(scope, RuleResult):
        return scope

    wanted = {label.lower() for label in settings.labels}
    label = next((name for name in sorted(pr.labels) if name.lower() in wanted), None)
    if label:
        return result(Outcome.PASSED, BY_LABEL.format(label=label))
    empty = None
    for name in settings.sections:
        heading = markdown.find(pr.body or "", name)
        if heading is None:
            continue
        if markdown.section_text(pr.body or "", heading):
            return result(Outcome.PASSED, BY_SECTION.format(section=heading.text))
        empty = empty or heading.text

    section = settings.sections[0] if settings.sections else "Rollout"
    shown = ", ".join(f"`{name}`" for name in settings.labels) or "(none configured)"
    fix = FIX.format(labels=shown, section=section)
    template = EMPTY_SECTION if empty else NO_PLAN
    reason = template.format(scope=scope.describe(), section=empty)
    findings = on_first_change(
        pr, scope, settings.severity, "Rollout plan required", f"{reason}\n{fix}"
    )
    return result(Outcome.FAILED, reason, fix, *findings)
