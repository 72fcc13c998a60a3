"""Benchmark result files shaped as pytest-benchmark writes them (``--benchmark-json``)."""

from __future__ import annotations

import io
import json
import statistics
import zipfile


def pytest_benchmark(benchmarks: dict[str, list[float]]) -> str:
    """A pytest-benchmark 4.0 JSON report; each benchmark's raw samples in seconds."""
    rows = []
    for name, data in benchmarks.items():
        ordered = sorted(data)
        q1, _, q3 = statistics.quantiles(ordered, n=4)
        mean = statistics.fmean(ordered)
        rows.append({
            "group": None, "name": name, "fullname": f"tests/test_perf.py::{name}",
            "params": None, "param": None, "extra_info": {},
            "options": {"disable_gc": False, "timer": "perf_counter", "min_rounds": 5,
                        "max_time": 1.0, "min_time": 5e-06, "warmup": False},
            "stats": {"min": ordered[0], "max": ordered[-1], "mean": mean,
                      "stddev": statistics.stdev(ordered), "rounds": len(ordered),
                      "median": statistics.median(ordered), "iqr": q3 - q1, "q1": q1, "q3": q3,
                      "iqr_outliers": 0, "stddev_outliers": 0, "outliers": "0;0",
                      "ld15iqr": ordered[0], "hd15iqr": ordered[-1], "ops": 1 / mean,
                      "total": sum(ordered), "data": list(data), "iterations": 1},
        })
    doc = {"machine_info": {"node": "ci", "processor": "x86_64", "machine": "x86_64",
                            "python_implementation": "CPython", "python_version": "3.11.7",
                            "system": "Linux", "release": "6.1.0", "cpu": {"count": 2}},
           "commit_info": {"id": "0" * 40, "dirty": False, "branch": "main"},
           "benchmarks": rows, "datetime": "2026-11-27T03:00:00.000000+00:00",
           "version": "4.0.0"}
    return json.dumps(doc, indent=4) + "\n"


def samples(center: float, n: int = 30, spread: float = 0.01, seed: int = 1) -> list[float]:
    """Deterministic samples around ``center``, ±``spread`` relative."""
    return [center * (1 + spread * (((i * 7919 + seed * 104729) % 101) / 50 - 1))
            for i in range(n)]


def zipped(files: dict[str, str | bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()
