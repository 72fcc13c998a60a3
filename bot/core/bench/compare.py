"""Base against head, benchmark by benchmark: regressed, improved, unchanged, new or missing.

Pure: ``Results`` in, ``Change``s out. Measurements pair by (benchmark, metric) across
all files, so a benchmark may move between files; the same key in several files of one
side is taken as repeated runs. The decision rule and its defaults are in
``bot.core.bench.policy``; why they are what they are is measured by
``benchmarks/detection.py`` on the labelled corpus.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import numpy.typing as npt

from bot.core.bench.model import Change, Direction, Measurement, Results, Summary, Verdict
from bot.core.bench.policy import Decision, Knobs, Policy, Statistic
from bot.core.bench.table import geometric_mean

__all__ = ["compare", "geometric_mean"]

Array = npt.NDArray[np.float64]

# Drift control needs this many benchmarks of a metric measured on both sides: with
# fewer, their median change is no control at all.
DRIFT_MIN_BENCHMARKS = 4
RESAMPLES = 400
GO_SUFFIX = re.compile(r"^(?P<bare>(?:\S*[./])?Benchmark\S*?)-\d+$")
SEED = 5  # the bootstrap is seeded: the same files always give the same verdicts

NEW = "Only in the head results: nothing to compare with yet."
MISSING = "In the base results but not in the head: was the benchmark removed or renamed?"
NO_VALUE = "No {statistic} reported on {side}: nothing to compare."
BASE_ZERO = "The base's {statistic} is 0, so no relative change can be computed."
BOTH_ZERO = "Zero on both sides."
FROM_ZERO = (
    "{statistic} {way} from zero (every base sample was 0), which no relative threshold "
    "can measure: a benchmark at zero is expected to stay there."
)
TOO_FEW = (
    "Fewer than {min_samples} samples on a side: compared the reported {stat} "
    "against a threshold of {margin} (the {threshold} threshold widened by the reported spread)."
)
REGRESSED = "{statistic} {worse} by {size}, beyond the {margin} threshold{evidence}."
IMPROVED = "{statistic} {better} by {size}, beyond the {margin} threshold{evidence}."
WITHIN = "The {size} change of the {statistic} is within the {margin} threshold{evidence}."
NOT_CONFIDENT = (
    "The {size} change of the {statistic} is beyond the {margin} threshold, but its "
    "{confidence} confidence interval includes no change: not distinguishable from noise."
)
DRIFT = (
    " (every benchmark of this metric moved by {drift} in this run; drift control counts "
    "only the part of the change beyond that)"
)


@dataclass(slots=True)
class _Side:
    """One benchmark metric on one side, gathered over every file that has it."""

    first: Measurement
    path: str
    runs: list[Array] = field(default_factory=list)
    summaries: list[Summary] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class _Estimate:
    value: float | None
    # Relative standard deviation when only a summary was compared; median / min - 1 of the
    # noisiest run when samples were.
    spread: float
    sampled: bool


def compare(base: Sequence[Results], head: Sequence[Results], policy: Policy) -> tuple[Change, ...]:
    """Every benchmark metric of either side, with its verdict; head order, then base-only."""
    bases, heads = _gather(base), _gather(head)
    _pair_go_suffixes(bases, heads)
    _pair_go_suffixes(heads, bases)
    paired = [key for key in heads if key in bases]
    knobs = {key: _knobs(policy, side) for key, side in (*bases.items(), *heads.items())}
    estimates = {
        key: (_estimate(bases[key], knobs[key]), _estimate(heads[key], knobs[key]))
        for key in paired
    }
    drift = _drift(estimates, knobs)
    changes: list[Change] = []
    for key, side in heads.items():
        if key not in bases:
            changes.append(_lone(side, knobs[key], Verdict.NEW, NEW))
            continue
        changes.append(_judge(bases[key], side, estimates[key], knobs[key], drift))
    for key, side in bases.items():
        if key not in heads:
            changes.append(_lone(side, knobs[key], Verdict.MISSING, MISSING))
    return tuple(changes)


def _gather(results: Sequence[Results]) -> dict[tuple[str, str], _Side]:
    sides: dict[tuple[str, str], _Side] = {}
    for result in results:
        for m in result.measurements:
            side = sides.setdefault(m.key, _Side(m, result.path))
            if m.samples:
                side.runs.append(np.asarray(m.samples, dtype=np.float64))
            side.summaries.append(m.summary)
    return sides


def _pair_go_suffixes(
    suffixed: dict[tuple[str, str], _Side], bare: dict[tuple[str, str], _Side]
) -> None:
    """Pair Go's ``X-N`` on one side with ``X`` on the other when neither has a partner.

    The Go reader drops the -N GOMAXPROCS suffix only when a file shows which suffix it
    is; a run on one CPU adds none, so ``BenchmarkFib/n-20`` alone may lose a suffix that
    was its own name. Renamed in place to the bare name, so both sides share one key.
    """
    for key in [k for k in suffixed if k not in bare]:
        found = GO_SUFFIX.match(key[0])
        if found is None:
            continue
        target = (found.group("bare"), key[1])
        if target in bare and target not in suffixed:
            side = suffixed.pop(key)
            side.first = replace(side.first, benchmark=target[0])
            suffixed[target] = side


def _knobs(policy: Policy, side: _Side) -> Knobs:
    """The benchmark's settings; "min" means the best sample, so the maximum of a rate."""
    knobs = policy.resolve(side.first.benchmark)
    higher = knobs.direction.apply(side.first.direction) is Direction.HIGHER
    if knobs.statistic is Statistic.MIN and higher:
        return replace(knobs, statistic=Statistic.MAX)
    return knobs


