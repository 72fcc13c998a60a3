"""hyperfine ``--export-json``: each command's ``times`` are the samples."""

from __future__ import annotations

from typing import Any

from bot.core.bench.model import Direction, Measurement
from bot.core.bench.readers._common import (
    LineFinder,
    entries,
    numbers,
    summary,
    text,
)

NAME = "hyperfine"
FAILED_RUNS = "{name}: exited with a non-zero status in {count} of {runs} runs"


def looks_like(doc: Any) -> bool:
    if not isinstance(doc, dict) or not isinstance(doc.get("results"), list):
        return False
    first = doc["results"][0] if doc["results"] else {}
    return not doc["results"] or (isinstance(first, dict) and "command" in first)


def read(doc: Any, data: bytes) -> tuple[list[Measurement], list[str]]:
    lines = LineFinder(data)
    out, errors = [], []
    for index, result in entries(doc, "results", NAME, "result"):
        command = text(result.get("command"), f"result {index + 1} command", NAME)
        name = command
        times = result.get("times")
        samples = numbers(times, name, "times") if times is not None else ()
        codes = result.get("exit_codes")
        if isinstance(codes, list):
            failed = sum(1 for code in codes if code not in (0, None))
            if failed:
                errors.append(FAILED_RUNS.format(name=name, count=failed, runs=len(codes)))
        stats = summary(result, name, len(samples) or None)
        out.append(
            Measurement(name, "time", "s", Direction.LOWER, samples, stats, lines.find(command))
        )
    return out, errors
