"""gitignore-style path matching, the pattern language teams already know."""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

import pathspec


@lru_cache(maxsize=256)
def _spec(patterns: tuple[str, ...]) -> pathspec.GitIgnoreSpec:
    return pathspec.GitIgnoreSpec.from_lines(patterns)


def matches(patterns: tuple[str, ...], path: str) -> bool:
    """Whether ``path`` is selected by ``patterns`` (later ``!pattern`` lines exclude)."""
    return bool(patterns) and bool(_spec(patterns).match_file(path))


def matching(patterns: tuple[str, ...], paths: Iterable[str]) -> list[str]:
    return [p for p in paths if matches(patterns, p)]
