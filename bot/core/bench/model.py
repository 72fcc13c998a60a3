"""One shape for every benchmark tool's results, so comparison never knows the format.

Readers (``bot.core.bench.readers``) turn a tool's file into ``Results``; comparison
(``bot.core.bench.compare``) pairs ``Measurement``s by ``key`` across base and head.
Units are normalised so both sides compare: times in seconds (``"s"``), sizes in
bytes (``"B"``), rates per second (``"ops/s"``, ``"B/s"``); a custom metric keeps its
tool's unit.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Direction(StrEnum):
    """Which way is better: time and memory fall, throughput rises."""

    LOWER = "lower"
    HIGHER = "higher"


@dataclass(frozen=True, slots=True)
class Summary:
    """What a tool reports when it keeps no raw samples (or reports beside them)."""

    count: int | None = None  # samples behind the statistics
    mean: float | None = None
    median: float | None = None
    minimum: float | None = None
    maximum: float | None = None
    stddev: float | None = None


@dataclass(frozen=True, slots=True)
class Measurement:
    benchmark: str  # as the tool names it, e.g. "test_parse[small]" or "BenchmarkParse/small-8"
    metric: str  # "time", "bytes/op", "allocs/op", "throughput", "http_req_duration p95", ...
    unit: str
    direction: Direction
    samples: tuple[float, ...] = ()  # per-iteration or per-repetition values, in ``unit``
    summary: Summary = Summary()
    line: int | None = None  # where the benchmark sits in its file, for annotations

    @property
    def key(self) -> tuple[str, str]:
        return (self.benchmark, self.metric)


@dataclass(frozen=True, slots=True)
class Results:
    """One result file, read."""

    path: str
    format: str  # the reader's name, e.g. "pytest-benchmark"
    measurements: tuple[Measurement, ...]
    # Benchmarks the tool itself reports as failed (Google Benchmark's error_occurred, ...).
    errors: tuple[str, ...] = ()


class BenchFileError(ValueError):
    """A result file that cannot be read; the message says which file and why."""

    def __init__(self, path: str, problem: str, line: int | None = None) -> None:
        where = f"{path}:{line}" if line else path
        super().__init__(f"{where}: {problem}")
        self.path = path
        self.problem = problem
        self.line = line


class Verdict(StrEnum):
    REGRESSED = "regressed"
    IMPROVED = "improved"
    UNCHANGED = "unchanged"
    NEW = "new"  # only in head
    MISSING = "missing"  # only in base


@dataclass(frozen=True, slots=True)
class Change:
    """One benchmark metric, base against head, and what perfbot concludes of it."""

    benchmark: str
    metric: str
    unit: str
    direction: Direction
    verdict: Verdict
    base: float | None = None  # the statistic compared (see ``statistic``), in ``unit``
    head: float | None = None
    # (head - base) / base: +0.12 is 12 % larger, whichever direction is better.
    change: float | None = None
    interval: tuple[float, float] | None = None  # confidence interval of ``change``
    statistic: str = ""  # "min", "median", "mean", ...
    reason: str = ""  # why this verdict, in a sentence a PR author can act on
    path: str = ""  # the head result file (base file for MISSING)
    line: int | None = None
    # Paired results only (``bot.core.bench.paired``): the rounds the verdict rests on.
    rounds: int | None = None

    @property
    def worse(self) -> float | None:
        """The change signed so that positive is worse, whichever way is better."""
        if self.change is None:
            return None
        return self.change if self.direction is Direction.LOWER else -self.change
