"""Readers on real files from pytest-benchmark, Google Benchmark, hyperfine, go test and pyperf,
and the errors a user sees when a file is broken."""

import json
import re

import pytest
from benchfixtures import FIXTURES, find, load, problem

from bot.core.bench.model import Direction
from bot.core.bench.readers import FORMATS, MAX_BYTES, detect, read, read_all

# pytest-benchmark -----------------------------------------------------------------------


def test_pytest_benchmark_with_data_uses_each_round_as_a_sample() -> None:
    results = load("pytest-benchmark/with-data.json")
    assert results.format == "pytest-benchmark"
    fib = find(results, "test_sample.py::test_fib[5]")
    assert fib.unit == "s" and fib.direction is Direction.LOWER
    assert len(fib.samples) == fib.summary.count == 7
    assert min(fib.samples) == pytest.approx(fib.summary.minimum)
    assert 1e-8 < fib.summary.median < 1e-4  # per call, in seconds
    assert fib.line == 181


def test_pytest_benchmark_without_data_keeps_the_summary() -> None:
    results = load("pytest-benchmark/stats-only.json")
    sorted_ = find(results, "test_sample.py::test_sorted")
    assert sorted_.samples == ()
    assert sorted_.summary.count == 7
    assert sorted_.summary.minimum <= sorted_.summary.median <= sorted_.summary.maximum
    assert sorted_.summary.stddev is not None


# Google Benchmark -----------------------------------------------------------------------


def test_google_benchmark_repetitions_are_samples_and_aggregates_are_not_counted_again() -> None:
    results = load("google-benchmark/repetitions.json")
    sort = find(results, "BM_Sort")
    assert len(sort.samples) == 3  # three repetitions; mean/median/stddev/cv rows left out
    assert all(1e-8 < s < 1e-4 for s in sort.samples)  # ns in the file, seconds here
    assert sort.line == 258
    assert find(results, "BM_Sort", "cpu_time").unit == "s"
    throughput = find(results, "BM_StringCopy/4096", "throughput")
    assert (throughput.unit, throughput.direction) == ("B/s", Direction.HIGHER)
    items = find(results, "BM_Sort", "items/s")
    assert items.direction is Direction.HIGHER
    assert find(results, "BM_Sort", "nodes").samples == (256.0, 256.0, 256.0)


def test_google_benchmark_reports_rows_with_errors_instead_of_measuring_them() -> None:
    results = load("google-benchmark/repetitions.json")
    assert results.errors == ("BM_Broken: fixture database unavailable",)
    assert not [m for m in results.measurements if m.benchmark == "BM_Broken"]


def test_google_benchmark_skipped_rows_are_neither_measured_nor_errors() -> None:
    doc = json.loads((FIXTURES / "google-benchmark/single.json").read_text())
    doc["benchmarks"][0].update(skipped=True, skip_message="needs AVX-512")
    results = read("g.json", json.dumps(doc).encode())
    assert "BM_StringCopy/64" not in {m.benchmark for m in results.measurements}
    assert results.errors == ()


def test_google_benchmark_aggregates_only_fill_the_summary() -> None:
    sort = find(load("google-benchmark/aggregates-only.json"), "BM_Sort")
    assert sort.samples == ()
    assert sort.summary.count == 3
    assert sort.summary.mean == pytest.approx(5.1955580632282840e02 * 1e-9)
    assert sort.summary.median == pytest.approx(5.4821022088867016e02 * 1e-9)


def test_google_benchmark_single_run_is_one_sample() -> None:
    copy = find(load("google-benchmark/single.json"), "BM_StringCopy/64")
    assert len(copy.samples) == 1


# hyperfine ------------------------------------------------------------------------------


def test_hyperfine_times_are_the_samples() -> None:
    results = load("hyperfine/basic.json")
    sleep = find(results, "sleep 0.01")
    assert len(sleep.samples) == 5
    assert 0.009 < sleep.summary.median < 0.1
    assert sleep.line == 4
    assert find(results, "true").line == 28


