"""Benchmark variances, pure: ids people can type, baselines recorded, recovery on evidence."""

from __future__ import annotations

import pytest
from benchfiles import pytest_benchmark, samples

from bot.core.facts import ChangedFile, FileStatus, PullRequest, Tree
from bot.core.results import Outcome, Reading, RuleResult, Severity, Stage, Variance
from bot.core.review import escape, mitigation
from bot.core.review.commands import SignOff, parse
from bot.core.review.signoff import judge
from bot.core.review.state import (
    ReviewState,
    SignOffRecord,
    VarianceRecord,
    decode,
    derive_key,
    encode,
)
from bot.core.review_settings import IssueGrouping, MitigationSettings, SignoffSettings
from bot.core.rules import benchmarks

PATH = "benchmarks/results/bench.json"
KEY = derive_key("secret")


def pr(head: str, base: str) -> PullRequest:
    return PullRequest(
        head_sha="f" * 40, base_ref="main", files=(ChangedFile(PATH, FileStatus.MODIFIED),),
        head=Tree("f" * 40, {PATH: head}), base=Tree("b" * 40, {PATH: base}),
    )


def evaluate(base: dict[str, float], head: dict[str, float]) -> RuleResult:
    return benchmarks.evaluate(
        pr(pytest_benchmark({k: samples(v, seed=2) for k, v in head.items()}),
           pytest_benchmark({k: samples(v) for k, v in base.items()})),
        benchmarks.Settings())


# --- ids


@pytest.mark.parametrize(("name", "token"), [
    ("tests/test_x.py::test_parse[small-1]", "tests/test_x.py::test_parse[small-1]"),
    ("BM_Sort<int>/1024/threads:4", "BM_Sort<int>/1024/threads:4"),
    ("test_q[a b]", "test_q[a_b]"),
    ("test_q[\"x\" 'y' `z`]", "test_q[_x_y_z_]"),
])
def test_benchmark_ids_keep_names_and_are_one_typeable_word(name, token):
    variance = benchmarks.variance_id(name, "time")
    assert variance == f"benchmarks:{token}:time"
    [command] = parse(f'/perf signoff {variance} --reason r --mitigation m')
    assert isinstance(command, SignOff) and command.variance == variance
    # Shown in a code span exactly as typed: nothing to unescape before copying it.
    assert escape.code(variance) == f"`{variance}`"


def test_a_code_span_cannot_carry_a_hidden_marker():
    shown = escape.code("x<!-- perfbot:item:a -->")
    assert "<!--" not in shown and "-->" not in shown


# --- what the rule exposes


def test_a_regression_carries_its_baseline_and_every_metric_a_reading():
    result = evaluate({"test_a": 0.001, "test_b": 0.004}, {"test_a": 0.0015, "test_b": 0.002})
    [variance] = result.variances
    assert variance.id == "benchmarks:tests/test_perf.py::test_a:time"
    assert variance.baseline == pytest.approx(0.00099, rel=0.01)
    assert variance.value == pytest.approx(0.001485, rel=0.01)
    assert (variance.unit, variance.direction, variance.threshold) == ("s", "lower", 0.10)
    assert f"`{variance.id}`" in result.fix
    # Improvements first: a recovery usually shows as one against a regressed merge base.
    assert [r.id for r in result.readings] == [
        "benchmarks:tests/test_perf.py::test_b:time", "benchmarks:tests/test_perf.py::test_a:time"]
    assert result.readings[1].value == variance.value


# --- recording and judging recovery

BASELINE = VarianceRecord("benchmarks:t[x]:time", "benchmarks", "t regressed", 0.3,
                          baseline=1.0e-3, value=1.3e-3, unit="s", direction="lower",
                          threshold=0.05)
THROUGHPUT = VarianceRecord("benchmarks:t:throughput", "benchmarks", "t fell", 0.3,
                            baseline=1000.0, value=700.0, unit="ops/s", direction="higher",
                            threshold=0.05)
