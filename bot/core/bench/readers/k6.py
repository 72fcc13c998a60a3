"""k6 end-of-test summary JSON: ``handleSummary``'s ``data`` (``metrics.<m>.values``) or
the legacy ``--summary-export`` file (statistics directly under ``metrics.<m>``).

A k6 metric is the benchmark; each statistic is its own metric named "<metric> <stat>"
(``http_req_duration p95``): trend statistics (avg, med, min, max, p(90), p(95), ...) in
ms become seconds, a rate metric's ``rate`` is a fraction, a counter's ``rate`` is per
second. Failure rates and counters (``http_req_failed``, ``dropped_iterations`` and names
with fail/error) are better lower, other rates higher.
Gauges (``vus``) describe the load, not the result, and are skipped.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.core.bench.model import Direction, Measurement, Summary
from bot.core.bench.readers._common import LineFinder, mapping, number

NAME = "k6"
MS = 1e-3
# Built-in trends that hold times (legacy exports do not say which trends are times).
TIME_TRENDS = ("http_req_", "iteration_duration", "group_duration", "ws_", "grpc_req_duration")
TREND_STATS = ("avg", "min", "med", "max")
FAILURE_WORDS = ("fail", "error", "drop", "timeout")


def looks_like(doc: Any) -> bool:
    return (
        isinstance(doc, dict)
        and isinstance(doc.get("metrics"), dict)
        and ("root_group" in doc or "state" in doc or "options" in doc)
    )


def read(doc: Any, data: bytes) -> tuple[list[Measurement], list[str]]:
    top = mapping(doc, "the top level", NAME)
    lines = LineFinder(data)
    out = []
    for name, item in mapping(top.get("metrics"), '"metrics"', NAME).items():
        metric = mapping(item, f"metric {name!r}", NAME)
        nested = metric.get("values")
        values: Mapping[str, Any] = nested if isinstance(nested, dict) else metric
        kind = metric.get("type") or _guess_kind(values)
        line = lines.find(name)
        if kind == "trend":
            is_time = metric.get("contains") == "time" or (
                "contains" not in metric and name.startswith(TIME_TRENDS)
            )
            unit, scale = ("s", MS) if is_time else ("", 1.0)
            for stat, value in values.items():
                if stat in TREND_STATS or stat.startswith("p("):
                    out.append(
                        _one(
                            name,
                            _stat_name(stat),
                            number(value, name, stat) * scale,
                            unit,
                            Direction.LOWER,
                            line,
                        )
                    )
        elif kind == "rate":
            value = values.get("rate", values.get("value"))
            if value is not None:
                failing = any(word in name.lower() for word in FAILURE_WORDS)
                direction = Direction.LOWER if failing else Direction.HIGHER
                out.append(_one(name, "rate", number(value, name, "rate"), "", direction, line))
        elif kind == "counter" and values.get("rate") is not None:
            is_data = metric.get("contains") == "data" or name.startswith("data_")
            unit = "B/s" if is_data else "ops/s"
            failing = any(word in name.lower() for word in FAILURE_WORDS)
            direction = Direction.LOWER if failing else Direction.HIGHER
            out.append(
                _one(name, "rate", number(values["rate"], name, "rate"), unit, direction, line)
            )
    return out, []


def _guess_kind(values: Any) -> str:
    if not isinstance(values, dict):
        return ""
    if "avg" in values or "med" in values or any(str(k).startswith("p(") for k in values):
        return "trend"
    if "passes" in values or "fails" in values:
        return "rate"
    if "count" in values:
        return "counter"
    return "gauge"


def _stat_name(stat: str) -> str:
    """``p(95)`` -> ``p95``; ``med`` -> ``median``; the rest as k6 names them."""
    if stat.startswith("p(") and stat.endswith(")"):
        return "p" + stat[2:-1]
    return {"med": "median"}.get(stat, stat)


def _one(
    name: str, stat: str, value: float, unit: str, direction: Direction, line: int | None
) -> Measurement:
    return Measurement(
        benchmark=name,
        metric=f"{name} {stat}",
        unit=unit,
        direction=direction,
        summary=Summary(mean=value, median=value),
        line=line,
    )
