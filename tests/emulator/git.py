"""Just enough git: content-addressed blobs, snapshot commits and merge bases.

Blob shas are real git blob ids so a bot comparing `sha` fields against `git hash-object`
output gets the same answer as on GitHub. Commit shas are unique but not git-compatible.
"""

from __future__ import annotations

import hashlib
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field

Tree = dict[str, bytes]


def blob_sha(data: bytes) -> str:
    """The git object id of a blob with this content."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data, usedforsecurity=False).hexdigest()


def tree_sha(tree: Mapping[str, bytes]) -> str:
    """A stable id for a whole snapshot (not git's tree encoding, which needs subtrees)."""
    h = hashlib.sha1(b"tree", usedforsecurity=False)
    for path in sorted(tree):
        h.update(path.encode() + b"\0" + blob_sha(tree[path]).encode())
    return h.hexdigest()


def is_binary(data: bytes) -> bool:
    """GitHub treats NUL bytes or non-UTF-8 content as binary and omits its patch."""
    if b"\0" in data:
        return True
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return True
    return False


@dataclass(frozen=True)
class Commit:
    """An immutable full snapshot of the repository, as a commit sees it."""

    sha: str
    parents: tuple[str, ...]
    tree: Tree = field(repr=False)
    message: str
    author: str
    date: str


def ancestors(commits: Mapping[str, Commit], sha: str) -> list[str]:
    """All commits reachable from `sha`, nearest first (breadth-first)."""
    seen: dict[str, None] = {}
    queue = deque([sha])
    while queue:
        cur = queue.popleft()
        if cur in seen:
            continue
        seen[cur] = None
        queue.extend(commits[cur].parents)
    return list(seen)


def merge_base(commits: Mapping[str, Commit], a: str, b: str) -> str | None:
    """The nearest common ancestor of `a` and `b`, as GitHub diffs a pull request from it."""
    reachable = set(ancestors(commits, a))
    return next((sha for sha in ancestors(commits, b) if sha in reachable), None)


def commits_between(commits: Mapping[str, Commit], base: str, head: str) -> list[str]:
    """Commits reachable from `head` but not `base`, oldest first (GitHub's PR commit order)."""
    excluded = set(ancestors(commits, base))
    return [sha for sha in reversed(ancestors(commits, head)) if sha not in excluded]
