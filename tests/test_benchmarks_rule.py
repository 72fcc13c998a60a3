"""The benchmarks rule on its own: pure facts in, a verdict a PR author can act on out."""

from __future__ import annotations

from pathlib import Path

import pytest
from benchfiles import pytest_benchmark, samples

from bot.core.bench import budgets, readers
from bot.core.bench.model import Direction, Measurement, Results, Summary
from bot.core.facts import (
    ArtifactEvidence,
    ChangedFile,
    EvidenceState,
    FileStatus,
    PullRequest,
    Tree,
)
from bot.core.results import Outcome, Severity
from bot.core.rules import benchmarks
from bot.core.rules.benchmarks import Artifacts, Budget, OnTimeout, Settings

PATH = "benchmarks/results/bench.json"
BASE = pytest_benchmark({"test_a": samples(0.001), "test_b": samples(0.004)})
SLOW = pytest_benchmark({"test_a": samples(0.0015, seed=2), "test_b": samples(0.004, seed=2)})
ARTIFACTS = Artifacts(workflows=("benchmark.yml",))


def change(head: str | None, base: str | None = BASE, *, unreadable: str = "") -> PullRequest:
    status = FileStatus.MODIFIED if base is not None else FileStatus.ADDED
    return PullRequest(
        head_sha="f" * 40, base_ref="main",
        files=(ChangedFile(PATH, status),),
        head=Tree("f" * 40, {PATH: head} if head is not None else {},
                  {PATH: unreadable} if unreadable else {}),
        base=Tree("b" * 40, {PATH: base} if base is not None else {}),
    )


def with_artifacts(state: EvidenceState, **kwargs) -> PullRequest:
    evidence = ArtifactEvidence(state, ("benchmark.yml",), "benchmark-results", **kwargs)
    return PullRequest(head_sha="f" * 40, base_ref="main", artifacts=evidence,
                       files=(ChangedFile("src/a.py", FileStatus.MODIFIED),))


def test_wants_changed_result_files_at_head_and_merge_base():
    pr = PullRequest(head_sha="f", base_ref="main", files=(
        ChangedFile(PATH, FileStatus.MODIFIED), ChangedFile("benchmarks/results/new.json",
                                                            FileStatus.ADDED),
        ChangedFile("src/a.py", FileStatus.MODIFIED)))
    wants = benchmarks.wants(pr, Settings(objectives=False))
    assert wants.head == {PATH, "benchmarks/results/new.json"}
    assert wants.base == {PATH}
    assert "docs/performance/objectives.yml" in benchmarks.wants(pr, Settings()).head


def test_a_regression_is_a_variance_to_sign_off():
    result = benchmarks.evaluate(change(SLOW), Settings())
    assert result.outcome is Outcome.FAILED
    [variance] = result.variances
    assert variance.id == "benchmarks:tests/test_perf.py::test_a:time"
    assert variance.magnitude == pytest.approx(0.5, abs=0.05)
    assert "1 regressed, 1 unchanged" in result.reason
    assert "geometric mean" in result.reason


def test_no_result_file_changed_is_out_of_scope():
    pr = PullRequest(head_sha="f", base_ref="main",
                     files=(ChangedFile("src/a.py", FileStatus.MODIFIED),))
    assert benchmarks.evaluate(pr, Settings()).outcome is Outcome.SKIPPED


def test_a_new_result_file_has_only_new_benchmarks():
    result = benchmarks.evaluate(change(SLOW, base=None), Settings())
    assert result.outcome is Outcome.PASSED
    assert "2 new" in result.reason


def test_a_file_too_large_to_read_fails_on_that_file():
    result = benchmarks.evaluate(change(None, unreadable="larger than 50 MB"), Settings())
    assert result.outcome is Outcome.FAILED
    [finding] = result.findings
    assert finding.path == PATH and finding.severity is Severity.FAILURE
    assert "larger than 50 MB" in finding.message


