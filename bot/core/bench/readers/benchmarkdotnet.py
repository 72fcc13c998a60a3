"""BenchmarkDotNet's JSON exporters (``*-report-full.json``, ``*-report-brief.json``, ...).

``Statistics`` are nanoseconds per operation. The full exporter also keeps
``Measurements``; the workload's result iterations (``IterationMode: Workload``,
``IterationStage: Result``) divided by their operation count are the samples.
``Memory.BytesAllocatedPerOperation`` (``[MemoryDiagnoser]``) is a second metric.
A benchmark without statistics failed to run and is reported as an error.
"""

from __future__ import annotations

from typing import Any

from bot.core.bench.model import Direction, Measurement, Summary
from bot.core.bench.readers._common import (
    LineFinder,
    entries,
    number,
    optional_number,
    summary,
    text,
)

NAME = "benchmarkdotnet"
NS = 1e-9
KEYS = ("Mean", "Median", "Min", "Max", "StandardDeviation")  # as in ``summary``
NO_STATISTICS = "{name}: no statistics (the benchmark failed or was not run)"


def looks_like(doc: Any) -> bool:
    return isinstance(doc, dict) and isinstance(doc.get("Benchmarks"), list)


def read(doc: Any, data: bytes) -> tuple[list[Measurement], list[str]]:
    lines = LineFinder(data)
    out, errors = [], []
    for index, bench in entries(doc, "Benchmarks", NAME):
        name = text(
            bench.get("FullName") or bench.get("DisplayInfo"), f"benchmark {index + 1}", NAME
        )
        line = lines.find(name)
        stats = bench.get("Statistics")
        if not isinstance(stats, dict):
            errors.append(NO_STATISTICS.format(name=name))
            continue
        samples = _samples(bench.get("Measurements"), name)
        count = optional_number(stats, "N", name)
        times = summary(stats, name, int(count) if count is not None else None, KEYS, NS)
        out.append(Measurement(name, "time", "s", Direction.LOWER, samples, times, line))
        memory = bench.get("Memory")
        if isinstance(memory, dict) and memory.get("BytesAllocatedPerOperation") is not None:
            allocated = number(memory["BytesAllocatedPerOperation"], name, "Memory")
            out.append(
                Measurement(
                    name,
                    "bytes/op",
                    "B",
                    Direction.LOWER,
                    summary=Summary(mean=allocated, median=allocated),
                    line=line,
                )
            )
    return out, errors


def _samples(measurements: Any, name: str) -> tuple[float, ...]:
    if not isinstance(measurements, list):
        return ()
    out = []
    for m in measurements:
        if not isinstance(m, dict):
            continue
        if m.get("IterationMode") != "Workload" or m.get("IterationStage") != "Result":
            continue
        operations = number(m.get("Operations"), name, "Measurements.Operations")
        if operations > 0:
            out.append(
                number(m.get("Nanoseconds"), name, "Measurements.Nanoseconds") / operations * NS
            )
    return tuple(out)
