"""gitignore-style path matching, the pattern language teams already know."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from functools import lru_cache

import pathspec

_NAMED_GROUP = re.compile(r"\(\?P<\w+>")


@lru_cache(maxsize=256)
def _spec(patterns: tuple[str, ...]) -> pathspec.GitIgnoreSpec:
    return pathspec.GitIgnoreSpec.from_lines(patterns)


@lru_cache(maxsize=256)
def _matcher(patterns: tuple[str, ...]) -> Callable[[str], bool]:
    """One regex pass per path instead of one per pattern.

    A path no ``!pattern`` touches is selected exactly when some pattern matches it, so
    the includes and the excludes each become one alternation; only a path an exclude
    matches needs pathspec's ordered, last-match-wins walk.
    """
    spec = _spec(patterns)
    include = _either(p.regex for p in spec.patterns if p.include is True)
    exclude = _either(p.regex for p in spec.patterns if p.include is False)

    def selected(path: str) -> bool:
        if exclude is not None and exclude.match(path):
            return bool(spec.match_file(path))
        return include is not None and include.match(path) is not None

    return selected


def _either(regexes: Iterable[re.Pattern[str] | None]) -> re.Pattern[str] | None:
    sources = [_NAMED_GROUP.sub("(?:", r.pattern) for r in regexes if r is not None]
    return re.compile("|".join(f"(?:{s})" for s in sources)) if sources else None


def matches(patterns: tuple[str, ...], path: str) -> bool:
    """Whether ``path`` is selected by ``patterns`` (later ``!pattern`` lines exclude)."""
    return bool(patterns) and _matcher(patterns)(path)


def matching(patterns: tuple[str, ...], paths: Iterable[str]) -> list[str]:
    if not patterns:
        return []
    selected = _matcher(patterns)
    return [p for p in paths if selected(p)]