def test_hyperfine_parameters_give_distinct_commands() -> None:
    results = load("hyperfine/parameterized.json")
    assert [m.benchmark for m in results.measurements] == ["sleep 0.01", "sleep 0.02"]


def test_hyperfine_failing_commands_are_reported() -> None:
    results = load("hyperfine/failing.json")
    assert results.errors == ("false: exited with a non-zero status in 3 of 3 runs",)


# go test -bench -------------------------------------------------------------------------


def test_go_repeats_are_samples_and_each_unit_is_its_own_metric() -> None:
    results = load("go/count3.txt")
    assert results.format == "go"
    join = find(results, "BenchmarkJoin")  # the -2 GOMAXPROCS suffix dropped
    assert join.samples == pytest.approx((43.17e-9, 39.53e-9, 23.71e-9))
    assert join.line == 5
    assert find(results, "BenchmarkJoin", "bytes/op").samples == (8.0, 8.0, 8.0)
    assert find(results, "BenchmarkJoin", "allocs/op").unit == "allocs"
    mbs = find(results, "BenchmarkSort/size-10", "throughput")  # sub-benchmark path kept
    assert mbs.samples[0] == pytest.approx(341.35e6)
    assert (mbs.unit, mbs.direction) == ("B/s", Direction.HIGHER)
    custom = find(results, "BenchmarkSort/size-100", "compares/op")
    assert (custom.unit, custom.direction, custom.samples) == (
        "compares/op",
        Direction.LOWER,
        (350.0, 350.0, 350.0),
    )
    assert results.errors == ("BenchmarkFails: failed (line 14)",)


def test_go_without_gomaxprocs_suffix_keeps_names_whole() -> None:
    results = load("go/gomaxprocs1.txt")
    names = {m.benchmark for m in results.measurements}
    assert names == {"BenchmarkJoin", "BenchmarkSort/size-10", "BenchmarkSort/size-100"}


def test_go_custom_metrics_of_failures_per_second_are_better_lower() -> None:
    # b.ReportMetric(n, "errors/s") is a cost like allocs/op, though it is per second.
    text = "pkg: x\nBenchmarkServe-8  100  950 ns/op  1200 req/s  3 errors/s\n"
    results = read("bench.txt", text.encode())
    assert find(results, "BenchmarkServe", "req/s").direction is Direction.HIGHER
    assert find(results, "BenchmarkServe", "errors/s").direction is Direction.LOWER


def test_go_with_several_cpu_settings_keeps_them_apart() -> None:
    text = (FIXTURES / "go/gomaxprocs1.txt").read_text()
    extra = "BenchmarkJoin-4   \t    1000\t        20.00 ns/op\n"
    results = read("bench.txt", (text + extra).encode())
    assert {"BenchmarkJoin", "BenchmarkJoin-4"} <= {m.benchmark for m in results.measurements}


def test_go_benchmarks_of_the_same_name_in_two_packages_stay_apart() -> None:
    text = (FIXTURES / "go/count3.txt").read_text()
    other = text.replace("example.com/benchfx", "example.com/other")
    results = read("two.txt", (text + other).encode())
    names = {m.benchmark for m in results.measurements}
    assert {"example.com/benchfx.BenchmarkJoin", "example.com/other.BenchmarkJoin"} <= names
    assert len(find(results, "example.com/other.BenchmarkJoin").samples) == 3


def test_go_test_json_events_read_like_the_text_with_lines_in_the_event_file() -> None:
    results = load("go/json-count2.jsonl")
    assert results.format == "go"
    join = find(results, "BenchmarkJoin")
    assert join.samples == pytest.approx((29.68e-9, 22.21e-9))  # the second line was split
    assert join.line == 6
    assert find(results, "BenchmarkSort/size-100", "compares/op").samples == (350.0, 350.0)
    assert results.errors == ("BenchmarkFails: failed (line 21)",)


def test_go_test_json_cut_off_is_truncated() -> None:
    data = (FIXTURES / "go/json-count2.jsonl").read_bytes()
    error = problem("go.jsonl", data[: data.index(b"22.21")])
    assert "truncated" in error.problem and error.line == 8