def _statistic(samples: Array, statistic: Statistic) -> float:
    if statistic is Statistic.MIN:
        return float(samples.min())
    if statistic is Statistic.MAX:
        return float(samples.max())
    if statistic is Statistic.MEDIAN:
        return float(np.median(samples))
    if statistic is Statistic.MEAN:
        return float(samples.mean())
    ordered = np.sort(samples)
    cut = len(ordered) // 4
    return float(ordered[cut : len(ordered) - cut].mean())


def _from_summary(summary: Summary, statistic: Statistic) -> float | None:
    preferred = {
        Statistic.MIN: (summary.minimum, summary.median, summary.mean),
        Statistic.MAX: (summary.maximum, summary.median, summary.mean),
        Statistic.MEDIAN: (summary.median, summary.mean, summary.minimum),
        Statistic.MEAN: (summary.mean, summary.median, summary.minimum),
        Statistic.TRIMMED_MEAN: (summary.median, summary.mean, summary.minimum),
    }[statistic]
    return next((v for v in preferred if v is not None and math.isfinite(v)), None)


def _estimate(side: _Side, knobs: Knobs) -> _Estimate:
    runs = [r for r in side.runs if r.size]
    if runs and all(r.size >= knobs.min_samples for r in runs):
        per_run = [_statistic(r, knobs.statistic) for r in runs]
        value = per_run[0] if len(per_run) == 1 else float(np.median(per_run))
        spread = 0.0
        if knobs.spread_margin:
            spread = max(float(np.median(r) / r.min() - 1.0) if r.min() > 0 else 0.0 for r in runs)
        return _Estimate(value, spread, sampled=True)
    values = [_from_summary(s, knobs.statistic) for s in side.summaries]
    if runs and not any(v is not None for v in values):
        # Too few samples and no summary: the samples are all there is.
        values = [_statistic(r, knobs.statistic) for r in runs]
    known = [v for v in values if v is not None]
    if not known:
        return _Estimate(None, 0.0, sampled=False)
    spreads = [
        s.stddev / s.mean
        for s in side.summaries
        if s.stddev is not None and s.mean and math.isfinite(s.stddev / s.mean)
    ]
    return _Estimate(float(np.median(known)), max(spreads, default=0.0), sampled=False)


def _drift(
    estimates: dict[tuple[str, str], tuple[_Estimate, _Estimate]],
    knobs: dict[tuple[str, str], Knobs],
) -> dict[str, float]:
    """Per metric, the median head/base ratio of every benchmark: what moved the whole run."""
    ratios: dict[str, list[float]] = {}
    for key, (b, h) in estimates.items():
        if not knobs[key].drift_control or not b.value or h.value is None:
            continue
        ratios.setdefault(key[1], []).append(h.value / b.value)
    return {
        metric: float(np.median(values))
        for metric, values in ratios.items()
        if len(values) >= DRIFT_MIN_BENCHMARKS
    }


def _interval(base: _Side, head: _Side, knobs: Knobs) -> tuple[float, float] | None:
    """Bootstrap interval of head/base - 1: over runs when both sides repeated, else samples."""
    rng = np.random.default_rng(SEED)
    tail = (1.0 - knobs.confidence) / 2.0

    def resampled(side: _Side) -> Array:
        if len(base.runs) >= 2 and len(head.runs) >= 2:
            per_run = np.array([_statistic(r, knobs.statistic) for r in side.runs])
            picks = per_run[rng.integers(0, per_run.size, (RESAMPLES, per_run.size))]
            return np.asarray(np.median(picks, axis=1), dtype=np.float64)
        samples = np.concatenate(side.runs)
        picks = samples[rng.integers(0, samples.size, (RESAMPLES, samples.size))]
        return _statistics_by_row(picks, knobs.statistic)

    b, h = resampled(base), resampled(head)
    if np.any(b <= 0):
        return None
    ratios = h / b - 1.0
    low, high = np.quantile(ratios, [tail, 1.0 - tail])
    return (float(low), float(high))


def _statistics_by_row(picks: Array, statistic: Statistic) -> Array:
    if statistic is Statistic.MIN:
        return np.asarray(picks.min(axis=1), dtype=np.float64)
    if statistic is Statistic.MAX:
        return np.asarray(picks.max(axis=1), dtype=np.float64)
    if statistic is Statistic.MEDIAN:
        return np.asarray(np.median(picks, axis=1), dtype=np.float64)
    if statistic is Statistic.MEAN:
        return np.asarray(picks.mean(axis=1), dtype=np.float64)
    ordered = np.sort(picks, axis=1)
    cut = ordered.shape[1] // 4
    return np.asarray(ordered[:, cut : ordered.shape[1] - cut].mean(axis=1), dtype=np.float64)


