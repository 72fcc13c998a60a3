"""User-supplied regular expressions, searched with a time bound.

Patterns come from repository config, so one written badly (``(a+)+$``) must not stall
the bot: every search runs under the ``regex`` module's timeout and raises
``SlowPattern`` instead of hanging.

Most searches find nothing (a span call in a region without one), and a regex search,
time-bounded, costs far more than a substring test. So a search first checks for a
literal every match must contain (``required``); when the text lacks it, there is no
match and nothing to run.
"""

from __future__ import annotations

import re
from functools import lru_cache

import regex

# Per search, over one text (a line, a file's added lines, a PR body).
TIMEOUT = 0.25


class SlowPattern(Exception):
    """A configured pattern took longer than ``TIMEOUT`` on one input."""

    def __init__(self, pattern: str) -> None:
        super().__init__(f"the pattern {pattern!r} took longer than {TIMEOUT} s on one input")
        self.pattern = pattern


@lru_cache(maxsize=2048)
def compiled(pattern: str) -> regex.Pattern[str]:
    """Python ``re`` syntax (``regex``'s VERSION0), compiled once per process."""
    return regex.compile(pattern, regex.VERSION0)


_BREAKS = frozenset(".^$")
_QUANTIFIERS = frozenset("*+?{")
_COUNTS = re.compile(r"\{\d*,?\d*\}")


def _class_end(pattern: str, start: int) -> int | None:
    """Where the class opened at ``start`` closes; None for one holding ``[`` (POSIX or
    nested sets, which ``regex`` and ``re`` read differently) or never closed."""
    i = start + 1
    if pattern.startswith("^", i):
        i += 1
    if pattern.startswith("]", i):
        i += 1
    while i < len(pattern):
        if pattern[i] == "\\":
            i += 2
            continue
        if pattern[i] == "[":
            return None
        if pattern[i] == "]":
            return i
        i += 1
    return None


@lru_cache(maxsize=2048)
def required(pattern: str) -> str:
    """The longest run of literal characters at the top level of ``pattern`` (outside
    any group, class or repeat), which every match therefore contains; "" when there is
    none of two characters or more, or the pattern has a top-level ``|`` or any inline
    flag (``(?i)``, ``(?x)``: case and spacing would change what a literal is). One
    character is in nearly every text, so not worth the test."""
    best, run = "", ""
    depth = 0
    i = 0
    while i < len(pattern):
        char = pattern[i]
        literal = None
        step = 1
        if char == "\\":
            following = pattern[i + 1 : i + 2]
            if not following:
                return ""
            step = 2
            if not following.isalnum():  # \( \. \\ : the character itself
                literal = following
        elif char == "(":
            if pattern.startswith("(?", i) and not pattern.startswith(("(?:", "(?P<", "(?=",
                                                                       "(?!", "(?<"), i):
                return ""  # an inline flag, a conditional, ... : do not guess
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "[":
            end = _class_end(pattern, i)
            if end is None:
                return ""
            step = end + 1 - i
        elif char == "{":
            close = pattern.find("}", i)
            if close < 0 or not _COUNTS.match(pattern, i, close + 1):
                return ""  # a literal brace: rare enough not to read
            step = close + 1 - i
        elif char == "|" and depth == 0:
            return ""
        elif depth == 0 and char not in _BREAKS and char not in _QUANTIFIERS:
            literal = char
        if depth == 0 and pattern[i + step : i + step + 1] in _QUANTIFIERS and \
                pattern[i + step : i + step + 1]:
            literal = None  # repeated (or optional): not required as written
        if depth == 0 and literal is not None:
            run += literal
            if len(run) > len(best):
                best = run
        elif depth == 0 or char == "(":
            run = ""
        i += step
    return best if len(best) >= 2 else ""


def search(pattern: str, text: str) -> regex.Match[str] | None:
    literal = required(pattern)
    if literal and literal not in text:
        return None
    try:
        return compiled(pattern).search(text, timeout=TIMEOUT)
    except TimeoutError:
        raise SlowPattern(pattern) from None


def first(patterns: tuple[str, ...], text: str) -> regex.Match[str] | None:
    """The first match of the first pattern that matches ``text``."""
    for pattern in patterns:
        found = search(pattern, text)
        if found:
            return found
    return None


@lru_cache(maxsize=2048)
def compiled_lines(pattern: str) -> regex.Pattern[str]:
    """``pattern`` for text read as lines: ``^`` and ``$`` match at every line."""
    return regex.compile(pattern, regex.VERSION0 | regex.MULTILINE)


def find_all(pattern: str, text: str) -> list[regex.Match[str]]:
    """Every match of ``pattern`` in ``text`` read as lines, in one time-bounded scan.

    Rules search many files' added lines joined into one text, so one call per pattern
    replaces one per line and pattern; ``TIMEOUT`` bounds the whole scan.
    """
    literal = required(pattern)
    if literal and literal not in text:
        return []
    try:
        return list(compiled_lines(pattern).finditer(text, timeout=TIMEOUT))
    except TimeoutError:
        raise SlowPattern(pattern) from None
