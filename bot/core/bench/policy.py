"""How perfbot tells a regression from noise: the knobs, their defaults, and per-benchmark overrides.

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

    MIN = "min"  # the least disturbed run of CPU-bound work
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
    drift_control: bool | None = None


@dataclass(frozen=True, slots=True)
class Knobs:
    """The settings that apply to one benchmark, overrides folded in."""

    threshold: float
    statistic: Statistic
    decision: Decision
    min_samples: int
    direction: DirectionChoice
    noise_margin: float
    drift_control: bool
    confidence: float


@dataclass(frozen=True, slots=True)
class Policy:
    # A change smaller than this (relative, 0.05 = 5 %) is never a regression or improvement.
    threshold: float = 0.05
    statistic: Statistic = Statistic.MIN
    decision: Decision = Decision.THRESHOLD
    # Fewer samples than this on either side: compare the reported summary instead.
    min_samples: int = 5
    direction: DirectionChoice = DirectionChoice.AUTO
    # With summary statistics only, the threshold widens by this many relative standard
    # deviations (each side's stddev / mean, combined): a noisy benchmark must move further.
    noise_margin: float = 1.0
    # Divide out the drift that moved every benchmark of the run alike (the median change
    # of all benchmarks of the metric), so a slower machine is not a regression; a change
    # that moves every benchmark by more than drift_limit is still reported (see compare).
    drift_control: bool = False
    confidence: float = 0.95
    overrides: tuple[Override, ...] = ()

    def resolve(self, benchmark: str) -> Knobs:
        knobs = Knobs(
            threshold=self.threshold,
            statistic=self.statistic,
            decision=self.decision,
            min_samples=self.min_samples,
            direction=self.direction,
            noise_margin=self.noise_margin,
            drift_control=self.drift_control,
            confidence=self.confidence,
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
                    "drift_control",
                )
                if getattr(override, name) is not None
            }
            knobs = replace(knobs, **changes)
        return knobs
