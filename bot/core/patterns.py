"""User-supplied regular expressions, searched with a time bound.

Patterns come from repository config, so one written badly (``(a+)+$``) must not stall
the bot: every search runs under the ``regex`` module's timeout and raises
``SlowPattern`` instead of hanging.
"""

from __future__ import annotations

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


def search(pattern: str, text: str) -> regex.Match[str] | None:
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
    try:
        return list(compiled_lines(pattern).finditer(text, timeout=TIMEOUT))
    except TimeoutError:
        raise SlowPattern(pattern) from None
