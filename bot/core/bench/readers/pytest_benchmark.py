"""pytest-benchmark ``--benchmark-json`` / saved runs: per-round times when ``data`` is kept."""

from __future__ import annotations

from typing import Any

from bot.core.bench.model import Direction, Measurement
from bot.core.bench.readers._common import (
    LineFinder,
    entries,
    mapping,
    numbers,
    optional_number,
    summary,
    text,
)

NAME = "pytest-benchmark"


def looks_like(doc: Any) -> bool:
    return (
        isinstance(doc, dict)
        and isinstance(doc.get("benchmarks"), list)
        and ("machine_info" in doc or "commit_info" in doc)
    )


def read(doc: Any, data: bytes) -> tuple[list[Measurement], list[str]]:
    lines = LineFinder(data)
    out = []
    for index, bench in entries(doc, "benchmarks", NAME):
        # fullname (file::test[param]) is unique in a run; name alone may repeat across files.
        name = text(bench.get("fullname") or bench.get("name"), f"benchmark {index + 1}", NAME)
        stats = mapping(bench.get("stats"), f"benchmark {name!r} stats", NAME)
        raw = stats.get("data")
        samples = numbers(raw, name, "stats.data") if raw is not None else ()
        rounds = optional_number(stats, "rounds", name)
        count = int(rounds) if rounds is not None else None
        out.append(
            Measurement(
                benchmark=name,
                metric="time",
                unit="s",
                direction=Direction.LOWER,
                samples=samples,
                summary=summary(stats, name, count),
                line=lines.find(name),
            )
        )
    return out, []
