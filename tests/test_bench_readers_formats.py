"""Readers for Criterion, cargo-criterion, JMH, BenchmarkDotNet, k6, asv and perfbot's generic
JSON, on real files, and each one's malformed cases."""

import re
import statistics

import orjson
import pytest
from benchfixtures import FIXTURES, find, load, problem

from bot.core.bench.model import Direction
from bot.core.bench.readers import detect, normalise_unit, read, read_all

CRITERION = FIXTURES / "criterion"


def criterion_tree() -> dict[str, bytes]:
    return {
        str(p.relative_to(CRITERION)): p.read_bytes()
        for p in sorted(CRITERION.rglob("*.json"))
    }


# Criterion ------------------------------------------------------------------------------


def test_criterion_directory_gives_one_benchmark_per_new_directory() -> None:
    results, problems = read_all(criterion_tree())
    assert problems == []
    by_name = {m.benchmark: (r, m) for r in results for m in r.measurements}
    assert set(by_name) == {"fib 10", "sort/16", "sort/256"}  # base/ and change/ ignored
    result, sort = by_name["sort/16"]
    assert result.format == "criterion"
    assert result.path == "target/criterion/sort/16/new/estimates.json"
    # sample.json: 10 batches; times/iters per batch, ns -> s.
    assert len(sort.samples) == 10
    assert sort.samples[0] == pytest.approx(9590158.0 / 33759.0 * 1e-9)
    assert sort.summary.mean == pytest.approx(168.52121321439503e-9)
    assert sort.direction is Direction.LOWER


def test_criterion_files_under_a_prefix_group_the_same_way() -> None:
    files = {f"repo/{path}": data for path, data in criterion_tree().items()}
    results, problems = read_all(files, "criterion")
    assert problems == [] and len(results) == 3


def test_criterion_estimates_alone_still_give_a_summary() -> None:
    tree = criterion_tree()
    path = "target/criterion/sort/256/new/estimates.json"
    results, problems = read_all({path: tree[path]})
    assert problems == []
    [measurement] = results[0].measurements
    assert measurement.benchmark == "sort/256"  # named by its directory
    assert measurement.samples == () and measurement.summary.median is not None


def test_criterion_single_file_is_detected_and_read_by_its_path() -> None:
    path = "target/criterion/sort/16/new/sample.json"
    data = criterion_tree()[path]
    assert detect(path, data) == "criterion"
    [measurement] = read(path, data).measurements
    assert (measurement.benchmark, len(measurement.samples)) == ("sort/16", 10)


def test_criterion_benchmark_id_file_alone_says_where_the_figures_are() -> None:
    path = "target/criterion/sort/16/new/benchmark.json"
    data = criterion_tree()[path]
    assert detect(path, data) == "criterion"
    assert "estimates.json and sample.json" in problem(path, data).problem


def test_criterion_broken_file_in_a_directory_is_reported_on_that_file() -> None:
    tree = criterion_tree()
    path = "target/criterion/sort/16/new/sample.json"
    tree[path] = tree[path][:40]
    results, problems = read_all(tree)
    assert len(results) == 2
    [error] = problems
    assert error.path == path and "truncated" in error.problem


def test_criterion_samples_with_mismatched_lengths_are_refused() -> None:
    path = "target/criterion/sort/16/new/sample.json"
    doc = orjson.loads(criterion_tree()[path])
    doc["times"] = doc["times"][:-1]
    error = problem(path, orjson.dumps(doc))
    assert "iters" in error.problem and "times" in error.problem


# cargo-criterion ------------------------------------------------------------------------


def test_cargo_criterion_messages_become_per_iteration_samples() -> None:
    results = load("cargo-criterion/messages.json")
    assert results.format == "cargo-criterion"
    query = find(results, "Queries/[LIGHT] Bam query all")
    per_iteration = (6666 / 448, 8888 / 896, 9999 / 1344)  # ns per batch / iterations
    assert query.samples == pytest.approx(tuple(ns * 1e-9 for ns in per_iteration))
    assert query.summary.mean == pytest.approx(54773.17273526619e-9)
    assert query.line == 1
    assert find(results, "Queries/[LIGHT] Bam query specific").line == 2


