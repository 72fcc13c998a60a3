"""``extends:``: a config built on another repository's file, overridden key by key.

A repository's ``.github/performance.yml`` may name a file to start from::

    extends: org                                  # the organisation's .github repository
    extends: octo-org/standards                   # that repository's .github/performance.yml
    extends: octo-org/standards:perf/base.yml     # another path in it
    extends: octo-org/standards:perf/base.yml@v2  # at a branch or tag (default branch otherwise)

The repository's own settings win key by key: mappings merge, anything else
(lists included) is replaced. One level only, so what applies is always two files
a reader can open side by side. Pure: the fronts fetch, this module merges.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import regex

from bot.core.yamldoc import Document, KeyPath, Position

ORG = "org"
ORG_REPO = ".github"
DEFAULT_PATH = ".github/performance.yml"
SYNTAX = "org, OWNER/REPO, OWNER/REPO:PATH, or either of the last two with @REF"

_REFERENCE = regex.compile(
    r"(?P<repo>[A-Za-z0-9-]+/[A-Za-z0-9._-]+)(?::(?P<path>[^@\s:]+))?(?:@(?P<ref>[^\s@]+))?"
)


@dataclass(frozen=True, slots=True)
class Reference:
    """A config file in some repository, at a ref (None: its default branch)."""

    repo: str
    path: str = DEFAULT_PATH
    ref: str | None = None

    @property
    def label(self) -> str:
        return f"{self.repo}:{self.path}" + (f"@{self.ref}" if self.ref else "")

    def same_file(self, other: Reference) -> bool:
        return (self.repo.lower(), self.path.strip("/")) == (
            other.repo.lower(),
            other.path.strip("/"),
        )


def org_default(owner: str) -> Reference:
    """The organisation-wide file that applies when a repository has none."""
    return Reference(f"{owner}/{ORG_REPO}")


def parse_reference(text: str, owner: str) -> Reference:
    """``text`` as written after ``extends:``; ValueError saying the syntax if it is not."""
    text = text.strip()
    if text == ORG:
        return org_default(owner or "OWNER")
    found = _REFERENCE.fullmatch(text)
    if not found:
        raise ValueError(f"{text!r} is not a config reference; write {SYNTAX}")
    path = (found["path"] or DEFAULT_PATH).strip("/")
    if ".." in path.split("/"):
        raise ValueError(f"{text!r}: the path must not contain '..'")
    return Reference(found["repo"], path, found["ref"])


def reference_in(doc: Document, owner: str) -> Reference | None:
    """The reference a document extends, if it names a valid one (errors come later)."""
    data = doc.data
    value = data.get("extends") if isinstance(data, dict) else None
    if not isinstance(value, str):
        return None
    try:
        return parse_reference(value, owner)
    except ValueError:
        return None


def merge(parent: Document, child: Document, parent_file: str) -> Document:
    """``child`` over ``parent``; every value keeps its position and the file it came from."""
    base = parent.data if isinstance(parent.data, dict) else {}
    over = child.data if isinstance(child.data, dict) else {}
    replaced = {
        path
        for path in child.positions
        if path and not (isinstance(_at(over, path), dict) and isinstance(_at(base, path), dict))
    }

    def kept(path: KeyPath) -> bool:
        return not any(path[:n] in replaced for n in range(1, len(path) + 1))

    positions: dict[KeyPath, Position] = {}
    keys: dict[KeyPath, Position] = {}
    files: dict[KeyPath, str] = {}
    for path, where in parent.positions.items():
        if kept(path):
            positions[path] = where
            files[path] = parent.file(path) or parent_file
    for path, where in parent.key_positions.items():
        if kept(path):
            keys[path] = where
    for path, where in child.positions.items():
        positions[path] = where
        files[path] = child.file(path)
    keys.update(child.key_positions)
    return Document(_merged(base, over), positions, keys, files)


def _merged(base: Any, over: Any) -> Any:
    if isinstance(base, dict) and isinstance(over, dict):
        out = dict(base)
        for key, value in over.items():
            out[key] = _merged(base[key], value) if key in base else value
        return out
    return over


_MISSING = object()


def _at(data: Any, path: KeyPath) -> Any:
    for part in path:
        found = isinstance(data, dict) and part in data
        found = found or (isinstance(data, list) and isinstance(part, int) and part < len(data))
        if not found:
            return _MISSING
        data = data[part]
    return data
