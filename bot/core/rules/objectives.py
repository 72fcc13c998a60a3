"""Planning stage: a change knows which performance objectives it puts at stake, and whose.

The objectives file (see ``bot.core.objectives``) maps critical user journeys to the
code they run through. A PR touching that code is shown the journeys' targets and
owners, so the right people review it against the right numbers. A file that is
required but missing, or that does not parse, fails with its problems at their lines.
"""

from __future__ import annotations

from dataclasses import dataclass

# ``rules`` is still importing its rules when this module loads: use it at call time only.
from bot.core import objectives as objectives_file
from bot.core.binding import RepoPath
from bot.core.facts import FileStatus, PullRequest, Wants
from bot.core.results import Finding, Outcome, RuleResult, Severity, Stage
from bot.core.rules.common import DISABLED, Reporter
from bot.core.rules.scope import Scope, match

ID = "objectives"
TITLE = "Objectives and owners"
STAGE = Stage.PLANNING

MISSING = "There is no objectives file `{file}`, and the configuration requires one."
MISSING_FIX = (
    "Add `{file}` listing the critical user journeys, each with `name`, `sli`, "
    "`targets` (e.g. `p95 latency <= 250ms`), `paths` and `owners` (users or `@org/team`)."
)
UNREADABLE = "perfbot could not read the objectives file `{file}`: {why}."
UNREADABLE_FIX = "Keep `{file}` a UTF-8 YAML file of at most 1 MB."
MALFORMED = "The objectives file `{file}` has {count} problem{s}."
MALFORMED_FIX = "Fix `{file}` at the annotated lines; each annotation says what it expects."
AT_STAKE = "This PR touches {count} journey{s}: {journeys}."
NONE_AT_STAKE = "This PR touches none of the {count} journeys in `{file}`."
VALID = "`{file}` is valid: {count} journey{s}."
OUT_OF_SCOPE = "No path or label in this change brings it in scope."
ABSENT = "No objectives file `{file}`; set `required: true` to ask for one."


@dataclass(frozen=True, slots=True)
class Settings:
    # Off unless a team turns it on: reading the file costs a GitHub request per push.
    enabled: bool = False
    severity: Severity = Severity.FAILURE
    when: Scope = Scope(paths=("**",))
    file: RepoPath = objectives_file.DEFAULT_PATH
    """Where the objectives live: journeys, SLIs, targets, paths and owners."""
    required: bool = False
    """`true`: a missing objectives file fails the rule (a malformed one always does)."""


def wants(pr: PullRequest, settings: Settings) -> Wants:
    if not settings.enabled or not _in_scope(pr, settings):
        return Wants()
    return Wants.of(head=[settings.file])


def _in_scope(pr: PullRequest, settings: Settings) -> bool:
    """In the configured scope, or changing the objectives file itself: a broken file
    must not merge whatever else the PR touches."""
    return bool(match(settings.when, pr)) or settings.file in _changed_paths(pr)


def evaluate(pr: PullRequest, settings: Settings) -> RuleResult:
    result = Reporter(ID, TITLE, STAGE, settings.severity)
    if not settings.enabled:
        return result(Outcome.SKIPPED, DISABLED)
    if not _in_scope(pr, settings):
        why = match(settings.when, pr).why_not(OUT_OF_SCOPE)
        return result(Outcome.SKIPPED, why)

    file = settings.file
    text = pr.head.text(file)
    if text is None and file in pr.head.unreadable:
        why = pr.head.unreadable[file]
        finding = Finding(file, UNREADABLE.format(file=file, why=why), settings.severity,
                          title="Objectives file unreadable")
        return result(Outcome.FAILED, UNREADABLE.format(file=file, why=why),
                      UNREADABLE_FIX.format(file=file), finding)
    if text is None:
        if settings.required:
            return result(Outcome.FAILED, MISSING.format(file=file), MISSING_FIX.format(file=file))
        return result(Outcome.SKIPPED, ABSENT.format(file=file))

    objectives, problems = objectives_file.parse(text, file)
    if problems:
        findings = tuple(
            p.finding(file, settings.severity, "Invalid objectives file") for p in problems
        )
        count = len(problems)
        reason = MALFORMED.format(file=file, count=count, s=_s(count))
        return result(Outcome.FAILED, reason, MALFORMED_FIX.format(file=file), *findings)

    changed = _changed_paths(pr)
    stake = objectives.at_stake(changed)
    count = len(objectives.journeys)
    if not stake:
        if file in changed:
            return result(Outcome.PASSED, VALID.format(file=file, count=count, s=_s(count)))
        return result(Outcome.SKIPPED, NONE_AT_STAKE.format(file=file, count=count))
    shown = "; ".join(f"**{j.name}** (owners {_owners(j)})" for j, _ in stake)
    reason = AT_STAKE.format(count=len(stake), s=_s(len(stake)), journeys=shown)
    return result(Outcome.PASSED, reason, details=_table(stake))


def _changed_paths(pr: PullRequest) -> list[str]:
    """Every path the change touches, including where renamed files came from."""
    paths = [f.path for f in pr.files]
    paths += [f.previous_path for f in pr.files
              if f.previous_path and f.status is FileStatus.RENAMED]
    return paths


def _table(stake: tuple[tuple[objectives_file.Journey, tuple[str, ...]], ...]) -> str:
    lines = ["| Journey | SLI | Targets | Owners | Changed here |", "|---|---|---|---|---|"]
    for journey, paths in stake:
        targets = "<br>".join(f"`{t.describe()}`" for t in journey.targets)
        shown = "<br>".join(f"`{p}`" for p in paths[:5])
        if len(paths) > 5:
            shown += f"<br>and {len(paths) - 5} more"
        cells = (journey.name, journey.sli or "", targets, _owners(journey), shown)
        # One line per row: a multi-line value (``sli: |``) would end the table early.
        lines.append("| " + " | ".join(" ".join(c.split()).replace("|", "\\|") for c in cells)
                     + " |")
    return "\n".join(lines)


def _owners(journey: objectives_file.Journey) -> str:
    return ", ".join(journey.owners) or "none listed"


def _s(count: int) -> str:
    return "" if count == 1 else "s"
