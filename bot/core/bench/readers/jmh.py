"""JMH ``-rf json``: ``primaryMetric.rawData`` (forks x iterations) flattened as samples.

Throughput mode (``thrpt``, ops per time) is better higher; average time, sample time
and single shot are better lower. Secondary metrics (``-prof gc``: ``·gc.alloc.rate.norm``
and the like) are read too when they carry raw data.
"""

from __future__ import annotations

from typing import Any

from bot.core.bench.model import Direction, Measurement, Summary
from bot.core.bench.readers._common import (
    LineFinder,
    Malformed,
    direction_for,
    mapping,
    normalise,
    number,
    optional_number,
    sequence,
    text,
)

NAME = "jmh"
UNITS = {"MB/sec": ("B/s", 1e6), "B/op": ("B", 1.0), "counts": ("counts", 1.0)}
NO_SCORE = "benchmark {name!r}: primaryMetric has no score"


def looks_like(doc: Any) -> bool:
    return (
        isinstance(doc, list)
        and bool(doc)
        and isinstance(doc[0], dict)
        and "primaryMetric" in doc[0]
        and "benchmark" in doc[0]
    )


def read(doc: Any, data: bytes) -> tuple[list[Measurement], list[str]]:
    lines = LineFinder(data)
    out = []
    for index, item in enumerate(sequence(doc, "the top level", NAME)):
        run = mapping(item, f"benchmark {index + 1}", NAME)
        name = _name(run, index)
        line = lines.find(text(run.get("benchmark"), "benchmark", NAME))
        mode = run.get("mode")
        primary = mapping(run.get("primaryMetric"), f"{name!r} primaryMetric", NAME)
        if primary.get("score") is None:
            raise Malformed(NO_SCORE.format(name=name), line)
        out.append(_metric(name, "time" if mode != "thrpt" else "throughput", primary, line, mode))
        secondary = run.get("secondaryMetrics")
        if isinstance(secondary, dict):
            for label, metric in secondary.items():
                if isinstance(metric, dict) and metric.get("rawData"):
                    out.append(_metric(name, label.lstrip("·"), metric, line, None))
    return out, []


def _name(run: Any, index: int) -> str:
    """The method, with its @Param values so each combination is its own benchmark."""
    name = text(run.get("benchmark"), f"benchmark {index + 1}", NAME)
    params = run.get("params")
    if isinstance(params, dict) and params:
        name += "(" + ", ".join(f"{k}={v}" for k, v in params.items()) + ")"
    return name


def _metric(name: str, metric: str, data: Any, line: int | None, mode: Any) -> Measurement:
    raw_unit = str(data.get("scoreUnit", ""))
    unit, scale = UNITS.get(raw_unit) or normalise(raw_unit)
    samples: list[float] = []
    raw = data.get("rawData")
    if isinstance(raw, list):
        for fork in raw:
            values = sequence(fork, "rawData", NAME)
            samples.extend(number(v, name, "rawData") * scale for v in values)
    score = optional_number(data, "score", name, scale)
    percentiles = data.get("scorePercentiles")
    percentiles = percentiles if isinstance(percentiles, dict) else {}
    summary = Summary(
        count=len(samples) or None,
        mean=score,
        median=optional_number(percentiles, "50.0", name, scale),
        minimum=optional_number(percentiles, "0.0", name, scale),
        maximum=optional_number(percentiles, "100.0", name, scale),
    )
    if mode == "thrpt":
        direction = Direction.HIGHER
    elif mode in ("avgt", "sample", "ss"):
        direction = Direction.LOWER
    else:
        direction = direction_for(unit, metric)
    return Measurement(name, metric, unit, direction, tuple(samples), summary, line)