def test_cargo_criterion_bad_line_is_named() -> None:
    text = (FIXTURES / "cargo-criterion/messages.json").read_text()
    broken = text.replace('"measured_values":[1111', '"measured_values":[NaN', 1)
    error = problem("m.json", broken.encode())
    assert error.line == 2 and "NaN" in error.problem


# JMH ------------------------------------------------------------------------------------


def test_jmh_throughput_is_higher_is_better_per_second_with_params_in_the_name() -> None:
    results = load("jmh/jcasbin-thrpt-ss.json")
    assert results.format == "jmh"
    name = (
        "org.casbin.jcasbin.main.benchmark.BenchmarkEnforce.enforce"
        "(dataScale=small, modelType=rbac, useCache=false)"
    )
    enforce = find(results, name, "throughput")
    assert (enforce.unit, enforce.direction) == ("ops/s", Direction.HIGHER)
    assert enforce.samples == pytest.approx(
        (15889.612079979479, 21009.04195728958, 24119.562527568988)  # ops/ms x 1000
    )
    assert enforce.line == 4
    same_method = find(results, name.replace("useCache=false", "useCache=true"), "throughput")
    assert same_method.line == 58  # the second entry of the same method, not the first
    single_shot = find(
        results, "org.casbin.jcasbin.main.benchmark.BenchmarkMemory.measureMemory(scenario=ACL)"
    )
    assert (single_shot.unit, single_shot.direction) == ("s", Direction.LOWER)
    assert single_shot.samples[0] == pytest.approx(0.3645893)


def test_jmh_average_time_is_lower_is_better_in_seconds() -> None:
    results = load("jmh/twineworks-avgt.json")
    get = find(results, "com.twineworks.collections.shapemap.BigMapBenchmark.accessor_get")
    assert len(get.samples) == 10
    assert get.summary.mean == pytest.approx(3.7778171562020145e-9)
    assert get.summary.median == pytest.approx(statistics.median(get.samples))
    assert get.direction is Direction.LOWER


def test_jmh_secondary_metrics_with_raw_data_are_read() -> None:
    doc = orjson.loads((FIXTURES / "jmh/twineworks-avgt.json").read_bytes())[:1]
    doc[0]["secondaryMetrics"] = {
        "·gc.alloc.rate.norm": {"score": 24.0, "scoreUnit": "B/op", "rawData": [[24.0, 24.0]]}
    }
    results = read("j.json", orjson.dumps(doc))
    alloc = find(results, doc[0]["benchmark"], "gc.alloc.rate.norm")
    assert (alloc.unit, alloc.samples) == ("B", (24.0, 24.0))


def test_jmh_allocation_rate_per_second_is_still_lower_is_better() -> None:
    doc = orjson.loads((FIXTURES / "jmh/jcasbin-thrpt-ss.json").read_bytes())[:1]
    doc[0]["secondaryMetrics"] = {
        "·gc.alloc.rate": {"score": 2.0, "scoreUnit": "MB/sec", "rawData": [[2.0, 2.5]]}
    }
    rate = find(read("j.json", orjson.dumps(doc)), _jmh_name(doc[0]), "gc.alloc.rate")
    assert (rate.unit, rate.direction, rate.samples) == ("B/s", Direction.LOWER, (2e6, 2.5e6))


def _jmh_name(run: dict) -> str:
    params = ", ".join(f"{k}={v}" for k, v in run["params"].items())
    return f"{run['benchmark']}({params})"


# BenchmarkDotNet ------------------------------------------------------------------------


