"""Paired statistics: verdicts from per-round ratios, sequential looks, false alarms held."""

import math
import random

import pytest
from pairedrounds import rounds

from bot.core.bench.compare import compare
from bot.core.bench.model import Direction, Measurement, Results, Verdict
from bot.core.bench.paired import FAMILY_ALPHA, Order, Round, analyse, looks, noise
from bot.core.bench.policy import Override, Policy


def by_name(analysis):
    return {c.change.benchmark: c for c in analysis.changes}


def test_a_slowdown_under_drift_is_regressed_with_an_interval_beyond_the_threshold() -> None:
    analysis = analyse(rounds({"parse": 0.20, "save": 0.0}, 12, drift=0.6), Policy(), 12)
    found = by_name(analysis)
    parse, save = found["parse"].change, found["save"].change
    assert parse.verdict is Verdict.REGRESSED
    assert parse.change == pytest.approx(0.20, abs=0.02)
    low, high = parse.interval
    assert 0.05 < low <= 0.20 <= high
    assert save.verdict is Verdict.UNCHANGED and found["save"].decided
    assert "paired rounds" in parse.reason and "beyond the 5.0 % threshold" in parse.reason


def test_drift_that_fools_one_run_a_side_does_not_fool_the_rounds() -> None:
    # Round 1: the machine is fast for the base run and 40 % slower for the head run.
    made = rounds({"parse": 0.0}, 12)
    first = Round(made[0].order, made[0].base, tuple(
        Results(r.path, r.format, tuple(
            Measurement(m.benchmark, m.metric, m.unit, m.direction,
                        tuple(v * 1.4 for v in m.samples)) for m in r.measurements))
        for r in made[0].head))
    made[0] = first
    single = compare(list(first.base), list(first.head), Policy())
    assert single[0].verdict is Verdict.REGRESSED  # the single-run way is fooled
    analysis = analyse(made, Policy(), 12)
    assert analysis.changes[0].change.verdict is Verdict.UNCHANGED


def test_direction_aware_throughput_falling_is_a_regression_rising_an_improvement() -> None:
    falls = analyse(rounds({"rps": -0.2}, 10, direction=Direction.HIGHER), Policy(), 10)
    rises = analyse(rounds({"rps": 0.25}, 10, direction=Direction.HIGHER), Policy(), 10)
    assert falls.changes[0].change.verdict is Verdict.REGRESSED
    assert falls.changes[0].change.statistic == "max"  # the best sample of a rate
    assert rises.changes[0].change.verdict is Verdict.IMPROVED
    faster = analyse(rounds({"parse": -0.2}, 10), Policy(), 10)
    assert faster.changes[0].change.verdict is Verdict.IMPROVED


def test_a_change_within_the_threshold_is_unchanged_even_when_real() -> None:
    analysis = analyse(rounds({"parse": 0.02}, 12), Policy(), 12)
    assert analysis.changes[0].change.verdict is Verdict.UNCHANGED
    strict = analyse(rounds({"parse": 0.02}, 12), Policy(paired_threshold=0.01), 12)
    assert strict.changes[0].change.verdict is Verdict.REGRESSED


def test_paired_threshold_follows_per_benchmark_overrides() -> None:
    policy = Policy(overrides=(Override(benchmarks=("parse",), paired_threshold=0.5),))
    analysis = analyse(rounds({"parse": 0.2, "save": 0.2}, 12), policy, 12)
    found = by_name(analysis)
    assert found["parse"].change.verdict is Verdict.UNCHANGED
    assert found["save"].change.verdict is Verdict.REGRESSED


def test_a_clear_change_is_decided_at_the_first_look_and_says_how_many_rounds() -> None:
    assert looks(20) == (8, 12, 18, 20)
    made = rounds({"parse": 0.3}, 20)
    early = analyse(made[:8], Policy(), 20, final=False)
    assert not early.undecided
    assert early.changes[0].change.rounds == 8
    # The verdict of the first deciding look stands when more rounds are read.
    later = analyse(made, Policy(), 20)
    assert later.changes[0].change.rounds == 8
    assert later.changes[0].change.verdict is Verdict.REGRESSED


def test_before_the_first_look_every_benchmark_is_undecided() -> None:
    early = analyse(rounds({"parse": 0.3, "save": 0.0}, 5), Policy(), 20, final=False)
    assert len(early.undecided) == 2
    assert early.looks == ()


