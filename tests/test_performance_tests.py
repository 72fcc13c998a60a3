"""Sizeable changes to performance-sensitive code come with performance tests."""

from dataclasses import replace
from pathlib import Path

import pytest
from gitchange import git_change

from bot.core.facts import ChangedFile, FileStatus, PullRequest
from bot.core.results import Outcome
from bot.core.rules import performance_tests
from bot.core.rules.scope import Scope

BIG = "".join(f"line_{n} = {n}\n" for n in range(60))  # over the default 50 changed lines


def run(pr, **settings):
    return performance_tests.evaluate(pr, replace(performance_tests.Settings(), **settings))


def test_change_without_perf_test_fails_with_annotation_on_the_first_changed_line(
    tmp_path: Path,
) -> None:
    base = {"src/engine.py": "a = 1\nb = 2\nc = 3\n"}
    change = {"src/engine.py": "a = 1\nb = 2\nc = 3\n" + BIG}
    result = run(git_change(tmp_path, change, base))
    assert result.outcome is Outcome.FAILED
    [finding] = result.findings
    assert (finding.path, finding.start_line) == ("src/engine.py", 4)
    assert "(60 changed lines)" in result.reason
    assert "`benchmarks/**`" in result.fix and "def test_x(benchmark):" in result.fix
    assert "func BenchmarkX" not in result.fix  # a Python change is not told to write Go


@pytest.mark.parametrize(("path", "suggested", "not_suggested"), [
    ("src/engine.go", "func BenchmarkX(b *testing.B)", "pytest-benchmark"),
    ("src/Engine.java", "JMH `@Benchmark`", "func BenchmarkX"),
    ("src/engine.ts", "`*.bench.ts`", "func BenchmarkX"),
    ("src/engine.rb", "a benchmark function in a test file", "func BenchmarkX"),
])
def test_the_hint_is_a_benchmark_in_the_changed_codes_language(
    tmp_path: Path, path: str, suggested: str, not_suggested: str
) -> None:
    result = run(git_change(tmp_path, {path: BIG}))
    assert result.outcome is Outcome.FAILED
    assert suggested in result.fix and not_suggested not in result.fix


@pytest.mark.parametrize(
    "perf_test",
    ["benchmarks/test_engine.py", "src/bench_engine.py", "pkg/engine_bench_test.go",
     "web/engine.bench.ts", "web/engine.bench.js", "load/k6/smoke/checkout.js",
     "load/checkout.k6.js", "load/locustfile.py", "svc/jmh/EngineBench.java"],
)
def test_an_added_or_changed_perf_test_satisfies_it(tmp_path: Path, perf_test: str) -> None:
    result = run(git_change(tmp_path, {"src/engine.py": BIG, perf_test: "x = 1\n"}))
    assert result.outcome is Outcome.PASSED
    assert f"`{perf_test}` added" in result.reason


def test_a_go_benchmark_in_an_ordinary_test_file_counts(tmp_path: Path) -> None:
    test = "package engine\n\nfunc BenchmarkRun(b *testing.B) {\n\tfor i := 0; i < b.N; i++ {}\n}\n"
    result = run(git_change(tmp_path, {"pkg/engine.go": BIG, "pkg/engine_test.go": test}))
    assert result.outcome is Outcome.PASSED
    assert result.reason == (
        "`pkg/engine_test.go` adds the benchmark `func BenchmarkRun(b *testing.B)` (line 3)."
    )


def test_an_ordinary_go_test_does_not(tmp_path: Path) -> None:
    test = "package engine\n\nfunc TestRun(t *testing.T) {\n}\n"
    assert run(git_change(tmp_path, {"pkg/engine.go": BIG, "pkg/engine_test.go": test})
               ).outcome is Outcome.FAILED


@pytest.mark.parametrize(
    ("path", "code"),
    [
        ("tests/test_engine.py", "def test_run(benchmark):\n    benchmark(run)\n"),
        ("src/test/java/EngineBench.java", "    @Benchmark\n    public void run() {}\n"),
    ],
)
def test_pytest_benchmark_and_jmh_methods_count(tmp_path: Path, path: str, code: str) -> None:
    assert run(git_change(tmp_path, {"src/engine.py": BIG, path: code})).outcome is Outcome.PASSED


def test_a_deleted_perf_test_does_not_count(tmp_path: Path) -> None:
    base = {"benchmarks/old.py": "x = 1\n"}
    change = {"src/engine.py": BIG, "benchmarks/old.py": None}
    assert run(git_change(tmp_path, change, base)).outcome is Outcome.FAILED


def test_small_changes_tests_and_docs_are_out_of_scope(tmp_path: Path) -> None:
    small = run(git_change(tmp_path, {"src/engine.py": "a = 1\n"}))
    assert small.outcome is Outcome.SKIPPED
    assert "1 line in scope, fewer than the 50" in small.reason
    assert run(git_change(tmp_path / "b", {"src/tests/test_x.py": BIG, "src/README.md": BIG})
               ).outcome is Outcome.SKIPPED


def test_the_performance_label_brings_any_change_in(tmp_path: Path) -> None:
    pr = git_change(tmp_path, {"docs/x.txt": BIG}, labels=("performance",))
    result = run(pr)
    assert result.outcome is Outcome.FAILED
    assert "is labelled `performance`" in result.reason
    assert result.findings == ()  # nothing in scope to point at


def test_a_perf_test_diff_github_did_not_send_is_said_not_guessed() -> None:
    code = ChangedFile("src/a.py", FileStatus.MODIFIED, 100, 0, patch="@@ -1 +1,2 @@\n a\n+b")
    bench = ChangedFile("pkg/big_test.go", FileStatus.MODIFIED, 50_000, 0, patch=None)
    pr = PullRequest(head_sha="h", base_ref="main", files=(code, bench))
    result = run(pr)
    assert result.outcome is Outcome.FAILED
    assert "GitHub sent no diff for `pkg/big_test.go` (too large to show)" in result.reason


def test_disabled_and_configurable_scope(tmp_path: Path) -> None:
    pr = git_change(tmp_path, {"src/engine.py": BIG})
    assert run(pr, enabled=False).outcome is Outcome.SKIPPED
    assert run(pr, when=Scope(paths=("src/**",), base_branches=("release/*",))
               ).outcome is Outcome.SKIPPED
    assert run(pr, test_paths=("src/**",)).outcome is Outcome.PASSED