def test_benchmarkdotnet_result_iterations_are_samples_per_operation() -> None:
    results = load("benchmarkdotnet/Sample.Benchmarks-report-full.json")
    assert results.format == "benchmarkdotnet"
    fib = find(results, "Sample.Benchmarks.Fib10")
    # Only the 14 Workload/Result iterations (N), not pilot, warmup or overhead ones.
    assert len(fib.samples) == fib.summary.count == 14
    assert sum(fib.samples) / 14 == pytest.approx(fib.summary.mean)
    assert fib.summary.mean == pytest.approx(24.4202085009643e-9)
    assert fib.line is not None


def test_benchmarkdotnet_memory_and_failed_benchmarks() -> None:
    path = FIXTURES / "benchmarkdotnet/Sample.Benchmarks-report-full.json"
    doc = orjson.loads(path.read_bytes())
    doc["Benchmarks"][0]["Memory"] = {"BytesAllocatedPerOperation": 48, "Gen0Collections": 0}
    doc["Benchmarks"][1]["Statistics"] = None
    results = read("b.json", orjson.dumps(doc))
    assert find(results, "Sample.Benchmarks.Fib10", "bytes/op").summary.mean == 48
    assert results.errors == (
        "Sample.Benchmarks.Fib20: no statistics (the benchmark failed or was not run)",
    )


# k6 -------------------------------------------------------------------------------------


def test_k6_trend_statistics_are_separate_metrics_in_seconds() -> None:
    results = load("k6/handle-summary.json")
    assert results.format == "k6"
    p95 = find(results, "http_req_duration", "http_req_duration p95")
    assert (p95.unit, p95.direction) == ("s", Direction.LOWER)
    doc = orjson.loads((FIXTURES / "k6/handle-summary.json").read_bytes())
    assert p95.summary.median == pytest.approx(
        doc["metrics"]["http_req_duration"]["values"]["p(95)"] / 1000
    )
    metrics = {m.metric for m in results.measurements if m.benchmark == "http_req_duration"}
    assert {"http_req_duration avg", "http_req_duration median", "http_req_duration p90",
            "http_req_duration max"} <= metrics  # fmt: skip
    assert not [m for m in results.measurements if m.benchmark in ("vus", "vus_max")]


def test_k6_rates_know_which_way_is_better() -> None:
    results = load("k6/handle-summary.json")
    failed = find(results, "http_req_failed", "http_req_failed rate")
    assert failed.direction is Direction.LOWER
    assert find(results, "checks", "checks rate").direction is Direction.HIGHER
    reqs = find(results, "http_reqs", "http_reqs rate")
    assert (reqs.unit, reqs.direction) == ("ops/s", Direction.HIGHER)
    assert find(results, "data_received", "data_received rate").unit == "B/s"


def test_k6_counters_of_failures_are_better_lower() -> None:
    # k6 adds the counter dropped_iterations when an executor cannot keep up; scripts add
    # their own error counters. More of either per second is worse, unlike http_reqs.
    doc = orjson.loads((FIXTURES / "k6/handle-summary.json").read_bytes())
    for name in ("dropped_iterations", "login_errors"):
        doc["metrics"][name] = {"type": "counter", "contains": "default",
                                "values": {"count": 12, "rate": 0.4}}
    results = read("summary.json", orjson.dumps(doc))
    for name in ("dropped_iterations", "login_errors"):
        assert find(results, name, f"{name} rate").direction is Direction.LOWER, name
    assert find(results, "iterations", "iterations rate").direction is Direction.HIGHER


def test_k6_legacy_summary_export_reads_the_same() -> None:
    doc = orjson.loads((FIXTURES / "k6/handle-summary.json").read_bytes())
    legacy = {"metrics": {}, "root_group": doc["root_group"]}
    for name, metric in doc["metrics"].items():
        values = dict(metric["values"])
        if metric["type"] == "rate":
            values = {"passes": values["passes"], "fails": values["fails"], "value": values["rate"]}
        legacy["metrics"][name] = values
    new = load("k6/handle-summary.json")
    old = read("summary.json", orjson.dumps(legacy))
    assert {m.key: m.summary for m in old.measurements} == {
        m.key: m.summary for m in new.measurements
    }