def test_too_few_rounds_never_call_a_change() -> None:
    analysis = analyse(rounds({"parse": 0.5}, 3), Policy(), 3)
    change = analysis.changes[0]
    assert change.change.verdict is Verdict.UNCHANGED and not change.decided
    assert "too few" in change.change.reason
    assert change.change.change == pytest.approx(0.5, abs=0.05)


def test_a_change_the_rounds_cannot_tell_from_the_threshold_stays_undecided() -> None:
    analysis = analyse(rounds({"parse": 0.05}, 10, noise=0.03), Policy(), 10)
    change = analysis.changes[0]
    assert not change.decided and change.change.verdict is Verdict.UNCHANGED
    assert "More rounds" in change.change.reason


def test_the_correction_widens_the_intervals_with_more_benchmarks_and_looks() -> None:
    one = analyse(rounds({"a": 0.0}, 10), Policy(), 10)
    many = analyse(rounds({f"b{i}": 0.0 for i in range(30)}, 10), Policy(), 10)
    assert one.confidence == pytest.approx(1 - 2 * FAMILY_ALPHA / (1 * len(looks(10))))
    assert many.confidence == pytest.approx(1 - 2 * FAMILY_ALPHA / (30 * len(looks(10))))


def test_false_alarms_per_comparison_stay_within_the_family_budget_under_heavy_drift() -> None:
    """200 comparisons of 10 unchanged benchmarks, each round's two runs disturbed
    independently (the worst case pairing can meet): at most 5 % may have any regression,
    even with no threshold to hide behind (without the correction: 19 of 200)."""
    rng = random.Random(7)
    alarms = 0
    for trial in range(200):
        made = rounds({f"b{i}": 0.0 for i in range(10)}, 20, seed=trial, noise=0.0)
        disturbed = []
        for r in made:
            def slow(results, factor):
                return tuple(Results(x.path, x.format, tuple(
                    Measurement(m.benchmark, m.metric, m.unit, m.direction,
                                tuple(v * factor for v in m.samples)) for m in x.measurements))
                    for x in results)
            disturbed.append(Round(r.order, slow(r.base, 1 + 0.9 * rng.random() ** 3),
                                   slow(r.head, 1 + 0.9 * rng.random() ** 3)))
        analysis = analyse(disturbed, Policy(paired_threshold=0.0), 20)
        alarms += any(c.change.verdict is Verdict.REGRESSED for c in analysis.changes)
    assert alarms <= 10


def test_new_and_missing_benchmarks_are_reported_not_judged() -> None:
    made = rounds({"both": 0.0}, 8)
    extra = Measurement("fresh", "time", "s", Direction.LOWER, (1.0, 1.0))
    gone = Measurement("gone", "time", "s", Direction.LOWER, (1.0, 1.0))
    made = [Round(r.order,
                  (Results("results", "generic", (*r.base[0].measurements, gone)),),
                  (Results("results", "generic", (*r.head[0].measurements, extra)),))
            for r in made]
    found = by_name(analyse(made, Policy(), 8))
    assert found["fresh"].change.verdict is Verdict.NEW
    assert found["gone"].change.verdict is Verdict.MISSING
    assert found["both"].change.verdict is Verdict.UNCHANGED


def test_zero_allocations_that_become_some_are_a_regression() -> None:
    def allocs(value: float) -> tuple[Results, ...]:
        return (Results("r", "go", (Measurement("B", "allocs/op", "", Direction.LOWER,
                                                (value,) * 3),)),)
    made = [Round(Order.BASE_FIRST, allocs(0.0), allocs(2.0)) for _ in range(8)]
    assert analyse(made, Policy(), 8).changes[0].change.verdict is Verdict.REGRESSED
    same = [Round(Order.BASE_FIRST, allocs(0.0), allocs(0.0)) for _ in range(8)]
    assert analyse(same, Policy(), 8).changes[0].change.verdict is Verdict.UNCHANGED


def test_the_noise_report_shows_drift_removed_by_pairing() -> None:
    analysis = analyse(rounds({"a": 0.0, "b": 0.1}, 12, drift=0.8, noise=0.002), Policy(), 12)
    report = noise(analysis)
    assert report is not None and report.benchmarks == 2
    assert report.base_spread > 0.1 and report.head_spread > 0.1
    assert report.paired_spread < 0.02
    assert report.removed > 0.9
    assert not math.isnan(report.removed)