def test_a_budget_from_settings_is_held_regardless_of_baseline():
    settings = Settings(budgets=(Budget(benchmarks=("*::test_b",), limit="time <= 3ms"),))
    result = benchmarks.evaluate(change(SLOW, base=None), settings)
    assert result.outcome is Outcome.FAILED
    [variance] = result.variances
    assert variance.id.endswith(":budget")
    assert variance.magnitude == pytest.approx(4 / 3 - 1, abs=0.02)
    assert "time <= 3ms" in result.details


def test_an_unreadable_budget_limit_is_reported_not_ignored():
    settings = Settings(budgets=(Budget(benchmarks=("**",), limit="fast please"),))
    result = benchmarks.evaluate(change(BASE), settings)
    assert "cannot read the limit 'fast please'" in result.details


def test_waiting_for_an_artifact_says_for_what():
    result = benchmarks.evaluate(with_artifacts(EvidenceState.WAITING, deadline="05:00 UTC"),
                                 Settings(artifacts=ARTIFACTS))
    assert result.outcome is Outcome.SKIPPED
    assert "Waiting for `benchmark.yml`" in result.reason and "05:00 UTC" in result.reason


@pytest.mark.parametrize(("on_timeout", "outcome", "severity"), [
    (OnTimeout.FAILURE, Outcome.FAILED, Severity.FAILURE),
    (OnTimeout.NEUTRAL, Outcome.FAILED, Severity.WARNING),
    (OnTimeout.SUCCESS, Outcome.PASSED, Severity.NOTICE),
])
def test_a_timeout_concludes_as_configured(on_timeout, outcome, severity):
    settings = Settings(artifacts=Artifacts(workflows=("benchmark.yml",), on_timeout=on_timeout))
    result = benchmarks.evaluate(with_artifacts(EvidenceState.TIMEOUT), settings)
    assert (result.outcome, result.severity) == (outcome, severity)


def test_a_refused_artifact_fails_with_the_reason():
    pr = with_artifacts(EvidenceState.REFUSED, problem="it unpacks to 900 times its size")
    result = benchmarks.evaluate(pr, Settings(artifacts=ARTIFACTS))
    assert result.outcome is Outcome.FAILED
    assert "900 times its size" in result.reason


def test_artifact_results_compare_with_the_baseline_artifact():
    pr = with_artifacts(EvidenceState.READY, head={"r.json": SLOW.encode()},
                        base={"r.json": BASE.encode()}, base_sha="b" * 40, base_ref="main")
    result = benchmarks.evaluate(pr, Settings(artifacts=ARTIFACTS))
    assert result.outcome is Outcome.FAILED
    assert result.findings == ()  # artifact files are not in the repository to annotate
    assert "Baseline: `benchmark-results` from `bbbbbbb`" in result.details


@pytest.mark.parametrize(("text", "metric", "statistic", "value", "unit"), [
    ("p95 <= 250ms", "", "p95", 0.25, "s"),
    ("time <= 2ms", "time", "", 0.002, "s"),
    ("throughput >= 1200 rps", "throughput", "", 1200.0, "ops/s"),
    ("http_req_duration p99 < 400ms", "http_req_duration", "p99", 0.4, "s"),
])
def test_limits_are_read_as_written(text, metric, statistic, value, unit):
    limit = budgets.parse_limit(text)
    assert (limit.metric, limit.statistic, limit.unit) == (metric, statistic, unit)
    assert limit.value == pytest.approx(value)


@pytest.mark.parametrize("text", ["<= 2ms", "p95 <= fast", "p95 == 2ms"])
def test_unreadable_limits_say_how_to_write_one(text):
    with pytest.raises(budgets.LimitError, match="limit"):
        budgets.parse_limit(text)