# pyperf ---------------------------------------------------------------------------------


def test_pyperf_values_of_every_run_are_samples_and_warmups_are_not() -> None:
    results = load("pyperf/suite.json")
    join = find(results, "join")
    # 11 runs: the first only calibrates (warmups, no values); 10 runs x 2 values.
    assert len(join.samples) == 20
    assert all(1e-8 < s < 1e-5 for s in join.samples)
    assert {m.benchmark for m in results.measurements} == {"join", "sum_range", "sleep_1ms"}


def test_pyperf_single_benchmark_takes_its_name_from_the_file_metadata() -> None:
    results = load("pyperf/timeit.json")
    assert [m.benchmark for m in results.measurements] == ["sort_small"]


def test_pyperf_gzip_file_reads_like_the_plain_one() -> None:
    import gzip

    data = (FIXTURES / "pyperf/suite.json").read_bytes()
    assert read("suite.json.gz", gzip.compress(data)).measurements == load(
        "pyperf/suite.json"
    ).measurements


# detection ------------------------------------------------------------------------------

REAL_FILES = {
    "pytest-benchmark/with-data.json": "pytest-benchmark",
    "pytest-benchmark/stats-only.json": "pytest-benchmark",
    "google-benchmark/repetitions.json": "google-benchmark",
    "google-benchmark/aggregates-only.json": "google-benchmark",
    "hyperfine/basic.json": "hyperfine",
    "go/count3.txt": "go",
    "pyperf/suite.json": "pyperf",
    "pyperf/timeit.json": "pyperf",
    "asv/result.json": "asv",
}


@pytest.mark.parametrize(("relative", "expected"), sorted(REAL_FILES.items()))
def test_format_is_detected_from_content(relative: str, expected: str) -> None:
    assert detect(relative, (FIXTURES / relative).read_bytes()) == expected
    assert load(relative, expected) == load(relative)


def test_formats_are_the_documented_names() -> None:
    assert FORMATS == (
        "pytest-benchmark", "google-benchmark", "hyperfine", "go", "pyperf", "criterion",
        "cargo-criterion", "jmh", "benchmarkdotnet", "k6", "asv", "generic",
    )  # fmt: skip


# malformed input ------------------------------------------------------------------------

# For each real file: a pattern whose first number becomes NaN, and the file with no benchmarks.
BROKEN = {
    "pytest-benchmark/with-data.json": (
        r'("median": )[0-9.e-]+',
        b'{"machine_info": {}, "commit_info": {}, "benchmarks": [], "version": "5.3.1"}',
    ),
    "google-benchmark/repetitions.json": (
        r'("real_time": )[0-9.e+-]+',
        b'{"context": {"date": "2026-11-27"}, "benchmarks": []}',
    ),
    "hyperfine/basic.json": (r'("times": \[\s*)[0-9.e-]+', b'{"results": []}'),
    "go/count3.txt": (
        r"(BenchmarkJoin-2 +\t +2000\t +)[0-9.]+",
        b"goos: linux\ngoarch: amd64\npkg: example.com/x\nPASS\nok  \texample.com/x\t0.01s\n",
    ),
    "pyperf/suite.json": (r'("values":\[)[0-9.e-]+', b'{"benchmarks": [], "version": "1.0"}'),
    "asv/result.json": (
        r'("bench.time_join": \[\[)[0-9.e-]+',
        b'{"commit_hash": "e05a", "result_columns": ["result"], "results": {}, "version": 2}',
    ),
}


