"""The corpus workloads under pytest-benchmark (run by make.py, not by the test suite)."""

from __future__ import annotations

from typing import Any

import pytest
from workloads import NAMES, workload


@pytest.mark.parametrize("name", NAMES)
def test_workload(benchmark: Any, name: str) -> None:
    benchmark(workload(name))
