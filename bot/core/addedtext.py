"""A patch's added and removed lines, read once however many rules ask.

Rules search a file's added lines as one text with multi-line patterns (one regex
pass per pattern, not one per line), so this keeps the lines, their numbers in the
new file, and the joined text together. Patches are split on ``\\n`` only, as git
counts lines, so a form feed or a Unicode line separator in the code does not shift
the numbers annotations point at.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

_HUNK = re.compile(r"@@ -\d+(?:,\d+)? \+(\d+)")
# The first added lines of a file written by a tool (protoc, go generate, OpenAPI
# generators) say so; such a file is nobody's code to instrument or document.
GENERATED_MARKER = re.compile(
    r"(?i)code generated .{0,200}?do not edit|@generated\b|auto-?generated|do not edit"
)
GENERATED_HEAD_LINES = 5


@dataclass(frozen=True, slots=True)
class Changed:
    lines: tuple[str, ...]  # added lines, without the "+"
    numbers: tuple[int, ...]  # each added line's number in the new file
    removed: tuple[str, ...]  # removed lines, without the "-"

    @property
    def text(self) -> str:
        return "\n".join(self.lines)

    @property
    def generated(self) -> bool:
        """Whether the patch adds a file whose opening lines say a tool wrote it."""
        if not self.numbers or self.numbers[0] > GENERATED_HEAD_LINES:
            return False
        head = "\n".join(self.lines[:GENERATED_HEAD_LINES])
        return GENERATED_MARKER.search(head) is not None


EMPTY = Changed((), (), ())


@lru_cache(maxsize=8192)
def changed(patch: str | None) -> Changed:
    if not patch:
        return EMPTY
    lines: list[str] = []
    numbers: list[int] = []
    removed: list[str] = []
    number = 0
    for raw in patch.split("\n"):
        first = raw[:1]
        if first == "+":
            lines.append(raw[1:].rstrip("\r"))
            numbers.append(number)
            number += 1
        elif first == " ":
            number += 1
        elif first == "-":
            removed.append(raw[1:].rstrip("\r"))
        elif first == "@":
            header = _HUNK.match(raw)
            if header:
                number = int(header.group(1))
        # "\ No newline at end of file" changes nothing.
    return Changed(tuple(lines), tuple(numbers), tuple(removed))