@pytest.mark.parametrize("relative", sorted(BROKEN))
def test_truncated_file_is_refused(relative: str) -> None:
    data = (FIXTURES / relative).read_bytes()
    cut = data[: len(data) // 2]
    if relative.endswith(".txt"):
        cut = cut[: cut.rfind(b"ns/op")]  # killed while writing a benchmark line
    error = problem(relative, cut)
    assert "truncated" in error.problem
    assert error.line is not None


@pytest.mark.parametrize("relative", sorted(BROKEN))
@pytest.mark.parametrize("data", [b"", b"  \n\n"])
def test_empty_file_is_refused(relative: str, data: bytes) -> None:
    format = REAL_FILES[relative]
    assert "is empty" in problem(relative, data, format).problem
    assert "is empty" in problem(relative, data).problem


@pytest.mark.parametrize("relative", sorted(BROKEN))
@pytest.mark.parametrize("token", ["NaN", "Infinity", "-Infinity"])
def test_nan_or_infinity_is_refused_with_its_line(relative: str, token: str) -> None:
    pattern, _ = BROKEN[relative]
    text = (FIXTURES / relative).read_text()
    broken, replaced = re.subn(pattern, lambda m: m.group(1) + token, text, count=1)
    assert replaced == 1
    error = problem(relative, broken.encode())
    assert "NaN" in error.problem or "not a finite number" in error.problem
    assert error.line == text[: re.search(pattern, text).start(0)].count("\n") + 1 or (
        error.line == text[: re.search(pattern, text).end(0)].count("\n") + 1
    )


def test_number_too_large_for_a_float_is_refused() -> None:
    text = (FIXTURES / "hyperfine/basic.json").read_text()
    error = problem("h.json", text.replace('"mean": 0.0109444662', '"mean": 1e999', 1).encode())
    assert "finite" in error.problem or "valid JSON" in error.problem


@pytest.mark.parametrize("relative", sorted(BROKEN))
def test_file_without_benchmarks_is_refused(relative: str) -> None:
    _, empty = BROKEN[relative]
    for format in ("auto", REAL_FILES[relative]):
        assert "no benchmarks" in problem(relative, empty, format).problem


@pytest.mark.parametrize("relative", sorted(BROKEN))
def test_file_of_another_format_is_refused_naming_what_it_looks_like(relative: str) -> None:
    actual = REAL_FILES[relative]
    other = "go" if actual != "go" else "hyperfine"
    error = problem(relative, (FIXTURES / relative).read_bytes(), other)
    assert f"is not {other} output" in error.problem
    assert f"looks like {actual} output" in error.problem


def test_unknown_format_name_is_refused() -> None:
    error = problem("b.json", (FIXTURES / "hyperfine/basic.json").read_bytes(), "hyperfin")
    assert "unknown benchmark format 'hyperfin'" in error.problem
    assert "hyperfine" in error.problem


def test_unrecognised_content_is_refused() -> None:
    assert "not a benchmark result file" in problem("x.json", b'{"a": 1}').problem
    assert "not a benchmark result file" in problem("x.txt", b"hello\nworld\n").problem
    assert "not valid JSON" in problem("x.json", b'{"a": 1,, }').problem


def test_wrong_shapes_inside_a_known_format_are_named() -> None:
    error = problem(
        "h.json", b'{"results": [{"command": "x", "times": [1, "2"]}]}', "hyperfine"
    )
    assert "'x'" in error.problem and "should be a number" in error.problem


def test_file_over_the_cap_is_refused_unread() -> None:
    data = b" " * (MAX_BYTES + 1)
    error = problem("huge.json", data)
    assert f"at most {MAX_BYTES:,} bytes" in error.problem
    assert MAX_BYTES == 100 * 1024 * 1024


# read_all -------------------------------------------------------------------------------


def test_read_all_reads_each_file_and_collects_problems() -> None:
    files = {
        "a/hyperfine.json": (FIXTURES / "hyperfine/basic.json").read_bytes(),
        "a/go.txt": (FIXTURES / "go/count3.txt").read_bytes(),
        "a/broken.json": b'{"results": [',
        "results/vm/machine.json": b'{"machine": "vm", "version": 1}',
        "results/benchmarks.json": (FIXTURES / "asv/benchmarks.json").read_bytes(),
        "results/vm/e05a.json": (FIXTURES / "asv/result.json").read_bytes(),
    }
    results, problems = read_all(files)
    assert sorted(r.path for r in results) == ["a/go.txt", "a/hyperfine.json",
                                               "results/vm/e05a.json"]  # fmt: skip
    [broken] = problems
    assert broken.path == "a/broken.json" and "truncated" in broken.problem
