"""perfbot's own generic JSON, for tools without a reader (see README, "Benchmark result
formats")::

    {"benchmarks": [{"name": "parse", "metric": "time", "unit": "ms",
                     "direction": "lower", "samples": [1.2, 1.3]},
                    {"name": "rps", "unit": "ops/s", "value": 1200}]}

``unit`` is normalised like every reader's; ``direction`` defaults from the unit.
Instead of ``samples``: ``value`` (one number) or any of ``mean``, ``median``, ``min``,
``max``, ``stddev`` and ``count``.
"""

from __future__ import annotations

from typing import Any

from bot.core.bench.model import Direction, Measurement, Summary
from bot.core.bench.readers._common import (
    LineFinder,
    Malformed,
    direction_for,
    entries,
    normalise,
    numbers,
    optional_number,
    text,
)

NAME = "generic"
BAD_DIRECTION = "benchmark {name!r}: direction must be 'lower' or 'higher', not {value!r}"
NO_VALUES = (
    'benchmark {name!r} has neither samples nor a value; give "samples": [...] or '
    '"value" (or mean/median/min/max)'
)
NO_UNIT = 'benchmark {name!r} has no "unit" (e.g. "s", "ms", "B", "ops/s")'


def looks_like(doc: Any) -> bool:
    return (
        isinstance(doc, dict)
        and isinstance(doc.get("benchmarks"), list)
        and all(isinstance(b, dict) and "unit" in b for b in doc["benchmarks"][:3])
    )


def read(doc: Any, data: bytes) -> tuple[list[Measurement], list[str]]:
    lines = LineFinder(data)
    out = []
    for index, bench in entries(doc, "benchmarks", NAME):
        name = text(bench.get("name"), f"benchmark {index + 1} name", NAME)
        line = lines.find(name)
        if not isinstance(bench.get("unit"), str):
            raise Malformed(NO_UNIT.format(name=name), line)
        unit, scale = normalise(bench["unit"])
        metric = bench.get("metric") or ("time" if unit == "s" else unit or "value")
        metric = text(metric, f"benchmark {name!r} metric", NAME)
        raw_direction = bench.get("direction")
        if raw_direction is None:
            direction = direction_for(unit, metric)
        elif raw_direction in ("lower", "higher"):
            direction = Direction(raw_direction)
        else:
            raise Malformed(BAD_DIRECTION.format(name=name, value=raw_direction), line)
        raw = bench.get("samples")
        samples = numbers(raw, name, "samples", scale) if raw is not None else ()

        value = optional_number(bench, "value", name, scale)
        count = optional_number(bench, "count", name)
        summary = Summary(
            count=int(count) if count is not None else (1 if value is not None else None),
            mean=optional_number(bench, "mean", name, scale) if value is None else value,
            median=optional_number(bench, "median", name, scale) if value is None else value,
            minimum=optional_number(bench, "min", name, scale),
            maximum=optional_number(bench, "max", name, scale),
            stddev=optional_number(bench, "stddev", name, scale),
        )
        if (
            not samples
            and summary.mean is None
            and summary.median is None
            and (summary.minimum is None and summary.maximum is None)
        ):
            raise Malformed(NO_VALUES.format(name=name), line)
        out.append(Measurement(name, metric, unit, direction, samples, summary, line))
    return out, []
