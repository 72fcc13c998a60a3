"""What the core knows of a change: the same shape whether it came from GitHub or from git."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from bot.core.globs import matching


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
class Tree:
    """Whole files read at one commit, for rules that need more than the diff.

    A path a rule asked for is in ``texts`` (its content), in ``unreadable`` (why not:
    too large, not text), or in neither: it does not exist at that commit.
    """

    sha: str = ""
    texts: Mapping[str, str] = field(default_factory=dict)
    unreadable: Mapping[str, str] = field(default_factory=dict)
    # Why a listing the rules asked for (``Wants.listed``) may miss files; "" when whole.
    unlisted: str = ""

    def text(self, path: str) -> str | None:
        return self.texts.get(path)


class EvidenceState(StrEnum):
    """Where the wait for a CI artifact stands for the pull request's head commit."""

    READY = "ready"  # the head's results arrived (``base`` may still be missing)
    WAITING = "waiting"  # no finished run for the head commit yet
    STALE = "stale"  # only results for an older commit exist; still waiting for the head's
    TIMEOUT = "timeout"  # the head's results did not arrive within the configured time
    REFUSED = "refused"  # a run finished but its artifact is absent, too large or unsafe


@dataclass(frozen=True, slots=True)
class ArtifactEvidence:
    """Benchmark result files CI uploaded, as the App found them for one head commit.

    ``head`` and ``base`` map each file's name inside the artifact to its bytes;
    ``base`` is None when no baseline run was found (``problem``-free: a head-only verdict).
    """

    state: EvidenceState
    workflows: tuple[str, ...]
    artifact: str
    head: Mapping[str, bytes] = field(default_factory=dict)
    base: Mapping[str, bytes] | None = None
    head_sha: str = ""  # the commit the head results are for (an older one when STALE)
    base_sha: str = ""  # the commit the baseline results are for
    base_ref: str = ""
    problem: str = ""  # why REFUSED, or why there is no baseline
    deadline: str = ""  # ISO time after which a wait concludes per the config
    run_url: str = ""


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
    # Files rules asked for (see ``bot.core.rules.Wants``), read at the head and at the
    # merge base, the baseline a pull request is judged against.
    head: Tree = Tree()
    base: Tree = Tree()
    # Benchmark results CI uploaded as an artifact, when the config asks for them (App only).
    artifacts: ArtifactEvidence | None = None


@dataclass(frozen=True, slots=True)
class Wants:
    """Paths whose content a rule needs, at the head and at the merge base.

    Rules name them in ``wants``; each front reads them into ``PullRequest.head`` and
    ``PullRequest.base`` before evaluation, so rules stay pure.

    ``listed`` holds glob sets (gitignore-style, as configured) for files a rule needs
    whether or not the change touches them, such as dashboard definitions: the front
    lists the head's tree once and reads every file one of them selects, after the
    files named in ``head``, which come first whatever a read limit leaves out.
    """

    head: frozenset[str] = frozenset()
    base: frozenset[str] = frozenset()
    listed: frozenset[tuple[str, ...]] = frozenset()

    def __or__(self, other: Wants) -> Wants:
        return Wants(self.head | other.head, self.base | other.base, self.listed | other.listed)

    def selected(self, paths: Iterable[str]) -> list[str]:
        """Which of the head's ``paths`` (a tree listing) ``listed`` selects, in order,
        less those named in ``head`` already."""
        picked: set[str] = set()
        listing = [p for p in paths if p not in self.head]
        for patterns in self.listed:
            picked.update(matching(patterns, listing))
        return [p for p in listing if p in picked]

    @staticmethod
    def of(
        head: Iterable[str] = (), base: Iterable[str] = (), listed: Iterable[tuple[str, ...]] = ()
    ) -> Wants:
        return Wants(frozenset(head), frozenset(base), frozenset(listed))