# asv ------------------------------------------------------------------------------------


def test_asv_parameters_and_samples() -> None:
    results = load("asv/result.json")
    assert results.format == "asv"
    small = find(results, "bench.TimeSuite.time_sort(10)")
    assert len(small.samples) == 8
    assert small.summary.median == pytest.approx(3.4314997492401745e-07)
    assert find(results, "bench.mem_list", "memory").unit == "B"
    assert results.errors == ("bench.time_broken: failed (no result)",)


# generic --------------------------------------------------------------------------------

GENERIC = b"""{
  "benchmarks": [
    {"name": "parse", "unit": "ms", "samples": [1.5, 1.25, 1.5]},
    {"name": "serve", "metric": "throughput", "unit": "MB/s", "value": 12},
    {"name": "cache", "metric": "hit ratio", "unit": "", "direction": "higher", "mean": 0.9,
     "stddev": 0.01, "count": 20}
  ]
}"""


def test_generic_json_costs_per_second_stay_lower_is_better() -> None:
    data = b'{"benchmarks": [{"name": "x", "metric": "alloc rate", "unit": "MB/s", "value": 3}]}'
    assert find(read("p.json", data), "x", "alloc rate").direction is Direction.LOWER


def test_generic_json_times_and_sizes_are_better_lower_whatever_their_name() -> None:
    # "generate" holds "rate" and "accuracy_score" holds "score", but a duration or a
    # size is a cost; reading these as better higher called every slowdown an improvement.
    data = (b'{"benchmarks": [{"name": "pdf", "metric": "generate", "unit": "ms", "value": 3},'
            b' {"name": "pdf", "metric": "migrate size", "unit": "KiB", "value": 3}]}')
    results = read("p.json", data)
    assert find(results, "pdf", "generate").direction is Direction.LOWER
    assert find(results, "pdf", "migrate size").direction is Direction.LOWER


def test_generic_json_normalises_units_and_infers_direction() -> None:
    results = read("perf.json", GENERIC)
    assert results.format == "generic"
    parse = find(results, "parse")
    assert parse.samples == pytest.approx((1.5e-3, 1.25e-3, 1.5e-3))
    assert parse.line == 3
    serve = find(results, "serve", "throughput")
    assert (serve.unit, serve.direction, serve.summary.median) == ("B/s", Direction.HIGHER, 12e6)
    cache = find(results, "cache", "hit ratio")
    assert cache.direction is Direction.HIGHER and cache.summary.count == 20


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        ('{"name": "x", "unit": "s"}', "neither samples nor a value"),
        ('{"name": "x", "value": 1}', 'no "unit"'),
        ('{"name": "x", "unit": "s", "value": 1, "direction": "up"}', "'lower' or 'higher'"),
        ('{"unit": "s", "value": 1}', "is not a name"),
    ],
)
def test_generic_json_mistakes_are_explained(entry: str, expected: str) -> None:
    data = ('{"benchmarks": [' + entry + "]}").encode()
    assert expected in problem("perf.json", data, "generic").problem


# malformed input, per format ------------------------------------------------------------

# A real file, a pattern whose first number becomes NaN, and a file of that format with no
# benchmarks.
BROKEN = {
    "jmh/jcasbin-thrpt-ss.json": (r'("score" : )[0-9.e-]+', b"[]", "jmh"),
    "benchmarkdotnet/Sample.Benchmarks-report-full.json": (
        r'("Mean": )[0-9.e-]+',
        b'{"Title": "x", "HostEnvironmentInfo": {}, "Benchmarks": []}',
        "benchmarkdotnet",
    ),
    "k6/handle-summary.json": (
        r'("p\(95\)": )[0-9.e-]+',
        b'{"root_group": {}, "state": {}, "metrics": {"vus": {"type": "gauge", "values": {}}}}',
        "k6",
    ),
    "cargo-criterion/messages.json": (
        r'("measured_values":\[)[0-9.e-]+',
        b'{"reason":"group-complete","group_name":"g","benchmarks":[]}\n{"reason":"x"}\n',
        "cargo-criterion",
    ),
}


