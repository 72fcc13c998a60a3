"""Time to parse and compare 10,000 benchmarks x 100 samples a side (target: under 2 s).

    python benchmarks/bench_compare.py [--benchmarks 10000] [--samples 100] [--repeat 5]

Builds two pytest-benchmark JSON files with raw samples (every benchmark +/-2 % noise,
one in fifty 20 % slower in head), then reads both with perfbot's readers and compares
them at the default policy, as the check run and ``perfbot bench compare`` do. Prints
the median of several runs, and each run.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.core.bench.compare import compare
from bot.core.bench.model import Verdict
from bot.core.bench.policy import Policy
from bot.core.bench.readers import read


def result_file(benchmarks: int, samples: int, seed: int, slower_every: int) -> bytes:
    rng = random.Random(seed)
    rows = []
    for i in range(benchmarks):
        scale = 1e-3 * (1 + i % 97) * (1.2 if slower_every and i % slower_every == 0 else 1.0)
        data = [scale * rng.uniform(0.98, 1.02) for _ in range(samples)]
        rows.append(
            {
                "group": None,
                "name": f"test_case[{i}]",
                "fullname": f"tests/test_speed.py::test_case[{i}]",
                "params": None,
                "param": str(i),
                "extra_info": {},
                "options": {},
                "stats": {
                    "min": min(data),
                    "max": max(data),
                    "mean": statistics.fmean(data),
                    "stddev": statistics.pstdev(data),
                    "rounds": samples,
                    "median": statistics.median(data),
                    "iterations": 1,
                    "data": data,
                },
            }
        )
    doc = {
        "machine_info": {"node": "bench"},
        "commit_info": {},
        "benchmarks": rows,
        "datetime": "2026-01-01T00:00:00",
        "version": "5.1.0",
    }
    return json.dumps(doc).encode()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--benchmarks", type=int, default=10_000)
    parser.add_argument("--samples", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    base = result_file(args.benchmarks, args.samples, seed=1, slower_every=0)
    head = result_file(args.benchmarks, args.samples, seed=2, slower_every=50)
    timings, parsing = [], []
    regressed = 0
    for _ in range(args.repeat):
        started = time.perf_counter()
        results = [read("base.json", base)], [read("head.json", head)]
        parsed = time.perf_counter()
        changes = compare(*results, Policy())
        timings.append(time.perf_counter() - started)
        parsing.append(parsed - started)
        regressed = sum(c.verdict is Verdict.REGRESSED for c in changes)
    print(
        f"parse + compare {args.benchmarks:,} benchmarks x {args.samples} samples "
        f"({len(base) / 1e6:.1f} MB a side): median {statistics.median(timings):.2f} s "
        f"(parsing {statistics.median(parsing):.2f} s) over {args.repeat} runs "
        f"({', '.join(f'{t:.2f}' for t in timings)}); "
        f"{regressed} regressed of {args.benchmarks // 50} made 20 % slower"
    )


if __name__ == "__main__":
    main()