def test_a_percentile_budget_reads_samples_or_the_tools_own_percentile():
    sampled = Measurement("api", "time", "s", Direction.LOWER,
                          samples=tuple(i / 1000 for i in range(1, 101)))
    k6 = Measurement("checkout", "http_req_duration p95", "s", Direction.LOWER,
                     summary=Summary(median=0.3))
    results = [Results("r.json", "generic", (sampled, k6))]
    held = budgets.check(results, [budgets.Budget(("**",), budgets.parse_limit("p95 <= 90ms"),
                                                  "budget")])
    assert {b.benchmark for b in held.breaches} == {"api", "checkout"}
    assert held.breaches[0].actual == pytest.approx(0.09505)


K6_SUMMARY = Path(__file__).parent / "fixtures" / "bench" / "k6" / "handle-summary.json"


@pytest.mark.parametrize(("limit", "breached"), [
    # k6 users write percentiles as k6's thresholds do; p(95) of this run is 30 ms.
    ("http_req_duration p(95) < 25ms", {"http_req_duration p95"}),
    ("http_req_duration p(95) < 35ms", set()),
    # No statistic: the central value (k6's median, 20 ms), not the 143 ms maximum.
    ("http_req_duration <= 100ms", set()),
    ("http_req_duration <= 15ms", {"http_req_duration median"}),
])
def test_budgets_on_k6_metrics_read_as_k6_users_write_them(limit, breached):
    results = [readers.read("summary.json", K6_SUMMARY.read_bytes())]
    held = budgets.check(results, [budgets.Budget(("**",), budgets.parse_limit(limit), "b")])
    assert held.unmeasured == ()
    assert {b.metric for b in held.breaches} == breached


def test_a_budget_on_a_count_needs_no_unit_and_zero_means_zero():
    # Go's allocs/op is a count with no unit to write; "allocs/op <= 0" is the usual
    # budget of a hot path that must not allocate.
    go = (b"pkg: x\nBenchmarkParse-8  100  950 ns/op  64 B/op  2 allocs/op  7 compares/op\n"
          b"BenchmarkSave-8  100  950 ns/op  0 B/op  0 allocs/op  3 compares/op\n")
    results = [readers.read("bench.txt", go)]
    limits = [budgets.Budget(("**",), budgets.parse_limit(text), "budget")
              for text in ("allocs/op <= 0", "compares/op <= 5")]
    held = budgets.check(results, limits)
    assert held.unmeasured == ()
    assert {(b.benchmark, b.metric) for b in held.breaches} == {
        ("BenchmarkParse", "allocs/op"), ("BenchmarkParse", "compares/op")}
    assert held.held == 2
    # How far over a limit of zero is not a finite ratio: no "+inf%" for the reviewer.
    [zero] = [b for b in held.breaches if b.metric == "allocs/op"]
    assert zero.excess is None


def test_a_rate_budget_holds_a_tools_own_per_second_unit():
    # b.ReportMetric(n, "req/s") keeps Go's unit; "1500 rps" is the same kind of quantity.
    go = b"pkg: x\nBenchmarkServe-8  100  950 ns/op  1200 req/s\n"
    results = [readers.read("bench.txt", go)]
    limit = budgets.parse_limit("req/s >= 1500 rps")
    held = budgets.check(results, [budgets.Budget(("**",), limit, "budget")])
    assert held.unmeasured == ()
    [breach] = held.breaches
    assert (breach.benchmark, breach.actual) == ("BenchmarkServe", 1200.0)


@pytest.mark.parametrize(("limit", "breached"), [
    ("http_req_failed rate < 1%", 39.7),  # k6 reports the fraction 0.397
    ("http_req_failed rate < 50%", None),
    ("checks rate >= 99%", 60.3),
])
def test_a_percent_budget_holds_a_k6_rate(limit, breached):
    results = [readers.read("summary.json", K6_SUMMARY.read_bytes())]
    held = budgets.check(results, [budgets.Budget(("**",), budgets.parse_limit(limit), "b")])
    assert held.unmeasured == ()
    if breached is None:
        assert held.breaches == () and held.held == 1
    else:
        [breach] = held.breaches
        assert breach.actual == pytest.approx(breached, abs=0.05) and breach.unit == "%"
