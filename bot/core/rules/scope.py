"""Which changes a rule looks at: paths, labels, base branches, and how much changed."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from bot.core.binding import Amount, Globs
from bot.core.diff import first_changed_line
from bot.core.facts import FileStatus, PullRequest
from bot.core.globs import matching
from bot.core.results import Finding, Severity

OTHER_BASE = "This PR targets `{base}`, which is not one of {branches}."
TOO_SMALL = (
    "This PR changes {lines:,} line{s} in scope, fewer than the {least:,} that bring it in."
)


@dataclass(frozen=True, slots=True)
class Scope:
    """A change is in scope when it touches one of ``paths`` or carries one of ``labels``,
    targets a branch ``base_branches`` selects (empty: any branch), and changes at least
    ``min_changed_lines`` lines (additions plus deletions) in the files ``paths`` select
    (every changed file when only a label brought it in; 0: any amount).
    """

    paths: Globs = ()
    labels: tuple[str, ...] = ()
    base_branches: Globs = ()
    min_changed_lines: Amount = 0


@dataclass(frozen=True, slots=True)
class ScopeMatch:
    paths: tuple[str, ...]
    labels: tuple[str, ...]
    # Lines added and deleted in the files in scope, when the scope sets a minimum.
    changed_lines: int | None = None
    # The base branch, when the scope names the branches it applies to.
    base_ref: str | None = None
    # Why a change that touched paths or labels is still out of scope, if it is.
    excluded: str = ""

    def __bool__(self) -> bool:
        return bool(self.paths or self.labels) and not self.excluded

    def describe(self) -> str:
        parts = []
        if self.paths:
            shown = ", ".join(f"`{p}`" for p in self.paths[:3])
            more = f" and {len(self.paths) - 3} more" if len(self.paths) > 3 else ""
            size = f" ({self.changed_lines:,} changed lines)" if self.changed_lines else ""
            parts.append(f"changes {shown}{more}{size}")
        if self.labels:
            parts.append("is labelled " + ", ".join(f"`{label}`" for label in self.labels))
        if self.base_ref:
            parts.insert(0, f"targets `{self.base_ref}`")
        if len(parts) > 2:
            return ", ".join(parts[:-1]) + " and " + parts[-1]
        return " and ".join(parts)

    def why_not(self, otherwise: str) -> str:
        """The reason a rule gives for skipping: the scope's own, else the rule's."""
        return self.excluded or otherwise


def match(scope: Scope, pr: PullRequest) -> ScopeMatch:
    paths = tuple(matching(scope.paths, (f.path for f in pr.files)))
    wanted = {label.casefold() for label in scope.labels}  # GitHub ignores a label's case
    labels = tuple(sorted(name for name in pr.labels if name.casefold() in wanted))
    found = ScopeMatch(paths=paths, labels=labels)
    if not found:
        return found
    if scope.base_branches:
        if not branch_matches(scope.base_branches, pr.base_ref):
            branches = ", ".join(f"`{b}`" for b in scope.base_branches)
            return _excluded(found, OTHER_BASE.format(base=pr.base_ref, branches=branches))
        found = ScopeMatch(paths, labels, base_ref=pr.base_ref)
    if scope.min_changed_lines > 0:
        selected = set(paths)
        counted = [f for f in pr.files if f.path in selected] if paths else list(pr.files)
        lines = sum(f.additions + f.deletions for f in counted)
        if lines < scope.min_changed_lines:
            text = TOO_SMALL.format(lines=lines, s="" if lines == 1 else "s",
                                    least=scope.min_changed_lines)
            return _excluded(found, text)
        found = ScopeMatch(paths, labels, changed_lines=lines, base_ref=found.base_ref)
    return found


def in_scope_files(scope: ScopeMatch, pr: PullRequest) -> list[str]:
    """Paths in scope that still exist at the head (removed files have nothing to read)."""
    selected = set(scope.paths)
    return [f.path for f in pr.files if f.path in selected and f.status is not FileStatus.REMOVED]


def branch_matches(patterns: tuple[str, ...], branch: str) -> bool:
    """Whether ``branch`` is selected: ``*`` stays within one ``/`` segment, ``**`` spans
    them, ``?`` is one character, and a later ``!pattern`` excludes again, as in gitignore."""
    selected = False
    for pattern in patterns:
        negated = pattern.startswith("!")
        if _glob_matches(pattern[1:] if negated else pattern, branch):
            selected = not negated
    return selected


def _glob_matches(pattern: str, text: str) -> bool:
    """``pattern`` against the whole of ``text`` in one pass over its parts: a backtracking
    regex of many ``*`` takes exponential time on a name that almost matches."""
    reach = [True] + [False] * len(text)  # which prefixes of ``text`` the parts so far match
    for part in _glob_parts(pattern):
        after = [False] * (len(text) + 1)
        if part in ("*", "**"):
            open_ = False
            for i in range(len(text) + 1):
                open_ = open_ or reach[i]
                after[i] = open_
                if part == "*" and i < len(text) and text[i] == "/":
                    open_ = False  # one "*" stays within a segment
        else:
            for i, char in enumerate(text):
                if reach[i] and (char == part or (part == "?" and char != "/")):
                    after[i + 1] = True
        reach = after
        if not any(reach):
            return False
    return reach[-1]


@lru_cache(maxsize=256)
def _glob_parts(pattern: str) -> tuple[str, ...]:
    """``**``, ``*``, ``?`` and single literal characters; runs of stars collapse."""
    parts: list[str] = []
    i = 0
    while i < len(pattern):
        if pattern.startswith("**", i):
            part, i = "**", i + 2
        else:
            part, i = pattern[i], i + 1
        if part in ("*", "**") and parts and parts[-1] in ("*", "**"):
            parts[-1] = "**" if "**" in (part, parts[-1]) else "*"
            continue
        parts.append(part)
    return tuple(parts)


def _excluded(found: ScopeMatch, reason: str) -> ScopeMatch:
    return ScopeMatch(found.paths, found.labels, excluded=reason)


def on_first_change(
    pr: PullRequest, scope: ScopeMatch, severity: Severity, title: str, message: str
) -> tuple[Finding, ...]:
    """The annotation for a rule about the change as a whole: the first in-scope file the
    PR keeps, at its first changed line (none when a label alone brought the PR in)."""
    in_scope = set(scope.paths)
    first = next(
        (f for f in pr.files if f.path in in_scope and f.status is not FileStatus.REMOVED),
        None,
    )
    if first is None:
        return ()
    return (Finding(first.path, message, severity, first_changed_line(first.patch), title=title),)
