"""The ``review`` section of performance.yml: checklist, who may sign off, mitigation issues.

Manual checklist items are plain strings, ``"<id>: <text>"``, listed under their stage;
``required`` names the ids that must be ticked for the check to pass, and ``only_for``
(``"<id>: <glob>"``, repeatable) limits an item to changes touching matching paths.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.core.binding import Count, Globs, Login, Team, Text


class Permission(StrEnum):
    """Repository roles, weakest first (GitHub's ``role_name``)."""

    READ = "read"
    TRIAGE = "triage"
    WRITE = "write"
    MAINTAIN = "maintain"
    ADMIN = "admin"

    @property
    def rank(self) -> int:
        return list(Permission).index(self)


class OutOfScopeComment(StrEnum):
    NONE = "none"
    ONE_LINE = "one-line"


class IssueGrouping(StrEnum):
    PER_VARIANCE = "per-variance"
    PER_PR = "per-pr"


@dataclass(frozen=True, slots=True)
class ChecklistSettings:
    planning: tuple[str, ...] = ()
    """Manual items for the planning stage, each `"<id>: <text>"`."""
    design: tuple[str, ...] = ()
    """Manual items for the design stage, each `"<id>: <text>"`."""
    implementation: tuple[str, ...] = ()
    """Manual items for the implementation stage, each `"<id>: <text>"`."""
    testing: tuple[str, ...] = ()
    """Manual items for the testing stage, each `"<id>: <text>"`."""
    launch: tuple[str, ...] = ()
    """Manual items for the launch stage, each `"<id>: <text>"`."""
    improvement: tuple[str, ...] = ()
    """Manual items for continuous improvement, each `"<id>: <text>"`."""
    required: tuple[str, ...] = ()
    """Ids of manual items that must be ticked, by someone who may sign off, for the check to pass."""  # noqa: E501
    only_for: tuple[str, ...] = ()
    """`"<id>: <glob>"`: show that item only on PRs changing matching paths (repeatable)."""


@dataclass(frozen=True, slots=True)
class SignoffSettings:
    users: tuple[Login, ...] = ()
    """Logins who may sign off variances and tick required items."""
    teams: tuple[Team, ...] = ()
    """Teams whose members may, as `org/team` or `@org/team`."""
    permission: Permission = Permission.MAINTAIN
    """Anyone with at least this repository permission may, too."""
    allow_author_signoff: bool = False
    """Whether a PR's author may sign off its own variances."""
    invalidate_on_worse: bool = True
    """A later push that makes a signed-off variance worse voids the sign-off."""


@dataclass(frozen=True, slots=True)
class MitigationSettings:
    enabled: bool = True
    """Open mitigation issues when a PR with signed-off variances merges."""
    grouping: IssueGrouping = IssueGrouping.PER_VARIANCE
    """One issue per signed-off variance, or one per merged PR."""
    labels: tuple[str, ...] = ("performance-mitigation",)
    """Labels of mitigation issues; perfbot also finds its issues by them."""
    assignees: tuple[Login, ...] = ()
    """Assignees when a sign-off names no owner."""
    milestone: Count | None = None
    """Milestone number for mitigation issues."""
    close_on_recovery: bool = True
    """Close the issue, with the evidence, once a later merged PR recovers the variance."""


@dataclass(frozen=True, slots=True)
class SweepSettings:
    reminder_days: Count = 7
    """Remind an overdue mitigation issue at most once per this many days."""
    temporary_marker: Text = "perf-temp: remove by"
    """Marks temporary instrumentation in code, followed by a date (YYYY-MM-DD)."""
    temporary_paths: Globs = ()
    """Where the sweep looks for markers (empty: source-like files)."""
    temporary_labels: tuple[str, ...] = ("performance-instrumentation",)
    """Labels of issues opened for expired temporary instrumentation."""


@dataclass(frozen=True, slots=True)
class ReviewSettings:
    checklist: ChecklistSettings = ChecklistSettings()
    """Manual checklist items for reviewers."""
    out_of_scope_comment: OutOfScopeComment = OutOfScopeComment.NONE
    """On a PR no rule applies to: no comment, or a one-line one."""
    signoff: SignoffSettings = SignoffSettings()
    """Who may sign off variances (and tick required items)."""
    mitigation: MitigationSettings = MitigationSettings()
    """Issues that track signed-off variances after merge."""
    sweep: SweepSettings = SweepSettings()
    """The periodic sweep: reminders and expired temporary instrumentation."""
