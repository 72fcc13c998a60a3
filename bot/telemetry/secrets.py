"""Secrets a log line must never carry, known by value and by shape.

Values are registered as they become known (the webhook secret and private key at start,
each installation token as it is minted); shapes catch what was never registered: a JWT,
a GitHub token, a PEM block, an ``Authorization`` header. ``scrub`` is the last step of
every log line, so a secret that reaches a message, an argument or a traceback by mistake
is still replaced.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict

MASK = "[redacted]"
_SHAPES = re.compile(
    r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?(?:-----END [A-Z ]*PRIVATE KEY-----|\Z)"
    r"|\beyJ[\w-]{8,}\.[\w-]{8,}\.[\w-]*"  # a JWT: header.payload.signature
    r"|\bgh[pousr]_[A-Za-z0-9_]{16,}"  # GitHub's token prefixes
    r"|\bgithub_pat_[A-Za-z0-9_]{16,}"
    r"|(?i:\b(?:bearer|token)\s+)[\w.~+/-]{16,}=*",
    re.DOTALL,
)
# A secret shorter than this is not looked for by value: masking every "abc" in every
# line would hide more than it protects.
SHORTEST = 6
# Installation tokens are looked up as words, so any number costs one pass over a line;
# they last an hour, so the newest this many are plenty.
KEPT_WORDS = 100_000
_WORD = re.compile(rf"[A-Za-z0-9_-]{{{SHORTEST},}}")

_lock = threading.Lock()
_words: OrderedDict[str, None] = OrderedDict()  # word-like values (tokens)
_phrases: set[str] = set()  # anything else (a webhook secret, the key's lines)
_phrase_pattern: re.Pattern[str] | None = None


def hide(*values: str) -> None:
    """Never log these values (nor, for a multi-line value such as a key, any of its lines)."""
    global _phrase_pattern
    parts = {v.strip() for value in values for v in (value, *value.splitlines())}
    parts = {p for p in parts if len(p) >= SHORTEST}
    with _lock:
        for part in parts:
            if _WORD.fullmatch(part):
                _words[part] = None
                _words.move_to_end(part)
        while len(_words) > KEPT_WORDS:
            _words.popitem(last=False)
        fresh = {p for p in parts if not _WORD.fullmatch(p)} - _phrases
        if fresh:
            _phrases.update(fresh)
            ordered = sorted(_phrases, key=len, reverse=True)  # a whole key before a line
            _phrase_pattern = re.compile("|".join(re.escape(p) for p in ordered))


def scrub(text: str) -> str:
    phrases = _phrase_pattern
    if phrases is not None:
        text = phrases.sub(MASK, text)
    if _words:
        text = _WORD.sub(lambda m: MASK if m.group() in _words else m.group(), text)
    return _SHAPES.sub(MASK, text)