@pytest.mark.parametrize("relative", sorted(BROKEN))
def test_truncated(relative: str) -> None:
    data = (FIXTURES / relative).read_bytes()
    error = problem(relative, data[: len(data) // 2])
    assert "truncated" in error.problem
    assert error.line is not None


@pytest.mark.parametrize("relative", sorted(BROKEN))
def test_empty(relative: str) -> None:
    assert "is empty" in problem(relative, b"", BROKEN[relative][2]).problem


@pytest.mark.parametrize("relative", sorted(BROKEN))
def test_nan(relative: str) -> None:
    pattern, _, _ = BROKEN[relative]
    text = (FIXTURES / relative).read_text()
    broken, count = re.subn(pattern, lambda m: m.group(1) + "NaN", text, count=1)
    assert count == 1
    error = problem(relative, broken.encode())
    assert "NaN" in error.problem and error.line is not None


@pytest.mark.parametrize("relative", sorted(BROKEN))
def test_no_benchmarks(relative: str) -> None:
    _, empty, format = BROKEN[relative]
    error = problem(relative, empty, format)
    assert "no benchmarks" in error.problem or "no cargo-criterion" in error.problem


@pytest.mark.parametrize("relative", sorted(BROKEN))
def test_wrong_format(relative: str) -> None:
    actual = BROKEN[relative][2]
    error = problem(relative, (FIXTURES / relative).read_bytes(), "pyperf")
    assert "is not pyperf output" in error.problem
    assert f"looks like {actual} output" in error.problem


@pytest.mark.parametrize(
    "relative",
    ["jmh/jcasbin-thrpt-ss.json", "benchmarkdotnet/Sample.Benchmarks-report-full.json",
     "k6/handle-summary.json", "cargo-criterion/messages.json", "asv/result.json"],
)  # fmt: skip
def test_detected(relative: str) -> None:
    expected = relative.split("/")[0]
    assert detect(relative, (FIXTURES / relative).read_bytes()) == expected


def test_criterion_and_asv_malformed_cases() -> None:
    path = "target/criterion/sort/16/new/estimates.json"
    data = criterion_tree()[path]
    assert "truncated" in problem(path, data[:100]).problem
    assert "is empty" in problem(path, b"", "criterion").problem
    nan = re.sub(rb'("point_estimate":)[0-9.e-]+', rb"\1NaN", data, count=1)
    assert "NaN" in problem(path, nan).problem
    assert "looks like criterion" in problem(path, data, "asv").problem
    asv_empty = b'{"commit_hash": "a", "result_columns": ["result"], "results": {}, "version": 2}'
    assert "no benchmarks" in problem("r.json", asv_empty, "asv").problem
    old_asv = b'{"commit_hash": "a", "results": {"x": 1}, "version": 1}'
    assert "version 2" in problem("r.json", old_asv, "asv").problem


@pytest.mark.parametrize(
    ("unit", "canonical", "factor"),
    [
        ("ns", "s", 1e-9), ("µs", "s", 1e-6), ("ms", "s", 1e-3), ("s", "s", 1.0),
        ("us/op", "s", 1e-6), ("ms/op", "s", 1e-3), ("ops/ms", "ops/s", 1e3),
        ("ops/us", "ops/s", 1e6), ("MB/s", "B/s", 1e6), ("KiB", "B", 1024.0),
        ("B/op", "B", 1.0), ("widgets/op", "widgets/op", 1.0), ("", "", 1.0),
    ],
)  # fmt: skip
def test_units_normalise_to_seconds_bytes_and_per_second(
    unit: str, canonical: str, factor: float
) -> None:
    assert normalise_unit(unit) == (canonical, pytest.approx(factor))