RULE_LEVEL = VarianceRecord("design_record", "design_record", "no ADR")


def issue(*variances: VarianceRecord) -> mitigation.Tracked:
    signoffs = tuple(SignOffRecord(v.id, v.rule, "maria", "2026-11-27T00:00:00Z", "why", "plan",
                                   "abc1234", magnitude=v.magnitude) for v in variances)
    state = ReviewState(signoffs=signoffs, variances=variances)
    [draft] = mitigation.drafts(state, MitigationSettings(grouping=IssueGrouping.PER_PR),
                                "o/r", 7, "u")
    tracked = mitigation.tracked(draft.body)
    assert tracked is not None
    return tracked


def merged(*readings: Reading, passed: tuple[str, ...] = ("benchmarks",)) -> ReviewState:
    return ReviewState(readings=readings, passed_rules=passed)


def test_the_issue_records_the_baseline_it_will_be_judged_by():
    tracked = issue(BASELINE, THROUGHPUT, RULE_LEVEL)
    assert tracked.levels == (
        mitigation.Level(1.0e-3, 1.3e-3, "s", "lower", 0.05),
        mitigation.Level(1000.0, 700.0, "ops/s", "higher", 0.05),
        None,
    )


def test_a_merge_that_did_not_measure_it_or_measured_it_still_slow_is_no_recovery():
    tracked = issue(BASELINE)
    assert mitigation.recovered(tracked, merged()) == ()  # the rule passed, measured nothing
    still = Reading(BASELINE.id, 1.06e-3, "s")
    assert mitigation.recovered(tracked, merged(still)) == ()
    other_unit = Reading(BASELINE.id, 1.0e-3, "B")
    assert mitigation.recovered(tracked, merged(other_unit)) == ()


def test_a_reading_back_within_threshold_is_recovery_in_either_direction():
    back = Reading(BASELINE.id, 1.04e-3, "s")
    [found] = mitigation.recovered(issue(BASELINE), merged(back))
    assert found.reading == back and found.level is not None
    tracked = issue(THROUGHPUT)
    assert mitigation.recovered(tracked, merged(Reading(THROUGHPUT.id, 940.0, "ops/s",
                                                        "higher"))) == ()
    [up] = mitigation.recovered(tracked, merged(Reading(THROUGHPUT.id, 960.0, "ops/s",
                                                        "higher")))
    assert up.variance == THROUGHPUT.id
    text = mitigation.recovery_comment("o/r", 9, "u", (up,), "")
    assert "| 1000 ops/s | 700 ops/s | 960 ops/s | 5.0% (higher is better) |" in text


def test_rule_level_variances_recover_as_before():
    tracked = issue(RULE_LEVEL)
    assert [r.variance for r in mitigation.recovered(
        tracked, merged(passed=("design_record",)))] == ["design_record"]
    assert mitigation.recovered(tracked, merged(passed=())) == ()


def test_the_state_carries_readings_and_baselines_through_its_block():
    state = ReviewState(variances=(BASELINE, RULE_LEVEL),
                        readings=(Reading("benchmarks:t[x]:time", 1e-3, "s"),))
    assert decode(encode(state, KEY, "o/r", 1), KEY, "o/r", 1) == state


def test_a_re_run_within_the_threshold_keeps_a_signoff_and_a_worse_one_does_not():
    record = SignOffRecord(BASELINE.id, "benchmarks", "maria", "2026-11-27T00:00:00Z", "why",
                           "plan", "abc1234", magnitude=0.30)

    def standing(magnitude: float) -> bool:
        variance = Variance(BASELINE.id, "t", magnitude, threshold=0.10)
        result = RuleResult("benchmarks", "Benchmarks", Stage.TESTING, Outcome.FAILED,
                            Severity.FAILURE, "slow", variances=(variance,))
        [s] = judge(ReviewState(signoffs=(record,)), (result,), SignoffSettings())
        return s.valid

    assert standing(0.33) and not standing(0.45)
