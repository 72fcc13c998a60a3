"""Reading GitHub-style patches (unified diff hunks without file headers)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

_HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,\d+)? @@")


@dataclass(frozen=True, slots=True)
class AddedLine:
    number: int  # line number in the new file
    text: str


def added_lines(patch: str | None) -> Iterator[AddedLine]:
    """Lines the patch adds, numbered as they stand in the new file."""
    if not patch:
        return
    line = 0
    for raw in patch.split("\n"):  # as git counts lines (see bot.core.addedtext)
        header = _HUNK.match(raw)
        if header:
            line = int(header.group(1))
        elif raw.startswith("+"):
            yield AddedLine(line, raw[1:].rstrip("\r"))
            line += 1
        elif raw.startswith(" "):
            line += 1
        # "-" lines and "\ No newline at end of file" leave the new file's count alone.


def first_changed_line(patch: str | None) -> int:
    """Where an annotation about the change as a whole should point in the new file."""
    for added in added_lines(patch):
        return added.number
    if patch:
        for raw in patch.split("\n"):
            header = _HUNK.match(raw)
            if header:
                return max(1, int(header.group(1)))
    return 1
