"""Measure reading a ~50 MB result file: peak memory (RSS) and time, on this machine.

    .venv/bin/python benchmarks/bench_read.py [--megabytes 50]

Writes two files of about ``--megabytes`` each to a temporary directory — a Google
Benchmark JSON (many benchmarks, three repetitions each, with aggregate rows) and a
pytest-benchmark JSON whose ``stats.data`` holds many raw samples — then reads each in a
fresh child process, which reports its own peak RSS (``resource.getrusage``) and the
time ``read`` took. The child's RSS before reading is printed too, so the reader's share
is visible. (The files are generated in another child: on Linux ``ru_maxrss`` survives
``exec``, so a parent holding the file would inflate the figure.) The issue asks for a
peak below 500 MB.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CHILD = """
import resource, sys, time
from pathlib import Path
from bot.core.bench.readers import read

def rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux

path = Path(sys.argv[1])
before = rss_mb()
start = time.perf_counter()
data = path.read_bytes()
results = read(path.name, data)
elapsed = time.perf_counter() - start
samples = sum(len(m.samples) for m in results.measurements)
print(f"{before:.0f} {rss_mb():.0f} {elapsed:.2f} {len(results.measurements)} {samples}")
"""


def google_benchmark(target: int) -> bytes:
    """Rows like the real fixture's: three repetitions and four aggregates per benchmark."""
    rng = random.Random(1)
    rows: list[str] = []
    size = 0
    n = 0
    while size < target:
        name = f"BM_Function{n}/{n % 64}"
        for rep in range(3):
            row = {
                "name": name, "family_index": n, "per_family_instance_index": 0,
                "run_name": name, "run_type": "iteration", "repetitions": 3,
                "repetition_index": rep, "threads": 1, "iterations": 1000000,
                "real_time": rng.uniform(100, 200), "cpu_time": rng.uniform(100, 200),
                "time_unit": "ns", "bytes_per_second": rng.uniform(1e9, 2e9),
            }  # fmt: skip
            rows.append(json.dumps(row, indent=2))
        for aggregate in ("mean", "median", "stddev", "cv"):
            row = {
                "name": f"{name}_{aggregate}", "family_index": n, "per_family_instance_index": 0,
                "run_name": name, "run_type": "aggregate", "repetitions": 3, "threads": 1,
                "aggregate_name": aggregate, "aggregate_unit": "time", "iterations": 3,
                "real_time": 150.0, "cpu_time": 150.0, "time_unit": "ns",
            }  # fmt: skip
            rows.append(json.dumps(row, indent=2))
        size += sum(len(r) for r in rows[-7:])
        n += 1
    context = {"date": "2026-11-27T00:00:00+00:00", "host_name": "bench", "num_cpus": 2}
    return (
        '{"context": ' + json.dumps(context) + ',\n"benchmarks": [\n' + ",\n".join(rows) + "\n]}\n"
    ).encode()


def pytest_benchmark(target: int) -> bytes:
    """A few hundred benchmarks, each with thousands of raw per-round times."""
    rng = random.Random(2)
    benchmarks = []
    size = 0
    n = 0
    while size < target:
        data = [rng.uniform(1e-6, 2e-6) for _ in range(20000)]
        stats = {
            "min": min(data), "max": max(data), "mean": sum(data) / len(data),
            "stddev": 1e-7, "rounds": len(data), "median": sorted(data)[len(data) // 2],
            "iqr": 1e-7, "q1": 1.2e-6, "q3": 1.7e-6, "iqr_outliers": 0,
            "stddev_outliers": 0, "outliers": "0;0", "ld15iqr": 1e-6, "hd15iqr": 2e-6,
            "ops": 1e6, "total": sum(data), "data": data, "iterations": 1,
        }  # fmt: skip
        entry = {"group": None, "name": f"test_case[{n}]",
                 "fullname": f"tests/test_perf.py::test_case[{n}]", "params": None,
                 "param": None, "extra_info": {}, "options": {}, "stats": stats}  # fmt: skip
        text = json.dumps(entry, indent=4)
        benchmarks.append(text)
        size += len(text)
        n += 1
    head = '{"machine_info": {"node": "bench"}, "commit_info": {}, "benchmarks": [\n'
    return (head + ",\n".join(benchmarks) + '\n], "version": "5.3.1"}\n').encode()


def measure(path: Path) -> str:
    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(path)],
        cwd=ROOT, check=True, capture_output=True, text=True,
    ).stdout.split()  # fmt: skip
    before, peak, seconds, measurements, samples = out
    size = path.stat().st_size / 1e6
    return (
        f"{path.name}: {size:.1f} MB, {measurements} measurements, {samples} samples; "
        f"read in {seconds} s; peak RSS {peak} MB (interpreter and imports alone: {before} MB)"
    )


MAKERS = {"google-benchmark.json": google_benchmark, "pytest-benchmark.json": pytest_benchmark}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--megabytes", type=float, default=50.0)
    parser.add_argument("--write", nargs=2, metavar=("NAME", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    target = int(args.megabytes * 1e6)
    if args.write:  # in a child, so this process never holds the file's contents
        name, path = args.write
        Path(path).write_bytes(MAKERS[name](target))
        return
    with tempfile.TemporaryDirectory() as tmp:
        for name in MAKERS:
            path = Path(tmp) / name
            subprocess.run(
                [sys.executable, __file__, "--megabytes", str(args.megabytes),
                 "--write", name, str(path)],
                check=True,
            )  # fmt: skip
            print(measure(path))


if __name__ == "__main__":
    main()
