"""The ``review`` section of performance.yml: checklist, who may sign off, mitigation issues.

Manual checklist items are plain strings, ``"<id>: <text>"``, listed under their stage;
``required`` names the ids that must be ticked for the check to pass, and ``only_for``
(``"<id>: <glob>"``, repeatable) limits an item to changes touching matching paths.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.core.binding import Globs


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
    design: tuple[str, ...] = ()
    implementation: tuple[str, ...] = ()
    testing: tuple[str, ...] = ()
    launch: tuple[str, ...] = ()
    improvement: tuple[str, ...] = ()
    required: tuple[str, ...] = ()
    only_for: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class SignoffSettings:
    users: tuple[str, ...] = ()
    teams: tuple[str, ...] = ()  # "org/team" or "@org/team"
    permission: Permission = Permission.MAINTAIN
    allow_author_signoff: bool = False
    invalidate_on_worse: bool = True


@dataclass(frozen=True, slots=True)
class MitigationSettings:
    enabled: bool = True
    grouping: IssueGrouping = IssueGrouping.PER_VARIANCE
    labels: tuple[str, ...] = ("performance-mitigation",)
    assignees: tuple[str, ...] = ()
    milestone: int | None = None
    close_on_recovery: bool = True


@dataclass(frozen=True, slots=True)
class SweepSettings:
    reminder_days: int = 7
    temporary_marker: str = "perf-temp: remove by"
    temporary_paths: Globs = ()
    temporary_labels: tuple[str, ...] = ("performance-instrumentation",)


@dataclass(frozen=True, slots=True)
class ReviewSettings:
    checklist: ChecklistSettings = ChecklistSettings()
    out_of_scope_comment: OutOfScopeComment = OutOfScopeComment.NONE
    signoff: SignoffSettings = SignoffSettings()
    mitigation: MitigationSettings = MitigationSettings()
    sweep: SweepSettings = SweepSettings()
