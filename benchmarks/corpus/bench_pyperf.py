"""The corpus workloads under pyperf (run by make.py)."""

from __future__ import annotations

import pyperf
from workloads import NAMES, workload

if __name__ == "__main__":
    runner = pyperf.Runner()
    for name in NAMES:
        runner.bench_func(name, workload(name))
