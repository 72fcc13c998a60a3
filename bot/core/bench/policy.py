"""How perfbot tells a regression from noise: the knobs, their defaults, per-benchmark overrides.

The defaults were chosen by measuring candidate rules on the labelled corpus in
``benchmarks/corpus`` (see ``benchmarks/detection.py`` and README "Detection quality"),
not by habit. ``Policy`` is a frozen settings dataclass so the benchmarks rule can embed
it in its config; ``resolve`` folds the overrides that match one benchmark into the
plain ``Knobs`` that ``compare`` applies.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum

from bot.core.bench.model import Direction
from bot.core.binding import Globs
from bot.core.globs import matches


class Statistic(StrEnum):
    """The robust statistic compared on each side."""

    # The least disturbed sample of CPU-bound work: the minimum, or for a metric where
    # higher is better (throughput), the maximum.
    MIN = "min"
    MAX = "max"
    MEDIAN = "median"
    MEAN = "mean"
    TRIMMED_MEAN = "trimmed-mean"  # mean of the middle half (25 % cut each side)


class Decision(StrEnum):
    """What a change must show, beyond the threshold, to be called real."""

    # The change beyond the threshold is enough.
    THRESHOLD = "threshold"
    # ... and its confidence interval excludes no change (needs min_samples on both sides).
    CONFIDENT = "confident"


class DirectionChoice(StrEnum):
    """Which way is better; ``auto`` keeps what the reader inferred from the unit."""

    AUTO = "auto"
    LOWER = "lower"
    HIGHER = "higher"

    def apply(self, inferred: Direction) -> Direction:
        return inferred if self is DirectionChoice.AUTO else Direction(self.value)


@dataclass(frozen=True, slots=True)
class Override:
    """Settings for the benchmarks whose names match ``benchmarks`` (gitignore-style globs).

    A field left unset keeps the value from the policy (or an earlier override); when
    several overrides match a benchmark, later ones win for the fields they set.
    """

    benchmarks: Globs = ()
    threshold: float | None = None
    statistic: Statistic | None = None
    decision: Decision | None = None
    min_samples: int | None = None
    direction: DirectionChoice | None = None
    noise_margin: float | None = None
    spread_margin: float | None = None
    drift_control: bool | None = None
    paired_threshold: float | None = None


@dataclass(frozen=True, slots=True)
class Knobs:
    """The settings that apply to one benchmark, overrides folded in."""

    threshold: float
    statistic: Statistic
    decision: Decision
    min_samples: int
    direction: DirectionChoice
    noise_margin: float
    spread_margin: float
    drift_control: bool
    confidence: float
    paired_threshold: float = 0.05


@dataclass(frozen=True, slots=True)
class Policy:
    # A change smaller than this (relative, 0.10 = 10 %) is never a regression or improvement.
    # Measured on the corpus: of the candidates catching at least as many +25 % changes as
    # a 5 % threshold on medians or a Mann-Whitney test, the minimum against 10 % had the
    # fewest false alarms; a confidence interval from the samples inside one run added
    # little, because the noise is drift between runs.
    threshold: float = 0.10
    statistic: Statistic = Statistic.MIN
    decision: Decision = Decision.THRESHOLD
    # Fewer samples than this on either side: compare the reported summary instead.
    min_samples: int = 5
    direction: DirectionChoice = DirectionChoice.AUTO
    # With summary statistics only, the threshold widens by this many relative standard
    # deviations (each side's stddev / mean, combined): a noisy benchmark must move further.
    noise_margin: float = 1.0
    # With samples, widen the threshold by this many times the larger within-run spread
    # (median / minimum - 1) of the two sides: a run disturbed by a busy machine shows a
    # wide spread, so its changes must be larger to count. 0 turns it off. Measured: 1.0
    # with a 5 % threshold halved false alarms and called the fewest improvements
    # regressions on the corpus (1.6 %), but caught only two thirds of +25 % changes.
    spread_margin: float = 0.0
    # Use the benchmarks of the same run as a control: the median change of all benchmarks
    # of a metric is taken as the run's drift, and a change counts only as far as it goes
    # beyond it. Off by default: it also hides a change that slows every benchmark alike
    # (measured: +25 % detection falls to 46 % on the corpus).
    drift_control: bool = False
    # Of the bootstrap interval shown beside each change (and required by "confident").
    confidence: float = 0.95
    # For paired results (``perfbot bench run``, ``bot.core.bench.paired``): a change counts
    # when its confidence interval lies wholly beyond this. Lower than ``threshold``
    # because pairing removes the drift between runs that the single-run threshold must
    # absorb; a +10 % change needs an interval that clears 5 % to be caught.
    paired_threshold: float = 0.05
    overrides: tuple[Override, ...] = ()

    def resolve(self, benchmark: str) -> Knobs:
        knobs = Knobs(
            threshold=self.threshold,
            statistic=self.statistic,
            decision=self.decision,
            min_samples=self.min_samples,
            direction=self.direction,
            noise_margin=self.noise_margin,
            spread_margin=self.spread_margin,
            drift_control=self.drift_control,
            confidence=self.confidence,
            paired_threshold=self.paired_threshold,
        )
        for override in self.overrides:
            if not matches(override.benchmarks, benchmark):
                continue
            changes = {
                name: getattr(override, name)
                for name in (
                    "threshold",
                    "statistic",
                    "decision",
                    "min_samples",
                    "direction",
                    "noise_margin",
                    "spread_margin",
                    "drift_control",
                    "paired_threshold",
                )
                if getattr(override, name) is not None
            }
            knobs = replace(knobs, **changes)
        return knobs
