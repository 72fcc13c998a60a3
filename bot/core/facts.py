"""What the core knows of a change: the same shape whether it came from GitHub or from git."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class FileStatus(StrEnum):
    ADDED = "added"
    REMOVED = "removed"
    MODIFIED = "modified"
    RENAMED = "renamed"
    COPIED = "copied"
    CHANGED = "changed"
    UNCHANGED = "unchanged"


@dataclass(frozen=True, slots=True)
class ChangedFile:
    path: str
    status: FileStatus
    additions: int = 0
    deletions: int = 0
    previous_path: str | None = None
    # Unified diff hunks as GitHub gives them (no file header). None for binary
    # files and for diffs too large for GitHub to include.
    patch: str | None = None
    binary: bool = False


@dataclass(frozen=True, slots=True)
class PullRequest:
    """A pull request, or a local change described as one."""

    head_sha: str
    base_ref: str
    title: str = ""
    body: str = ""
    number: int | None = None
    author: str = ""
    labels: frozenset[str] = frozenset()
    draft: bool = False
    files: tuple[ChangedFile, ...] = ()
    # True when GitHub's 3,000-file listing cap hid part of the change.
    files_truncated: bool = False
    total_files: int | None = None
