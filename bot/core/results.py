"""What evaluation produces: plain data that renderers turn into a check run or a report."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Severity(StrEnum):
    """How much a failed rule matters: only ``failure`` fails the check."""

    FAILURE = "failure"
    WARNING = "warning"
    NOTICE = "notice"


class Stage(StrEnum):
    """The stages of the performance workflow, in the order a change moves through them."""

    PLANNING = "Planning"
    DESIGN = "Design & architecture"
    IMPLEMENTATION = "Implementation & instrumentation"
    TESTING = "Testing & optimisation"
    LAUNCH = "Launch & monitoring"
    IMPROVEMENT = "Continuous improvement"


class Outcome(StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    SKIPPED = "skipped"  # the change is out of the rule's scope, or the rule is disabled


class Conclusion(StrEnum):
    SUCCESS = "success"
    NEUTRAL = "neutral"
    FAILURE = "failure"


@dataclass(frozen=True, slots=True)
class Finding:
    """A line-level observation; becomes a check run annotation."""

    path: str
    message: str
    severity: Severity
    start_line: int = 1
    end_line: int | None = None
    start_column: int | None = None
    end_column: int | None = None
    title: str | None = None


@dataclass(frozen=True, slots=True)
class Variance:
    """One failed expectation a reviewer may sign off (``/perf signoff <id>``).

    ``id`` is stable across commits, so a sign-off follows the variance through later
    pushes; ``magnitude`` (e.g. a benchmark's relative slowdown) lets a later push that
    makes the variance worse invalidate the sign-off.
    """

    id: str
    summary: str
    magnitude: float | None = None
    # A measured regression also says where it started, so a later merge can show it is
    # back: the pre-regression ``baseline`` and the regressed ``value`` (in ``unit``), which
    # way is better (``direction``: "lower" or "higher"), and the relative ``threshold``
    # within which the measurement counts as back.
    baseline: float | None = None
    value: float | None = None
    unit: str = ""
    direction: str = ""
    threshold: float | None = None


@dataclass(frozen=True, slots=True)
class Reading:
    """One value a rule measured on the head, named like the variance it would raise.

    A mitigation issue tracking variance ``id`` compares a later merge's reading with the
    baseline it recorded: that, not a passing rule, is evidence of recovery.
    """

    id: str
    value: float
    unit: str = ""
    direction: str = "lower"  # which way is better: "lower" or "higher"


@dataclass(frozen=True, slots=True)
class RuleResult:
    rule: str
    title: str
    stage: Stage
    outcome: Outcome
    severity: Severity
    reason: str
    fix: str = ""
    findings: tuple[Finding, ...] = ()
    # What a reviewer may sign off when the rule fails; a failed rule without explicit
    # variances has one, named by the rule's id.
    variances: tuple[Variance, ...] = ()
    # Markdown a rule shows below the summary table (a benchmark comparison table).
    details: str = ""
    # What the rule measured on the head, per variance id (benchmark metrics).
    readings: tuple[Reading, ...] = ()


@dataclass(frozen=True, slots=True)
class Evaluation:
    """Everything a front needs to publish one verdict on one commit."""

    check_name: str
    conclusion: Conclusion
    title: str
    results: tuple[RuleResult, ...] = ()
    # Findings that belong to no rule, such as config errors.
    findings: tuple[Finding, ...] = ()
    notes: tuple[str, ...] = ()
    config_origin: str = ""