def _lone(side: _Side, knobs: Knobs, verdict: Verdict, reason: str) -> Change:
    m = side.first
    estimate = _estimate(side, knobs)
    value = estimate.value
    return Change(
        benchmark=m.benchmark,
        metric=m.metric,
        unit=m.unit,
        direction=knobs.direction.apply(m.direction),
        verdict=verdict,
        base=value if verdict is Verdict.MISSING else None,
        head=value if verdict is Verdict.NEW else None,
        statistic=knobs.statistic.value,
        reason=reason,
        path=side.path,
        line=m.line,
    )


def _judge(
    base: _Side,
    head: _Side,
    estimates: tuple[_Estimate, _Estimate],
    knobs: Knobs,
    drift: dict[str, float],
) -> Change:
    m = head.first
    direction = knobs.direction.apply(m.direction)
    b, h = estimates
    unjudged = Change(
        benchmark=m.benchmark,
        metric=m.metric,
        unit=m.unit,
        direction=direction,
        verdict=Verdict.UNCHANGED,
        base=b.value,
        head=h.value,
        statistic=knobs.statistic.value,
        path=head.path,
        line=m.line,
    )
    if b.value is None or h.value is None:
        side = "the base" if b.value is None else "the head"
        return _with(unjudged, reason=NO_VALUE.format(statistic=knobs.statistic.value, side=side))
    if b.value == 0:
        return _from_zero(unjudged, base, h.value, knobs)
    change = h.value / b.value - 1.0
    sampled = b.sampled and h.sampled
    run_drift = drift.get(m.metric, 1.0) if knobs.drift_control else 1.0
    judged = _guarded(change, (1.0 + change) / run_drift - 1.0)
    margin = knobs.threshold
    if sampled:
        margin += knobs.spread_margin * max(b.spread, h.spread)
    else:
        margin += knobs.noise_margin * math.hypot(b.spread, h.spread)
    worse = judged if direction is Direction.LOWER else -judged
    words = {
        "statistic": knobs.statistic.value.capitalize(),
        "stat": knobs.statistic.value,
        "worse": "rose" if direction is Direction.LOWER else "fell",
        "better": "fell" if direction is Direction.LOWER else "rose",
        "size": f"{abs(change if run_drift == 1.0 else judged) * 100:.1f} %",
        "margin": f"{margin * 100:.1f} %",
        "threshold": f"{knobs.threshold * 100:.1f} %",
        "confidence": f"{knobs.confidence * 100:.0f} %",
        "min_samples": knobs.min_samples,
        "evidence": DRIFT.format(drift=f"{(run_drift - 1) * 100:+.1f} %")
        if run_drift != 1.0
        else "",
    }
    verdict, template, interval = Verdict.UNCHANGED, WITHIN, None
    if abs(worse) > margin:
        # The interval is drawn where a reader will look at it (a change beyond the
        # threshold); drawing it for every quiet benchmark would cost most of the time.
        interval = _interval(base, head, knobs) if sampled else None
        verdict, template = (
            (Verdict.REGRESSED, REGRESSED) if worse > 0 else (Verdict.IMPROVED, IMPROVED)
        )
        if knobs.decision is Decision.CONFIDENT and interval is not None:
            low, high = interval
            if low <= 0.0 <= high:
                verdict, template = Verdict.UNCHANGED, NOT_CONFIDENT
    reason = template.format(**words)
    if not sampled:
        reason = TOO_FEW.format(**words) + " " + reason
    return _with(unjudged, verdict=verdict, change=change, interval=interval, reason=reason)


def _from_zero(unjudged: Change, base: _Side, head: float, knobs: Knobs) -> Change:
    """A base at zero: exact zeros (Go's 0 allocs/op) make any rise a verdict; a zero
    statistic among non-zero samples (a coarse timer) leaves the change unjudged."""
    statistic = knobs.statistic.value
    if head == 0:
        return _with(unjudged, change=0.0, reason=BOTH_ZERO)
    exact = all(not r.any() for r in base.runs) if base.runs else True
    if not exact:
        return _with(unjudged, reason=BASE_ZERO.format(statistic=statistic))
    rose = head > 0
    verdict = Verdict.REGRESSED if rose is (unjudged.direction is Direction.LOWER) \
        else Verdict.IMPROVED
    way = "rose" if rose else "fell"
    return _with(unjudged, verdict=verdict,
                 reason=FROM_ZERO.format(statistic=statistic.capitalize(), way=way))


def _guarded(raw: float, corrected: float) -> float:
    """The drift may only argue for "unchanged": of the raw and the drift-corrected change,
    the one nearer zero, and zero when they disagree on the sign."""
    if raw * corrected <= 0.0:
        return 0.0
    return raw if abs(raw) < abs(corrected) else corrected


def _with(original: Change, **fields: Any) -> Change:
    return replace(original, **fields)
