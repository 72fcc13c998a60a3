"""Google Benchmark ``--benchmark_out_format=json``.

Repetitions (``run_type: iteration`` rows sharing a ``run_name``) become samples; the
mean/median/stddev aggregate rows only fill the summary when no iteration rows came
(``--benchmark_report_aggregates_only``), so nothing is counted twice. Rows with
``error_occurred`` are reported as errors, not measured.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot.core.bench.model import Direction, Measurement, Summary
from bot.core.bench.readers._common import (
    LineFinder,
    Malformed,
    direction_for,
    entries,
    normalise,
    number,
    text,
)

NAME = "google-benchmark"

# Row keys that are not counters.
KNOWN_KEYS = frozenset(
    {
        "name",
        "family_index",
        "per_family_instance_index",
        "run_name",
        "run_type",
        "repetitions",
        "repetition_index",
        "threads",
        "iterations",
        "real_time",
        "cpu_time",
        "time_unit",
        "aggregate_name",
        "aggregate_unit",
        "error_occurred",
        "error_message",
        "label",
        "big_o",
        "rms",
        "complexity",
    }
)
RATE_KEYS = {"bytes_per_second": ("throughput", "B/s"), "items_per_second": ("items/s", "items/s")}
UNKNOWN_TIME_UNIT = "benchmark {name!r}: unknown time_unit {unit!r}"


@dataclass
class _Series:
    unit: str
    direction: Direction
    line: int | None
    samples: list[float] = field(default_factory=list)
    aggregates: dict[str, float] = field(default_factory=dict)
    repetitions: int | None = None


def looks_like(doc: Any) -> bool:
    return (
        isinstance(doc, dict)
        and isinstance(doc.get("benchmarks"), list)
        and isinstance(doc.get("context"), dict)
    )


def read(doc: Any, data: bytes) -> tuple[list[Measurement], list[str]]:
    lines = LineFinder(data)
    series: dict[tuple[str, str], _Series] = {}
    errors: dict[str, str] = {}
    for index, row in entries(doc, "benchmarks", NAME, "benchmark row"):
        name = text(row.get("run_name") or row.get("name"), f"benchmark row {index + 1}", NAME)
        if row.get("skipped") and not row.get("error_occurred"):
            continue  # SkipWithMessage (Google Benchmark 1.8+): skipped on purpose, not failed
        if row.get("error_occurred"):
            message = row.get("error_message") or "error_occurred"
            errors.setdefault(name, f"{name}: {message}")
            continue
        if row.get("run_type") == "aggregate":
            kind = row.get("aggregate_name")
            if kind not in ("mean", "median", "stddev") or row.get("aggregate_unit") not in (
                None,
                "time",
            ):
                continue  # cv (a percentage) and user statistics have no place in Summary
        else:
            kind = None
        line = None if (name, "time") in series else lines.find(str(row.get("name", name)))
        for metric, unit, value in _values(row, name):
            s = series.get((name, metric))
            if s is None:
                s = series[(name, metric)] = _Series(unit, direction_for(unit, metric), line)
            if kind is None:
                s.samples.append(value)
            else:
                s.aggregates[kind] = value
                reps = row.get("repetitions")
                s.repetitions = reps if isinstance(reps, int) else None
    out = []
    for (name, metric), s in series.items():
        if name in errors:
            continue
        summary = Summary()
        if not s.samples:
            summary = Summary(
                count=s.repetitions,
                mean=s.aggregates.get("mean"),
                median=s.aggregates.get("median"),
                stddev=s.aggregates.get("stddev"),
            )
        out.append(
            Measurement(name, metric, s.unit, s.direction, tuple(s.samples), summary, s.line)
        )
    return out, list(errors.values())


def _values(row: Any, name: str) -> list[tuple[str, str, float]]:
    """(metric, unit, value) for each figure in one row, in seconds and per second."""
    raw_unit = row.get("time_unit", "ns")
    unit, scale = normalise(str(raw_unit))
    if unit != "s":
        raise Malformed(UNKNOWN_TIME_UNIT.format(name=name, unit=raw_unit))
    found = [
        ("time", "s", number(row.get("real_time"), name, "real_time") * scale),
        ("cpu_time", "s", number(row.get("cpu_time"), name, "cpu_time") * scale),
    ]
    for key, value in row.items():
        if key in KNOWN_KEYS or isinstance(value, str | bool | list | dict):
            continue
        metric, unit = RATE_KEYS.get(key, (key, ""))
        found.append((metric, unit, number(value, name, key)))
    return found
