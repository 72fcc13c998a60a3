"""How perfbot tells a regression from noise: the knobs, their defaults, per-benchmark overrides.

The defaults were chosen by measuring candidate rules on the labelled corpus in
``benchmarks/corpus`` (see ``benchmarks/detection.py`` and README "Detection quality"),
not by habit. ``Policy`` is a frozen settings dataclass so the benchmarks rule can embed
it in its config; ``resolve`` folds the overrides that match one benchmark into the
plain ``Knobs`` that ``compare`` applies.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from enum import StrEnum

from bot.core.bench.model import Direction
from bot.core.binding import Count, Fraction, Globs, Margin
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
    """Globs over benchmark names this override applies to."""
    threshold: Fraction | None = None
    """As `policy.threshold`, for these benchmarks."""
    statistic: Statistic | None = None
    """As `policy.statistic`, for these benchmarks."""
    decision: Decision | None = None
    """As `policy.decision`, for these benchmarks."""
    min_samples: Count | None = None
    """As `policy.min_samples`, for these benchmarks."""
    direction: DirectionChoice | None = None
    """As `policy.direction`, for these benchmarks."""
    noise_margin: Margin | None = None
    """As `policy.noise_margin`, for these benchmarks."""
    spread_margin: Margin | None = None
    """As `policy.spread_margin`, for these benchmarks."""
    drift_control: bool | None = None
    """As `policy.drift_control`, for these benchmarks."""
    paired_threshold: Fraction | None = None
    """As `policy.paired_threshold`, for these benchmarks."""


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
    threshold: Fraction = 0.10
    """A smaller relative change (0.1 is 10 %) is never a regression or an improvement."""
    statistic: Statistic = Statistic.MIN
    """The statistic compared on each side (`min`: the best sample; `max` where higher is better)."""  # noqa: E501
    decision: Decision = Decision.THRESHOLD
    """`threshold`: a change beyond the threshold is real; `confident`: its confidence interval must also exclude no change."""  # noqa: E501
    # Fewer samples than this on either side: compare the reported summary instead.
    min_samples: Count = 5
    """Fewer samples than this on either side: the tool's summary is compared instead."""
    direction: DirectionChoice = DirectionChoice.AUTO
    """Which way is better; `auto` tells by the unit (times lower, rates higher)."""
    # With summary statistics only, the threshold widens by this many relative standard
    # deviations (each side's stddev / mean, combined): a noisy benchmark must move further.
    noise_margin: Margin = 1.0
    """With summary statistics only, widen the threshold by this many relative standard deviations."""  # noqa: E501
    # With samples, widen the threshold by this many times the larger within-run spread
    # (median / minimum - 1) of the two sides: a run disturbed by a busy machine shows a
    # wide spread, so its changes must be larger to count. 0 turns it off. Measured: 1.0
    # with a 5 % threshold halved false alarms and called the fewest improvements
    # regressions on the corpus (1.6 %), but caught only two thirds of +25 % changes.
    spread_margin: Margin = 0.0
    """With samples, widen the threshold by this many times the larger within-run spread; 0: off."""
    # Use the benchmarks of the same run as a control: the median change of all benchmarks
    # of a metric is taken as the run's drift, and a change counts only as far as it goes
    # beyond it. Off by default: it also hides a change that slows every benchmark alike
    # (measured: +25 % detection falls to 46 % on the corpus).
    drift_control: bool = False
    """Discount the median change of the run's other benchmarks, taken as drift."""
    # Of the bootstrap interval shown beside each change (and required by "confident").
    confidence: Fraction = 0.95
    """Of the bootstrap interval shown beside each change (and required by `confident`)."""
    # For paired results (``perfbot bench run``, ``bot.core.bench.paired``): a change counts
    # when its confidence interval lies wholly beyond this. Lower than ``threshold``
    # because pairing removes the drift between runs that the single-run threshold must
    # absorb; a +10 % change needs an interval that clears 5 % to be caught.
    paired_threshold: Fraction = 0.05
    """Paired results (`perfbot bench run`): a change beyond this counts once its interval excludes no change."""  # noqa: E501
    overrides: tuple[Override, ...] = ()
    """Settings for benchmarks matching globs; later overrides win for the fields they set."""

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


THRESHOLD_FORM = "write a relative change as a fraction or a percentage: 0.1 or 10%"
NOT_A_NUMBER = "{text!r} is not a number; " + THRESHOLD_FORM
NOT_POSITIVE = "{text} is no threshold: it must be more than 0 ({form})"
TOO_LARGE = (
    "{text} would be {percent} %; write {text}% for {text} %, or {fraction} "
    "(a fraction: 0.1 is 10 %)"
)


def parse_threshold(text: str) -> float:
    """A threshold as a person types it: ``10%`` or ``0.1``; ValueError says what is wrong.

    A bare number of 1 or more is refused rather than read as a fraction: ``30`` almost
    always means 30 %, and taken as 3000 % it would hide every regression. Zero or less
    would call every unchanged benchmark improved or regressed.
    """
    written = text.strip()
    percent = written.endswith("%")
    number = written[:-1].strip() if percent else written
    try:
        value = float(number)
    except ValueError:
        raise ValueError(NOT_A_NUMBER.format(text=text)) from None
    if not math.isfinite(value):
        raise ValueError(NOT_A_NUMBER.format(text=text))
    if value <= 0:
        raise ValueError(NOT_POSITIVE.format(text=written, form=THRESHOLD_FORM))
    if percent:
        return value / 100
    if value >= 1:
        raise ValueError(TOO_LARGE.format(
            text=number, percent=f"{value * 100:g}", fraction=f"{value / 100:g}"))
    return value
