"""Mitigation issues: what a merged sign-off promised, tracked until it is kept.

Each issue carries hidden markers naming the pull request and the variances it tracks,
so a redelivered or racing ``closed`` event finds the issue instead of opening another,
and a later pull request that brings a variance back can close it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from bot.core.review import escape
from bot.core.review.settings import IssueGrouping, MitigationSettings
from bot.core.review.signoff import percent
from bot.core.review.state import ReviewState, SignOffRecord, VarianceRecord

_TRACKS = re.compile(r"<!-- perfbot:mitigation ([^\s#]+)#(\d+) (\S+) -->")
_VARIANCE = re.compile(r"<!-- perfbot:variance (\S+)(?: rule=(\S+))? -->")
_DUE = re.compile(r"<!-- perfbot:due (\d{4}-\d{2}-\d{2}) -->")
LINKS_MARKER = "<!-- perfbot:mitigation-links -->"
RECOVERED_MARKER = "<!-- perfbot:recovered {repo}#{number} -->"
TITLE_ONE = "Mitigate performance variance {id} accepted in #{number}"
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
                   tuple(v for v, _ in variances),
                   date.fromisoformat(due.group(1)) if due else None,
                   tuple(rule or _rule_of(v) for v, rule in variances))


def recovered(issue: Tracked, merged: ReviewState) -> tuple[str, ...]:
    """Variances of ``issue`` that the merged pull request's evaluation shows back in bounds.

    A variance is back when its rule applied and passed on that pull request. For a
    benchmark, that means the benchmark rule compared against the pre-regression
    baseline and found it within threshold.
    """
    failing = {v.id for v in merged.variances}
    passed = set(merged.passed_rules)
    rules = issue.rules or tuple(_rule_of(v) for v in issue.variances)
    return tuple(v for v, rule in zip(issue.variances, rules, strict=False)
                 if v not in failing and rule in passed)


def recovery_comment(repo: str, number: int, pr_url: str, variances: tuple[str, ...],
                     check_url: str) -> str:
    names = ", ".join(escape.code(v) for v in variances)
    evidence = f" ([check run]({check_url}))" if check_url else ""
    return (f"{RECOVERED_MARKER.format(repo=repo, number=number)}\n"
            f"Pull request [#{number}]({pr_url}) was merged with {names} back within "
            f"its threshold{evidence}. perfbot considers this variance mitigated.")


def links_comment(issues: list[tuple[str, int, str]]) -> str:
    lines = [LINKS_MARKER, "perfbot opened issues to track the accepted variances' mitigation:"]
    lines += [f"- {escape.code(key) if key != '*' else 'all variances'}: #{n} ({url})"
              for key, n, url in issues]
    return "\n".join(lines)


def _rule_of(variance: str) -> str:
    # For issues whose markers name no rule: "<rule>:<name>", or the rule id itself.
    return variance.split(":", 1)[0]


def _draft(key: str, accepted: list[tuple[SignOffRecord, VarianceRecord]],
           settings: MitigationSettings, repo: str, number: int, pr_url: str) -> IssueDraft:
    title = (TITLE_ONE.format(id=key, number=number) if key != "*"
             else TITLE_MANY.format(count=len(accepted), number=number))
    lines = [f"Pull request [{repo}#{number}]({pr_url}) was merged with performance "
             "variances that reviewers accepted on condition of a mitigation plan.", ""]
    owners: list[str] = []
    dues: list[str] = []
    for s, v in accepted:
        size = f" by {percent(v.magnitude)}" if v.magnitude is not None else ""
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
        lines.append(f"<!-- perfbot:variance {v.id} rule={v.rule} -->")
        lines.append("")
    if dues:
        lines.append(f"<!-- perfbot:due {min(dues)} -->")
    lines.append(f"<!-- perfbot:mitigation {repo}#{number} {key} -->")
    users = [o.lstrip("@") for o in owners if "/" not in o]
    assignees = tuple(dict.fromkeys(users)) or tuple(a.lstrip("@") for a in settings.assignees)
    return IssueDraft(key, title, "\n".join(lines), settings.labels, assignees[:10],
                      settings.milestone)
