"""Mitigation issues: what a merged sign-off promised, tracked until it is kept.

Each issue carries hidden markers naming the pull request and the variances it tracks,
so a redelivered or racing ``closed`` event finds the issue instead of opening another,
and a later pull request that brings a variance back can close it.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date
from urllib.parse import quote, unquote

from bot.core import units
from bot.core.results import Reading
from bot.core.review import escape
from bot.core.review.signoff import percent
from bot.core.review.state import ReviewState, SignOffRecord, VarianceRecord
from bot.core.review_settings import IssueGrouping, MitigationSettings

_TRACKS = re.compile(r"<!-- perfbot:mitigation ([^\s#]+)#(\d+) (\S+) -->")
_VARIANCE = re.compile(r"<!-- perfbot:variance (\S+)(?: rule=(\S+))?((?: [a-z]+=\S*)*) -->")
_FIELD = re.compile(r" ([a-z]+)=(\S*)")
_DUE = re.compile(r"<!-- perfbot:due (\d{4}-\d{2}-\d{2}) -->")
LINKS_MARKER = "<!-- perfbot:mitigation-links -->"
RECOVERED_MARKER = "<!-- perfbot:recovered {repo}#{number} -->"
BASELINE_LINE = (
    "**Baseline:** {baseline} before this pull request, {value} after it; perfbot closes "
    "this issue when a later merged pull request measures it within {threshold} of the "
    "baseline again."
)
TITLE_ONE = "Mitigate performance variance {id} accepted in #{number}"
MAX_TITLE = 256  # GitHub refuses longer issue titles
TITLE_MANY = "Mitigate {count} performance variances accepted in #{number}"


@dataclass(frozen=True, slots=True)
class IssueDraft:
    key: str  # the variance id, or "*" for one issue per pull request
    title: str
    body: str
    labels: tuple[str, ...]
    assignees: tuple[str, ...]
    milestone: int | None = None


@dataclass(frozen=True, slots=True)
class Tracked:
    """What an existing mitigation issue's markers say it tracks."""

    repo: str
    number: int
    key: str
    variances: tuple[str, ...]
    due: date | None
    rules: tuple[str, ...] = ()  # the rule of each variance, as recorded at sign-off
    # The pre-regression level of each measured variance (None: a rule-level variance).
    levels: tuple[Level | None, ...] = ()


@dataclass(frozen=True, slots=True)
class Level:
    """Where a measured regression started and ended, as recorded when its issue opened."""

    baseline: float
    value: float | None
    unit: str
    direction: str  # "lower" or "higher" is better
    threshold: float

    def holds(self, reading: Reading) -> bool:
        """Is ``reading`` back within the threshold of the baseline (direction-aware)?"""
        if reading.unit != self.unit or not math.isfinite(reading.value):
            return False
        if self.direction == "higher":
            return reading.value >= self.baseline * (1.0 - self.threshold)
        return reading.value <= self.baseline * (1.0 + self.threshold)


@dataclass(frozen=True, slots=True)
class Recovery:
    """A tracked variance back in bounds, and the evidence (None for a rule-level one)."""

    variance: str
    level: Level | None = None
    reading: Reading | None = None


def drafts(
    state: ReviewState, settings: MitigationSettings, repo: str, number: int, pr_url: str
) -> tuple[IssueDraft, ...]:
    """The issues a merge of this pull request owes: one per accepted variance, or one."""
    variances = {v.id: v for v in state.variances}
    accepted = [(s, variances[s.variance]) for s in state.signoffs if s.variance in variances]
    if not accepted:
        return ()
    if settings.grouping is IssueGrouping.PER_PR:
        return (_draft("*", accepted, settings, repo, number, pr_url),)
    return tuple(_draft(s.variance, [(s, v)], settings, repo, number, pr_url)
                 for s, v in accepted)


def tracked(body: str | None) -> Tracked | None:
    found = _TRACKS.search(body or "")
    if found is None:
        return None
    due = _DUE.search(body or "")
    variances = _VARIANCE.findall(body or "")
    return Tracked(found.group(1), int(found.group(2)), found.group(3),
                   tuple(v for v, _, _ in variances),
                   _date(due.group(1)) if due else None,
                   tuple(rule or _rule_of(v) for v, rule, _ in variances),
                   tuple(_level(extra) for _, _, extra in variances))


def recovered(issue: Tracked, merged: ReviewState) -> tuple[Recovery, ...]:
    """Variances of ``issue`` that the merged pull request shows back in bounds.

    A measured variance (a benchmark regression) is back only when the merged pull
    request measured it (``merged.readings``) within its threshold of the baseline
    recorded before the regression: a pull request that did not measure it, or measured
    it still regressed, is no evidence. A rule-level variance is back when its rule
    applied and passed.
    """
    failing = {v.id for v in merged.variances}
    passed = set(merged.passed_rules)
    readings = {r.id: r for r in merged.readings}
    rules = issue.rules or tuple(_rule_of(v) for v in issue.variances)
    levels = issue.levels or (None,) * len(issue.variances)
    back = []
    for variance, rule, level in zip(issue.variances, rules, levels, strict=False):
        if level is not None:
            reading = readings.get(variance)
            if reading is not None and level.holds(reading):
                back.append(Recovery(variance, level, reading))
        elif variance not in failing and rule in passed:
            back.append(Recovery(variance))
    return tuple(back)


