"""Many files' added lines as one text, so a pattern scans a whole change in one pass.

A match's offset maps back to the file and the line number it stands on in the new
file, which is where an annotation must point.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import accumulate

from bot.core.addedtext import Changed


@dataclass(frozen=True, slots=True)
class Corpus:
    paths: tuple[str, ...]
    text: str
    lines: list[str]
    starts: list[int]  # offset of each line in ``text``
    owners: list[int]  # index into ``paths`` of each line's file
    numbers: list[int]  # each line's number in its file at the head

    def line_at(self, offset: int) -> int:
        """Index of the line holding ``offset``."""
        return bisect_right(self.starts, offset) - 1

    def where(self, line: int) -> tuple[str, int]:
        return self.paths[self.owners[line]], self.numbers[line]

    def runs(self) -> list[int]:
        """Indexes where a run of consecutive added lines of one file begins, then ``len``."""
        owners, numbers = self.owners, self.numbers
        breaks = [
            i
            for i in range(1, len(owners))
            if owners[i] != owners[i - 1] or numbers[i] != numbers[i - 1] + 1
        ]
        return [0, *breaks, len(owners)]


def build(files: Sequence[tuple[str, Changed]], *, removed: bool = False) -> Corpus:
    """The added (or, with ``removed``, the removed) lines of ``files``, in order."""
    lines: list[str] = []
    owners: list[int] = []
    numbers: list[int] = []
    for index, (_, changed) in enumerate(files):
        own = changed.removed if removed else changed.lines
        lines.extend(own)
        owners.extend([index] * len(own))
        numbers.extend(changed.numbers if not removed else [0] * len(own))
    starts = [0, *accumulate(len(line) + 1 for line in lines)]
    starts.pop()
    return Corpus(tuple(p for p, _ in files), "\n".join(lines), lines, starts, owners, numbers)
