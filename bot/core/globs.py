"""gitignore-style path matching, the pattern language teams already know."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from functools import lru_cache

import pathspec
import regex

_NAMED_GROUP = re.compile(r"\(\?P<\w+>")
# The group pathspec's gitignore patterns name when they matched a directory.
_DIR_MARK = "ps_d"
# Per path and pattern set; a real glob takes microseconds.
TIMEOUT = 0.05
_STRIKES = 3


@lru_cache(maxsize=256)
def _spec(patterns: tuple[str, ...]) -> pathspec.GitIgnoreSpec:
    return pathspec.GitIgnoreSpec.from_lines(patterns)


@lru_cache(maxsize=256)
def _matcher(patterns: tuple[str, ...]) -> Callable[[str], bool]:
    """One regex pass per path instead of one per pattern.

    A path no ``!pattern`` touches is selected exactly when some pattern matches it, so
    the includes and the excludes each become one alternation; only a path an exclude
    matches needs the ordered walk (``_ordered``). Every search is time-bounded: patterns
    come from repository config, and ``*a*a*a…`` compiles to nested ``[^/]*``.
    """
    spec = _spec(patterns)
    rules = tuple(
        (p.include, _compiled(p.regex.pattern))
        for p in spec.patterns
        if p.include is not None and p.regex is not None
    )
    include = _either(p.regex for p in spec.patterns if p.include is True)
    exclude = _either(p.regex for p in spec.patterns if p.include is False)
    strikes = 0  # timeouts in a row: a pathological set keeps timing out, a real one never

    def selected(path: str) -> bool:
        nonlocal strikes
        if strikes >= _STRIKES:
            return False  # a set that keeps timing out selects nothing, at once
        try:
            if exclude is not None and _search(exclude, path):
                found = _ordered(rules, path)
            else:
                found = include is not None and _search(include, path)
        except TimeoutError:
            strikes += 1
            return False
        strikes = 0
        return found

    return selected


def _ordered(rules: tuple[tuple[bool, regex.Pattern[str]], ...], path: str) -> bool:
    """pathspec's ``GitIgnoreSpec`` verdict: the last pattern matching ``path`` as a file
    decides; only when none does, the last matching it through a directory."""
    include = False
    priority = 0
    for included, pattern in reversed(rules):
        found = pattern.search(path, timeout=TIMEOUT)
        if found is None:
            continue
        rank = 1 if found.groupdict().get(_DIR_MARK) else 2
        if rank > priority:
            include, priority = included, rank
        if rank == 2:
            break
    return include


def _search(pattern: regex.Pattern[str], path: str) -> bool:
    return pattern.search(path, timeout=TIMEOUT) is not None


def _compiled(source: str) -> regex.Pattern[str]:
    return regex.compile(source, regex.VERSION0)


def _either(regexes: Iterable[re.Pattern[str] | None]) -> regex.Pattern[str] | None:
    sources = [_NAMED_GROUP.sub("(?:", r.pattern) for r in regexes if r is not None]
    return _compiled("|".join(f"(?:{s})" for s in sources)) if sources else None


def matches(patterns: tuple[str, ...], path: str) -> bool:
    """Whether ``path`` is selected by ``patterns`` (later ``!pattern`` lines exclude)."""
    return bool(patterns) and _matcher(patterns)(path)


def matching(patterns: tuple[str, ...], paths: Iterable[str]) -> list[str]:
    if not patterns:
        return []
    selected = _matcher(patterns)
    return [p for p in paths if selected(p)]


UNCLOSED_CLASS = "`[` opens a character class that is never closed (write `\\[` for a bracket)"
BRACES = (
    "braces are not expanded in gitignore-style patterns: write one pattern per "
    "alternative (`deploy/{a,b}/**` is `deploy/a/**` and `deploy/b/**`)"
)
STARS = "`***` is no pattern: `*` matches within a path segment, `**` across segments"
NOTHING = "`!` alone excludes nothing: write the pattern to exclude after it"
DANGLING_ESCAPE = "a trailing `\\` escapes nothing"


def syntax_problem(pattern: str) -> str | None:
    """Why ``pattern`` is not the glob its author meant, or None.

    pathspec quietly turns ``src/[abc`` into a pattern that matches nothing, and reads
    ``deploy/{a,b}`` literally and ``**/***`` as ``*``: the config would validate and select
    nothing (or everything) without a word, so these are refused where they are written.
    """
    text = pattern[1:] if pattern.startswith("!") else pattern
    if not text.strip():
        return NOTHING if pattern.startswith("!") else None
    i = 0
    while i < len(text):
        char = text[i]
        if char == "\\":
            if i + 1 == len(text):
                return DANGLING_ESCAPE
            i += 2
            continue
        if char == "[":
            end = _class_end(text, i)
            if end is None:
                return UNCLOSED_CLASS
            i = end + 1
            continue
        if char in "{}":
            return BRACES
        if text.startswith("***", i):
            return STARS
        i += 1
    return None


def _class_end(text: str, start: int) -> int | None:
    """The index of the ``]`` closing the class opened at ``start`` (``[]a]``, ``[!]a]``)."""
    i = start + 1
    if i < len(text) and text[i] in "!^":
        i += 1
    if i < len(text) and text[i] == "]":
        i += 1  # a leading ] is a member, as in fnmatch
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text[i] == "]":
            return i
        if text[i] == "/":
            return None  # a class never spans segments
        i += 1
    return None
