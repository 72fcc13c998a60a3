"""File-level changes between two snapshots, with patches shaped like GitHub's `patch` field."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from difflib import SequenceMatcher

from .git import is_binary

CONTEXT = 3
# GitHub drops `patch` for files whose diff is too large to render; bots must cope without it.
MAX_PATCH_BYTES = 400_000
MAX_PATCH_LINES = 20_000
NO_NEWLINE = "\\ No newline at end of file"


@dataclass(frozen=True)
class FileChange:
    """One entry of a compare/pull-request file list."""

    filename: str
    status: str  # added | removed | modified | renamed
    old: bytes | None
    new: bytes | None
    additions: int
    deletions: int
    patch: str | None
    previous_filename: str | None = None


def _lines(text: str) -> list[str]:
    """Split on "\\n" only (as git does), keeping terminators; the last line may lack one."""
    parts = text.split("\n")
    lines = [p + "\n" for p in parts[:-1]]
    if parts[-1]:
        lines.append(parts[-1])
    return lines


def _range(start: int, length: int) -> str:
    if length == 1:
        return str(start + 1)
    return f"{start if length == 0 else start + 1},{length}"


def _funcname(lines: list[str], before: int) -> str:
    """git's default hunk-header context: the nearest earlier line starting with [A-Za-z_$]."""
    for line in reversed(lines[:before]):
        if line[:1].isalpha() or line[:1] in "_$":
            return " " + line.rstrip()[:80]
    return ""


def _script(a: list[str], b: list[str]) -> list[tuple[str, str]]:
    """A line edit script (" ", "-", "+"), with pure runs slid down as git's compaction does.

    Where repeated lines make several diffs equally small, git reports the change at the
    last possible position; difflib picks the first. Sliding keeps patches like GitHub's.
    """
    ops: list[tuple[str, str]] = []
    for tag, a1, a2, b1, b2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            ops.extend((" ", line) for line in a[a1:a2])
        else:
            ops.extend(("-", line) for line in a[a1:a2])
            ops.extend(("+", line) for line in b[b1:b2])
    i = 0
    while i < len(ops):
        kind = ops[i][0]
        if kind == " ":
            i += 1
            continue
        end = i
        while end < len(ops) and ops[end][0] == kind:
            end += 1
        # A pure run can move past an equal line identical to its own first line.
        pure = (i == 0 or ops[i - 1][0] == " ") and end < len(ops) and ops[end][0] == " "
        if pure and ops[end][1] == ops[i][1]:
            ops[i], ops[end] = ops[end], ops[i]  # same text, so this rotates the run
            continue
        i = end
    return ops


def unified(old: str, new: str) -> tuple[str, int, int]:
    """Hunks only (no ---/+++ header), 3 lines of context, as GitHub returns them."""
    a = _lines(old)
    ops = _script(a, _lines(new))
    changed = [k for k, (kind, _) in enumerate(ops) if kind != " "]
    olds, news = [0], [0]  # lines of each side before ops[k]
    for kind, _ in ops:
        olds.append(olds[-1] + (kind != "+"))
        news.append(news[-1] + (kind != "-"))
    out: list[str] = []
    start = 0
    while start < len(changed):  # group changes closer than 2*CONTEXT into one hunk
        end = start
        while end + 1 < len(changed) and changed[end + 1] - changed[end] <= 2 * CONTEXT + 1:
            end += 1
        lo, hi = max(changed[start] - CONTEXT, 0), min(changed[end] + CONTEXT + 1, len(ops))
        old_at, new_at = olds[lo], news[lo]
        out.append(f"@@ -{_range(old_at, olds[hi] - old_at)} +{_range(new_at, news[hi] - new_at)}"
                   f" @@{_funcname(a, old_at)}")
        for kind, line in ops[lo:hi]:
            out.append(kind + line.removesuffix("\n"))
            if not line.endswith("\n"):
                out.append(NO_NEWLINE)
        start = end + 1
    return "\n".join(out), _count(ops, "+"), _count(ops, "-")


def _count(ops: list[tuple[str, str]], kind: str) -> int:
    return sum(1 for k, _ in ops if k == kind)


def _change(path: str, status: str, old: bytes | None, new: bytes | None,
            previous: str | None = None) -> FileChange:
    if any(is_binary(x) for x in (old, new) if x is not None):
        return FileChange(path, status, old, new, 0, 0, None, previous)
    patch, adds, dels = unified((old or b"").decode(), (new or b"").decode())
    if len(patch) > MAX_PATCH_BYTES or patch.count("\n") >= MAX_PATCH_LINES:
        return FileChange(path, status, old, new, adds, dels, None, previous)
    return FileChange(path, status, old, new, adds, dels, patch or None, previous)


def changes(old: Mapping[str, bytes], new: Mapping[str, bytes]) -> list[FileChange]:
    """What changed from `old` to `new`, sorted by filename; exact-content moves are renames."""
    removed = sorted(p for p in old if p not in new)
    added = [p for p in sorted(new) if p not in old]
    out: list[FileChange] = []
    for path in removed:
        target = next((p for p in added if old[path] and new[p] == old[path]), None)
        if target is None:
            out.append(_change(path, "removed", old[path], None))
        else:
            added.remove(target)
            out.append(FileChange(target, "renamed", old[path], new[target], 0, 0, None, path))
    out.extend(_change(p, "added", None, new[p]) for p in added)
    out.extend(_change(p, "modified", old[p], new[p])
               for p in new if p in old and old[p] != new[p])
    return sorted(out, key=lambda c: c.filename)
