"""Absolute limits on benchmark results (``p95 <= 250ms``), held on the head whatever the baseline.

A limit reads ``[METRIC] [STATISTIC] OP QUANTITY``:

* ``time <= 2ms``: the metric ``time``, its central value (median of the samples, else the
  median or mean the tool reports);
* ``p95 <= 250ms``: the 95th percentile of every metric measured in the quantity's unit
  (here seconds); a metric the tool already names by the statistic
  (k6's ``http_req_duration p95``) is taken as it stands;
* ``http_req_duration p99 < 400ms``, ``throughput >= 1200 rps``, ``bytes/op <= 512KiB``.

Statistics: ``min``, ``max``, ``mean``, ``median`` and percentiles ``p50`` … ``p99.9`` (or
``p(95)``, as k6 writes them). Without a statistic, a tool's per-statistic metrics are held
by their median.
"""

from __future__ import annotations

import math
import re
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bot.core import units
from bot.core.bench.model import Measurement, Results
from bot.core.globs import matches

OPS = ("<=", ">=", "<", ">")
_LIMIT = re.compile(r"^\s*(?P<lhs>.*?)\s*(?P<op><=|>=|<|>)\s*(?P<rhs>.+?)\s*$")
# ``p95``, or ``p(95)`` as k6 writes its thresholds.
_PERCENTILE = re.compile(r"^p(?:(?P<rank>\d{1,2}(?:\.\d+)?)|\((?P<k6>\d{1,2}(?:\.\d+)?)\))$",
                         re.IGNORECASE)
NAMED_STATISTICS = ("min", "max", "mean", "median")
# Units with a written form (``2ms``, ``512KiB``, ``1200 rps``, ``5%``): a limit must say them.
MEASURED_UNITS = frozenset({units.SECONDS, units.BYTES, units.BYTES_PER_SECOND,
                            units.OPS_PER_SECOND, units.PERCENT})
LIMIT_HELP = (
    "write a limit as `[metric] [statistic] <= value unit`, e.g. `p95 <= 250ms`, "
    "`time <= 2ms`, `throughput >= 1200 rps`"
)


class LimitError(ValueError):
    """A limit that cannot be read; the message says why and how to write one."""


@dataclass(frozen=True, slots=True)
class Limit:
    text: str  # as written
    metric: str  # "" holds every metric measured in ``unit``
    statistic: str  # "" is the metric's central value
    op: str
    value: float  # normalised (seconds, bytes, per second)
    unit: str

    def holds(self, actual: float) -> bool:
        if self.op == "<=":
            return actual <= self.value
        if self.op == "<":
            return actual < self.value
        if self.op == ">=":
            return actual >= self.value
        return actual > self.value

    @property
    def upper(self) -> bool:
        return self.op in ("<=", "<")


@dataclass(frozen=True, slots=True)
class Budget:
    """A limit and the benchmarks it holds (globs over benchmark names)."""

    benchmarks: tuple[str, ...]
    limit: Limit
    source: str  # where it was set, e.g. "budget" or "objective `checkout`"


@dataclass(frozen=True, slots=True)
class Breach:
    benchmark: str
    metric: str
    budget: Budget
    actual: float
    unit: str
    path: str
    line: int | None

    @property
    def excess(self) -> float | None:
        """How far past the limit, relative to it: 0.2 is 20 % over (or under, for ``>=``);
        None when no finite ratio says it (a limit of zero, or nothing measured)."""
        limit = self.budget.limit.value
        if limit == 0:
            return None
        ratio = self.actual / limit
        return ratio - 1 if self.budget.limit.upper else (1 / ratio - 1 if ratio else None)


@dataclass(frozen=True, slots=True)
class Held:
    """What checking budgets found: breaches, how many held, and budgets that measured nothing."""

    breaches: tuple[Breach, ...] = ()
    held: int = 0
    unmeasured: tuple[str, ...] = ()


def parse_limit(text: str) -> Limit:
    found = _LIMIT.match(text)
    if not found or not found.group("lhs"):
        raise LimitError(f"cannot read the limit {text!r}: {LIMIT_HELP}")
    try:
        quantity = units.parse(found.group("rhs"))
    except units.UnitError as exc:
        raise LimitError(f"cannot read the limit {text!r}: {exc}") from None
    words = found.group("lhs").split()
    statistic = ""
    if is_statistic(words[-1]):
        statistic = _canonical(words.pop())
    return Limit(text.strip(), " ".join(words), statistic, found.group("op"),
                 quantity.value, quantity.unit)


