"""Just enough Markdown to find sections: headings and the text under them.

Design records and PR descriptions are Markdown; rules ask "is there a Performance
section?" and must not be fooled by a ``# comment`` inside a fenced code block.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_ATX_OPEN = re.compile(r" {0,3}(#{1,6})(?=[ \t]|$)")
_SETEXT = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
# "3. Performance", "A) Performance", "**Performance**": what decorates a heading's name.
_DECORATION = re.compile(r"^[\s*_`]*(?:[0-9A-Za-z]{1,3}[.)]\s+)?[\s*_`]*")


@dataclass(frozen=True, slots=True)
class Heading:
    line: int  # 1-based, where the heading's text stands
    level: int
    text: str


def headings(text: str) -> tuple[Heading, ...]:
    """ATX (``## Title``) and setext (``Title`` over ``===``) headings outside code fences."""
    found: list[Heading] = []
    fence: str | None = None
    lines = _lines(text)
    for i, line in enumerate(lines):
        opened = _FENCE.match(line)
        if fence is not None:
            if opened and opened.group(1)[0] == fence[0] and len(opened.group(1)) >= len(fence):
                fence = None
            continue
        if opened:
            fence = opened.group(1)
            continue
        atx = _atx(line)
        if atx:
            found.append(Heading(i + 1, *atx))
            continue
        underline = _SETEXT.match(line)
        if underline and i > 0 and lines[i - 1].strip() and not _is_heading(found, i):
            level = 1 if underline.group(1)[0] == "=" else 2
            found.append(Heading(i, level, lines[i - 1].strip()))
    return tuple(found)


def _lines(text: str) -> list[str]:
    """Lines as GitHub numbers them: split at newlines only (not at a form feed or U+2028)."""
    return [line.removesuffix("\r") for line in text.split("\n")]


def _is_heading(found: list[Heading], line: int) -> bool:
    return bool(found) and found[-1].line == line


def names(heading: Heading, wanted: str) -> bool:
    """Whether ``heading`` is the section ``wanted``: its name, case-insensitively.

    Numbering and emphasis are ignored, and words may follow: ``## 4. Performance impact``
    is a Performance section; ``## Non-performance goals`` is not.
    """
    shown = " ".join(_DECORATION.sub("", heading.text).lower().split())
    name = " ".join(wanted.lower().split())
    return shown == name or (shown.startswith(name) and not shown[len(name)].isalnum())


def find(text: str, wanted: str) -> Heading | None:
    """The first heading in ``text`` that names the section ``wanted``."""
    return next((h for h in headings(text) if names(h, wanted)), None)


def section_text(text: str, heading: Heading) -> str:
    """What stands under ``heading`` up to the next heading of the same or a higher level,
    without HTML comments (a PR template's ``<!-- describe the rollout -->`` says nothing).
    """
    lines = _lines(text)
    later = [h for h in headings(text) if h.line > heading.line and h.level <= heading.level]
    start = heading.line
    if start < len(lines) and _SETEXT.match(lines[start]) and not _atx(
            lines[heading.line - 1]):
        start += 1  # skip a setext heading's underline
    end = (later[0].line - 1) if later else len(lines)
    body = "\n".join(lines[start:end])
    return _without_comments(body).strip()


def _atx(line: str) -> tuple[int, str] | None:
    """``(level, text)`` of an ATX heading line (``## Title ##``), else None.

    Read without a backtracking regex: descriptions are anyone's text, and a lazy
    ``(.*?)`` before optional trailing blanks is quadratic in a long line.
    """
    opened = _ATX_OPEN.match(line)
    if opened is None:
        return None
    text = line[opened.end():].strip(" \t")
    unclosed = text.rstrip("#")
    if not unclosed:
        text = ""  # only the closing sequence
    elif unclosed[-1] in " \t":
        text = unclosed.rstrip(" \t")
    return len(opened.group(1)), text.strip()


def _without_comments(text: str) -> str:
    """``text`` without HTML comments, in one pass (an unclosed ``<!--`` stays as written)."""
    kept: list[str] = []
    at = 0
    while (start := text.find("<!--", at)) >= 0:
        end = text.find("-->", start + 4)
        if end < 0:
            break
        kept.append(text[at:start])
        at = end + 3
    kept.append(text[at:])
    return "".join(kept)
