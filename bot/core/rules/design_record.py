"""Design stage: a change to architecture-significant code carries a design record.

The record (an ADR or RFC) is where a team writes down the performance
trade-offs it weighed; the rule asks for one to be added, changed or linked.
With ``required_sections`` (and ``required_status``) it also reads each record as it
stands at the PR's head, changed ones and ones linked by path, and holds it to the
team's template: a record without a Performance section weighed nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# ``rules`` is still importing its rules when this module loads: use it at call time only.
from bot.core import markdown, patterns
from bot.core.binding import Globs, Regexes
from bot.core.facts import FileStatus, PullRequest, Wants
from bot.core.globs import matching
from bot.core.results import Finding, Outcome, RuleResult, Severity, Stage
from bot.core.rules import sources
from bot.core.rules.common import Reporter, scoped
from bot.core.rules.scope import Scope, match, on_first_change

ID = "design_record"
REQUIRED_TITLE = "Design record required"
TITLE = "Design record"
STAGE = Stage.DESIGN

NO_RECORD = "This PR {scope} but adds or changes no design record."
NO_RECORD_FIX = (
    "Add or update a design record under {where} that weighs the performance "
    "trade-offs of this change, or link an existing record in the PR description "
    "(for example `ADR-0012` or a path under docs/adr/)."
)
SLOW_LINK = "The link pattern {pattern!r} took too long on the PR description."
SLOW_LINK_FIX = "Simplify `link_patterns` in the configuration (nested repetition is slow)."
UNCHECKABLE = (
    "The description links {links}, but the record's sections can only be checked when it is "
    "linked by path."
)
UNCHECKABLE_FIX = "Link the record by its path in the PR description, e.g. `{example}`."
MISSING_SECTIONS = "`{path}` has no {sections} section{s}."
MISSING_SECTIONS_FIX = "Add {headings} to `{path}`, weighing this change's performance."
MISSING_STATUS = "`{path}` does not have the required status (one of {patterns} must match)."
MISSING_STATUS_FIX = "Set the record's status once it is agreed, e.g. `Status: Accepted`."
NO_SUCH_RECORD = "The description links `{path}`, which does not exist at the PR's head."
UNREADABLE_RECORD = "perfbot could not read `{path}`: {why}."
INCOMPLETE = "{count} design record{s} fall{v} short of the template: {problems}"
COMPLETE = "Design record{s} {records} {has} every required section{status}."

_STATUS_LINE = re.compile(r"^\W*status\b", re.IGNORECASE)
_LINK_SUFFIX = re.compile(r"\.[A-Za-z0-9]{1,8}$")

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
    # A test, example or doc under `api/` changes no interface: `api/client_test.go`.
    *(f"!{glob}" for glob in sources.TESTS + sources.NOT_SERVED),
)


@dataclass(frozen=True, slots=True)
class Settings:
    enabled: bool = True
    severity: Severity = Severity.FAILURE
    when: Scope = Scope(paths=SIGNIFICANT_PATHS, labels=("architecture",))
    record_paths: Globs = ("docs/adr/**", "docs/rfcs/**")
    """Where design records live; adding or changing one satisfies the rule."""
    link_patterns: Regexes = (
        r"(?i)\bADR[- ]?\d+\b",
        r"(?i)\bRFC[- ]?\d+\b",
        r"(?i)\bdocs/(?:adr|rfcs)/\S+\.md\b",
    )
    """Or a match of one of these in the PR description links an existing record."""
    # Headings every record must have (case-insensitive; "## 4. Performance impact" counts
    # as "Performance"), read at the PR's head. Empty: any record will do.
    required_sections: tuple[str, ...] = ()
    """Headings every record must have (Markdown, case-insensitive, at the head)."""
    # Patterns one of which the record must match, e.g. '(?im)^\W*status:\W*accepted'.
    required_status: Regexes = ()
    """Regexes; one must match the record (e.g. a MADR `Status: Accepted`)."""


def wants(pr: PullRequest, settings: Settings) -> Wants:
    """The records to hold to the template: changed ones, and ones the description links."""
    if not settings.enabled or not _reads_records(settings) or not match(settings.when, pr):
        return Wants()
    try:
        linked = _linked_paths(_links(pr.body, settings.link_patterns))
    except patterns.SlowPattern:
        linked = []
    return Wants.of(head=[*_changed_records(pr, settings), *linked])


def evaluate(pr: PullRequest, settings: Settings) -> RuleResult:
    result = Reporter(ID, TITLE, STAGE, settings.severity)
    scope = scoped(result, settings.enabled, settings.when, pr,
                   "No architecture-significant path or label in this change.")
    if isinstance(scope, RuleResult):
        return scope

    records = _changed_records(pr, settings)
    try:
        links = _links(pr.body, settings.link_patterns)
    except patterns.SlowPattern as slow:
        return result(Outcome.FAILED, SLOW_LINK.format(pattern=slow.pattern), SLOW_LINK_FIX)
    if not records and not links:
        where = ", ".join(_code(p.rstrip("*").rstrip("/") or p) for p in settings.record_paths)
        reason = NO_RECORD.format(scope=scope.describe())
        fix = NO_RECORD_FIX.format(where=where)
        return result(Outcome.FAILED, reason, fix, *on_first_change(
            pr, scope, settings.severity, REQUIRED_TITLE, f"{reason}\n{fix}"))
    if not _reads_records(settings):
        if records:
            return result(Outcome.PASSED, f"Design record {_code(records[0])} changed in this PR.")
        return result(Outcome.PASSED, f"The description links the design record {_code(links[0])}.")

    candidates = list(dict.fromkeys([*records, *_linked_paths(links)]))
    if not candidates:
        shown = ", ".join(_code(link) for link in links[:3])
        example = (settings.record_paths[0].rstrip("*").rstrip("/") or "docs/adr") + "/0012-x.md"
        reason = UNCHECKABLE.format(links=shown)
        fix = UNCHECKABLE_FIX.format(example=example)
        return result(Outcome.FAILED, reason, fix, *on_first_change(
            pr, scope, settings.severity, REQUIRED_TITLE, f"{reason}\n{fix}"))
    problems: list[str] = []
    fixes: list[str] = []
    findings: list[Finding] = []
    short = [path for path in candidates
             if _check_record(pr, path, settings, problems, fixes, findings)]
    if short:
        count = len(short)
        reason = INCOMPLETE.format(count=count, s=_s(count), v="s" if count == 1 else "",
                                   problems=" ".join(problems))
        return result(Outcome.FAILED, reason, " ".join(dict.fromkeys(fixes)), *findings)
    status = " and the required status" if settings.required_status else ""
    shown = ", ".join(_code(p) for p in candidates)
    reason = COMPLETE.format(s=_s(len(candidates)), records=shown,
                             has="has" if len(candidates) == 1 else "have", status=status)
    if not settings.required_sections:
        reason = f"Design record{_s(len(candidates))} {shown}: status as required."
    return result(Outcome.PASSED, reason)


def _check_record(
    pr: PullRequest,
    path: str,
    settings: Settings,
    problems: list[str],
    fixes: list[str],
    findings: list[Finding],
) -> bool:
    """Hold one record, as it stands at the head, to the required sections and status;
    True when it falls short (what and how to fix are appended to the lists)."""
    before = len(problems)
    text = pr.head.text(path)
    if text is None:
        why = pr.head.unreadable.get(path)
        if why:
            problems.append(UNREADABLE_RECORD.format(path=path, why=why))
            fixes.append("Keep design records as UTF-8 Markdown.")
        else:
            problems.append(NO_SUCH_RECORD.format(path=path))
            fixes.append("Correct the record's path in the PR description.")
        return True
    found = markdown.headings(text)
    anchor = found[0].line if found else 1
    missing = [
        name for name in settings.required_sections
        if not any(markdown.names(heading, name) for heading in found)
    ]
    if missing:
        sections = _and([f"`{name}`" for name in missing])
        headings = _and([f"`## {name}`" for name in missing])
        problem = MISSING_SECTIONS.format(path=path, sections=sections, s=_s(len(missing)))
        fix = MISSING_SECTIONS_FIX.format(headings=headings, path=path)
        problems.append(problem)
        fixes.append(fix)
        findings.append(Finding(path, f"{problem}\n{fix}", settings.severity,
                                start_line=anchor, title="Design record incomplete"))
    if settings.required_status:
        try:
            status = patterns.first(settings.required_status, text)
        except patterns.SlowPattern as slow:
            problems.append(f"The status pattern {slow.pattern!r} took too long on `{path}`.")
            fixes.append("Simplify `required_status` in the configuration.")
            return True
        if status is None:
            shown = ", ".join(f"`{p}`" for p in settings.required_status)
            problem = MISSING_STATUS.format(path=path, patterns=shown)
            problems.append(problem)
            fixes.append(MISSING_STATUS_FIX)
            line = next((i + 1 for i, row in enumerate(text.split("\n"))
                         if _STATUS_LINE.match(row)), anchor)
            findings.append(Finding(path, f"{problem}\n{MISSING_STATUS_FIX}", settings.severity,
                                    start_line=line, title="Design record not accepted"))
    return len(problems) > before


def _reads_records(settings: Settings) -> bool:
    return bool(settings.required_sections or settings.required_status)


def _changed_records(pr: PullRequest, settings: Settings) -> list[str]:
    present = [f.path for f in pr.files if f.status is not FileStatus.REMOVED]
    return matching(settings.record_paths, present)


def _links(body: str, link_patterns: tuple[str, ...]) -> list[str]:
    """Every match of every link pattern in the description, in order, once each."""
    found: list[str] = []
    for pattern in link_patterns:
        try:
            matches = patterns.compiled(pattern).finditer(body or "", timeout=patterns.TIMEOUT)
            found += [m.group(0) for m in matches]
        except TimeoutError:
            raise patterns.SlowPattern(pattern) from None
    return list(dict.fromkeys(found))


def _linked_paths(links: list[str]) -> list[str]:
    """The links that name a file (``docs/adr/0003-queue.md``), as repository paths."""
    paths = []
    for link in links:
        path = link.strip().strip("<>()[]\"'`").removeprefix("./").lstrip("/")
        if "/" in path and "://" not in path and not any(c.isspace() for c in path) and \
                _LINK_SUFFIX.search(path):
            paths.append(path)
    return list(dict.fromkeys(paths))


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _s(count: int) -> str:
    return "" if count == 1 else "s"


def _code(text: str) -> str:
    return f"`{text}`"