def is_statistic(word: str) -> bool:
    if word.lower() in NAMED_STATISTICS:
        return True
    rank = _rank(word)
    return rank is not None and 0 < float(rank) < 100


def _rank(word: str) -> str | None:
    found = _PERCENTILE.match(word)
    return None if found is None else found.group("rank") or found.group("k6")


def _canonical(word: str) -> str:
    """``P(95)`` and ``p95`` alike are ``p95``; ``Median`` is ``median``."""
    rank = _rank(word)
    return word.lower() if rank is None else f"p{rank}"


def check(results: Sequence[Results], budgets: Iterable[Budget]) -> Held:
    breaches: list[Breach] = []
    unmeasured: list[str] = []
    held = 0
    for budget in budgets:
        measured = False
        for result in results:
            for m in result.measurements:
                if not matches(budget.benchmarks, m.benchmark):
                    continue
                actual = value(m, budget.limit)
                if actual is None:
                    continue
                measured = True
                unit = m.unit
                if _a_fraction(m, budget.limit):
                    actual, unit = actual * 100.0, units.PERCENT
                if budget.limit.holds(actual):
                    held += 1
                else:
                    breaches.append(
                        Breach(m.benchmark, m.metric, budget, actual, unit, result.path, m.line)
                    )
        if not measured:
            unmeasured.append(f"{budget.source} `{budget.limit.text}`")
    return Held(tuple(breaches), held, tuple(unmeasured))


def value(m: Measurement, limit: Limit) -> float | None:
    """The measurement's value for ``limit``, or None when the limit does not apply to it."""
    if (m.unit != limit.unit and _normal(m.unit) != limit.unit and not _a_count(m, limit)
            and not _a_fraction(m, limit)):
        return None
    metric, _, named = m.metric.rpartition(" ")
    if named and is_statistic(named):
        # The tool reports this statistic as its own metric (k6's "http_req_duration p95").
        # Without a statistic a limit holds the central value: the median, not the maximum.
        if _canonical(named) != (limit.statistic or "median"):
            return None
        if limit.metric and metric != limit.metric:
            return None
        return central(m)
    if limit.metric and m.metric != limit.metric:
        return None
    return statistic(m, limit.statistic) if limit.statistic else central(m)


def _normal(unit: str) -> str | None:
    """A tool's unit that is already a normalised one by another name ("req/s" is ops/s)."""
    try:
        known = units.unit(unit)
    except units.UnitError:
        return None
    return known.normal if known.factor == 1.0 else None


def _a_count(m: Measurement, limit: Limit) -> bool:
    """A plain number limits a named metric that counts (``allocs/op <= 0``): counts carry
    the tool's own unit ("allocs"), which nobody writes after the number."""
    return limit.unit == units.NUMBER and bool(limit.metric) and m.unit not in MEASURED_UNITS


def _a_fraction(m: Measurement, limit: Limit) -> bool:
    """A percentage limits a rate a tool reports as a fraction (k6's ``checks rate``, 0.99)
    when the limit names it: ``http_req_failed rate < 1%``."""
    return (limit.unit == units.PERCENT and bool(limit.metric) and m.unit == units.NUMBER
            and m.metric.endswith(" rate"))


def central(m: Measurement) -> float | None:
    if m.samples:
        return float(statistics.median(m.samples))
    return m.summary.median if m.summary.median is not None else m.summary.mean


def statistic(m: Measurement, name: str) -> float | None:
    samples = sorted(m.samples)
    summary = m.summary
    if name == "min":
        return samples[0] if samples else summary.minimum
    if name == "max":
        return samples[-1] if samples else summary.maximum
    if name == "mean":
        return statistics.fmean(samples) if samples else summary.mean
    if name == "median" or name == "p50":
        return central(m)
    rank = _rank(name)
    if rank is None or not samples:
        return None
    return _percentile(samples, float(rank) / 100)


def _percentile(ordered: list[float], q: float) -> float:
    """Linear interpolation between closest ranks, as numpy's default."""
    at = (len(ordered) - 1) * q
    low = math.floor(at)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (at - low)