def recovery_comment(repo: str, number: int, pr_url: str, back: tuple[Recovery, ...],
                     check_url: str) -> str:
    names = ", ".join(escape.code(r.variance) for r in back)
    evidence = f" ([check run]({check_url}))" if check_url else ""
    lines = [RECOVERED_MARKER.format(repo=repo, number=number),
             f"Pull request [#{number}]({pr_url}) was merged with {names} back within "
             f"its threshold{evidence}. perfbot considers this variance mitigated."]
    measured = [r for r in back if r.level is not None and r.reading is not None]
    if measured:
        lines += ["", "| Variance | Baseline | Regressed to | Now | Threshold |",
                  "|---|---|---|---|---|"]
        for r in measured:
            assert r.level is not None and r.reading is not None
            lines.append(
                f"| {escape.code(r.variance).replace('|', '&#124;')} | "
                f"{quantity(r.level.baseline, r.level.unit)} | "
                f"{quantity(r.level.value, r.level.unit)} | "
                f"{quantity(r.reading.value, r.reading.unit)} | "
                f"{r.level.threshold:.1%} ({r.level.direction} is better) |")
    return "\n".join(lines)


def quantity(value: float | None, unit: str) -> str:
    return units.shown(value, unit, escape.inline)


def links_comment(issues: list[tuple[str, int, str]]) -> str:
    lines = [LINKS_MARKER, "perfbot opened issues to track the accepted variances' mitigation:"]
    lines += [f"- {escape.code(key) if key != '*' else 'all variances'}: #{n} ({url})"
              for key, n, url in issues]
    return "\n".join(lines)


def _level_marker(v: VarianceRecord) -> str:
    """`` baseline=… value=… …`` for a measured variance's marker; "" for a rule-level one."""
    if v.baseline is None or not math.isfinite(v.baseline):
        return ""
    value = "" if v.value is None else repr(v.value)
    return (f" baseline={v.baseline!r} value={value} unit={quote(v.unit, safe='/')} "
            f"direction={v.direction or 'lower'} threshold={v.threshold or 0.0!r}")


def _level(extra: str) -> Level | None:
    found = dict(_FIELD.findall(extra))
    try:
        baseline = float(found["baseline"])
        value = float(found["value"]) if found.get("value") else None
        threshold = float(found.get("threshold") or 0.0)
    except (KeyError, ValueError):
        return None
    if not math.isfinite(baseline) or not math.isfinite(threshold):
        return None
    direction = "higher" if found.get("direction") == "higher" else "lower"
    return Level(baseline, value, unquote(found.get("unit", "")), direction, threshold)


def _date(text: str) -> date | None:
    """A due date from an issue's marker; None if someone edited it into no real day."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def _fit(key: str, rest: str) -> str:
    """``key`` clipped so the title fits GitHub's 256 characters (the body keeps it whole)."""
    room = MAX_TITLE - len(rest)
    return key if len(key) <= room else key[: room - 1] + "…"


def _rule_of(variance: str) -> str:
    # For issues whose markers name no rule: "<rule>:<name>", or the rule id itself.
    return variance.split(":", 1)[0]


def _draft(key: str, accepted: list[tuple[SignOffRecord, VarianceRecord]],
           settings: MitigationSettings, repo: str, number: int, pr_url: str) -> IssueDraft:
    title = (TITLE_ONE.format(id=_fit(key, TITLE_ONE.format(id="", number=number)), number=number)
             if key != "*" else TITLE_MANY.format(count=len(accepted), number=number))
    lines = [f"Pull request [{repo}#{number}]({pr_url}) was merged with performance "
             "variances that reviewers accepted on condition of a mitigation plan.", ""]
    owners: list[str] = []
    dues: list[str] = []
    for s, v in accepted:
        # A measured variance's summary already says by how much ("regressed +30.1%").
        size = percent(v.magnitude) if v.magnitude is not None else ""
        size = f" by {size}" if size and size not in v.summary else ""
        lines += [f"### {escape.code(v.id)}", "",
                  f"**What regressed:** {escape.inline(v.summary)}{size}", "",
                  f"**Accepted by** {escape.login(s.by)} on {s.at[:10]} at `{s.head_sha[:7]}`.",
                  "", "**Reason**", "", escape.block(s.reason), "",
                  "**Mitigation plan**", "", escape.block(s.mitigation), ""]
        if s.owner:
            lines.append(f"**Owner:** {escape.login(s.owner)}")
            owners.append(s.owner)
        if s.due:
            lines.append(f"**Due:** {s.due}")
            dues.append(s.due)
        if v.baseline is not None:
            lines += [BASELINE_LINE.format(
                baseline=quantity(v.baseline, v.unit), value=quantity(v.value, v.unit),
                threshold=f"{v.threshold or 0.0:.1%}"), ""]
        lines.append(f"<!-- perfbot:variance {v.id} rule={v.rule}{_level_marker(v)} -->")
        lines.append("")
    if dues:
        lines.append(f"<!-- perfbot:due {min(dues)} -->")
    lines.append(f"<!-- perfbot:mitigation {repo}#{number} {key} -->")
    users = [o.lstrip("@") for o in owners if "/" not in o]
    assignees = tuple(dict.fromkeys(users)) or tuple(a.lstrip("@") for a in settings.assignees)
    return IssueDraft(key, title, "\n".join(lines), settings.labels, assignees[:10],
                      settings.milestone)
