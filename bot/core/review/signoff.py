"""Sign-offs applied to an evaluation: an accepted variance no longer fails the check.

Every failed rule has variances a reviewer may sign off: those it names, or one
implicit variance named by the rule's id. A sign-off holds while the variance is no
worse than when it was signed off (``invalidate_on_worse``); a rule whose variances are
all signed off passes, and the check run says who accepted what and why.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from bot.core.results import Finding, Outcome, RuleResult, Severity, Variance
from bot.core.review import escape
from bot.core.review.state import ReviewState, SignOffRecord, VarianceRecord
from bot.core.review_settings import SignoffSettings

# Relative worsening below this is noise, not a worse variance.
WORSE_TOLERANCE = 1e-9
SIGNED_OFF_REASON = "Signed off by {who}: {reason}"
INVALIDATED = (
    "the variance grew from {was} to {now} after it was signed off at {sha}; "
    "sign it off again to accept it"
)


@dataclass(frozen=True, slots=True)
class Standing:
    """One sign-off judged against the current evaluation."""

    record: SignOffRecord
    variance: Variance | None  # None: the variance is gone (the rule passes now)
    valid: bool
    why: str = ""


def variances_of(result: RuleResult) -> tuple[Variance, ...]:
    if result.outcome is not Outcome.FAILED:
        return ()
    return result.variances or (Variance(result.rule, result.reason),)


def current_variances(results: tuple[RuleResult, ...]) -> tuple[VarianceRecord, ...]:
    return tuple(
        VarianceRecord(v.id, r.rule, v.summary[:300], v.magnitude, v.baseline, v.value,
                       v.unit, v.direction, v.threshold)
        for r in results
        for v in variances_of(r)
    )


def judge(
    state: ReviewState, results: tuple[RuleResult, ...], settings: SignoffSettings
) -> tuple[Standing, ...]:
    found = {v.id: v for r in results for v in variances_of(r)}
    standings = []
    for record in state.signoffs:
        variance = found.get(record.variance)
        valid, why = variance is not None, ""
        if variance is not None and settings.invalidate_on_worse and _worse(record, variance):
            valid = False
            why = INVALIDATED.format(
                was=percent(record.magnitude), now=percent(variance.magnitude),
                sha=record.head_sha[:7],
            )
        standings.append(Standing(record, variance, valid, why))
    return tuple(standings)


def apply(
    results: tuple[RuleResult, ...], standings: tuple[Standing, ...]
) -> tuple[RuleResult, ...]:
    """``results`` with each rule whose variances are all validly signed off passing."""
    accepted = {s.record.variance: s.record for s in standings if s.valid}
    out = []
    for result in results:
        variances = variances_of(result)
        if not variances or not all(v.id in accepted for v in variances):
            out.append(result)
            continue
        records = [accepted[v.id] for v in variances]
        who = ", ".join(dict.fromkeys(escape.login(r.by) for r in records))
        reason = "; ".join(escape.inline(r.reason) for r in records)
        out.append(
            replace(
                result,
                outcome=Outcome.PASSED,
                reason=SIGNED_OFF_REASON.format(who=who, reason=reason),
                fix="",
                findings=tuple(_notice(f) for f in result.findings),
            )
        )
    return tuple(out)


def notes(standings: tuple[Standing, ...]) -> tuple[str, ...]:
    """One line per sign-off for the check run summary."""
    lines = []
    for s in standings:
        r = s.record
        head = f"Variance {escape.code(r.variance)} signed off by {escape.login(r.by)} " \
               f"on {r.at[:10]} at `{r.head_sha[:7]}`"
        if not s.valid and s.variance is not None:
            lines.append(f"{head} no longer applies: {s.why}.")
            continue
        if s.variance is None:
            lines.append(f"{head}: the variance is gone; nothing to accept.")
            continue
        lines.append(f"{head}. Reason: {escape.inline(r.reason)} · Mitigation: "
                     f"{escape.inline(r.mitigation)}{owner_due(r)}")
    return tuple(lines)


def owner_due(r: SignOffRecord) -> str:
    parts = []
    if r.owner:
        parts.append(f"owner {escape.login(r.owner)}")
    if r.due:
        parts.append(f"due {r.due}")
    return f" ({', '.join(parts)})" if parts else ""


def percent(magnitude: float | None) -> str:
    return "n/a" if magnitude is None else f"{magnitude:+.1%}"


def _worse(record: SignOffRecord, variance: Variance) -> bool:
    """Grown beyond what the rule itself calls a change: a measured variance (a benchmark
    re-run) always moves a little, and noise within its threshold is not a worse one."""
    if record.magnitude is None or variance.magnitude is None:
        return False
    tolerance = max(variance.threshold or 0.0, WORSE_TOLERANCE)
    return variance.magnitude > record.magnitude + tolerance


def _notice(finding: Finding) -> Finding:
    title = f"{finding.title or finding.path} (signed off)"
    return replace(finding, severity=Severity.NOTICE, title=title)
