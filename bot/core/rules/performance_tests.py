"""Testing stage: a change to performance-sensitive code comes with performance tests.

Any added or changed file under ``test_paths`` (benchmarks, k6 scripts, locustfiles,
JMH) counts, and so does an added benchmark function in an ordinary test file: Go
keeps ``func BenchmarkX(b *testing.B)`` in ``*_test.go``, pytest-benchmark tests take
the ``benchmark`` fixture, JMH marks methods ``@Benchmark`` (``benchmark_patterns``,
searched in the added lines of files under ``benchmark_files``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.core import languages, patterns
from bot.core.addedtext import Changed
from bot.core.binding import Globs, Regexes
from bot.core.corpus import build
from bot.core.facts import FileStatus, PullRequest
from bot.core.globs import matches
from bot.core.results import Outcome, RuleResult, Severity, Stage
from bot.core.rules import sources
from bot.core.rules.common import Reporter, scoped
from bot.core.rules.scope import Scope, on_first_change

ID = "performance_tests"
TITLE = "Performance tests"
STAGE = Stage.TESTING

# Source files wherever a layout puts them (a package at the root like httpx, Go at the
# root like zap, Cargo and npm workspaces' member crates and packages), minus tests,
# examples, scripts, docs, vendored and generated code, and Markdown.
CODE_PATHS = (
    *languages.READ_PATHS,
    *languages.NOT_READ_PATHS,
    *(f"!{glob}" for glob in sources.NOT_PRODUCTION),
    "!**/*.test.*",
    "!**/*.spec.*",
    "!**/*.md",
)
TEST_PATHS = (
    "benchmarks/**",
    "**/benchmarks/**",
    "**/bench_*.py",
    "**/*_bench_test.go",
    "**/*.bench.js",
    "**/*.bench.ts",
    "**/k6/**/*.js",
    "**/*.k6.js",
    "**/locustfile*.py",
    "**/jmh/**",
)
BENCHMARK_FILES = ("**/*_test.go", "**/test_*.py", "**/*_test.py", "**/*.java", "**/*.kt")
BENCHMARK_PATTERNS = (
    r"^func[ \t]+Benchmark\w*\([ \t]*\w+[ \t]+\*testing\.B[ \t]*\)",
    r"^[ \t]*(?:async[ \t]+)?def[ \t]+test_\w*\([^)\n]*\bbenchmark\b",
    r"^[ \t]*@Benchmark\b",
)

CHANGED = "Performance test {path} {verb} in this PR."
ADDED_BENCHMARK = "{path} adds the benchmark `{name}` (line {line})."
MISSING = "This PR {scope} but adds or changes no performance test."
FIX = (
    "Add or update a benchmark or load test that exercises the changed code: a file matching "
    "{paths}, or {example}."
)
# A benchmark in the language of the changed code (by file extension), which
# ``benchmark_patterns`` or ``test_paths`` would count by default.
EXAMPLES = {
    ".py": "a pytest-benchmark test (`def test_x(benchmark):`) in a `test_*.py` file",
    ".go": "a Go `func BenchmarkX(b *testing.B)` in a `_test.go` file",
    ".java": "a JMH `@Benchmark` method",
    ".kt": "a JMH `@Benchmark` method",
    ".js": "a `*.bench.js` file or a k6 script",
    ".mjs": "a `*.bench.js` file or a k6 script",
    ".cjs": "a `*.bench.js` file or a k6 script",
    ".jsx": "a `*.bench.js` file or a k6 script",
    ".ts": "a `*.bench.ts` file or a k6 script",
    ".tsx": "a `*.bench.ts` file or a k6 script",
}
NO_EXAMPLE = "a benchmark function in a test file"


@dataclass(frozen=True, slots=True)
class Settings:
    enabled: bool = True
    severity: Severity = Severity.FAILURE
    when: Scope = Scope(paths=CODE_PATHS, labels=("performance",), min_changed_lines=50)
    test_paths: Globs = TEST_PATHS
    """Adding or changing a file here counts as a performance test."""
    benchmark_files: Globs = BENCHMARK_FILES
    """Files where an added benchmark function counts too."""
    benchmark_patterns: Regexes = BENCHMARK_PATTERNS
    """Regexes of added lines that declare a benchmark function."""


def evaluate(pr: PullRequest, settings: Settings) -> RuleResult:
    result = Reporter(ID, TITLE, STAGE, settings.severity)
    scope = scoped(result, settings.enabled, settings.when, pr,
                   "No performance-sensitive path changed.")
    if isinstance(scope, RuleResult):
        return scope

    present = [f for f in pr.files if f.status is not FileStatus.REMOVED]
    for f in present:
        if matches(settings.test_paths, f.path):
            verb = "added" if f.status is FileStatus.ADDED else "changed"
            return result(Outcome.PASSED, CHANGED.format(path=f"`{f.path}`", verb=verb))
    candidates = sources.select(
        (f for f in present if matches(settings.benchmark_files, f.path)), keep_generated=True
    )
    try:
        benchmark = _first_benchmark(candidates.files, settings.benchmark_patterns)
    except patterns.SlowPattern as slow:
        return result(Outcome.FAILED, f"Could not search the change: {slow}.",
                      "Simplify the pattern in the configuration.")
    if benchmark is not None:
        path, line, name = benchmark
        reason = ADDED_BENCHMARK.format(path=f"`{path}`", name=name, line=line)
        return result(Outcome.PASSED, reason)

    reason = MISSING.format(scope=scope.describe())
    reason += candidates.note()
    shown = [p for p in settings.test_paths if not p.startswith("!")][:6]
    fix = FIX.format(paths=", ".join(f"`{p}`" for p in shown), example=_example(scope.paths))
    findings = on_first_change(
        pr, scope, settings.severity, "Performance test required", f"{reason}\n{fix}"
    )
    return result(Outcome.FAILED, reason, fix, *findings)


def _first_benchmark(
    files: Sequence[tuple[str, Changed]], searched: tuple[str, ...]
) -> tuple[str, int, str] | None:
    """The first added benchmark function: its file, line and signature."""
    corpus = build(files)
    for pattern in searched:
        for found in patterns.find_all(pattern, corpus.text):
            path, line = corpus.where(corpus.line_at(found.start()))
            return path, line, found.group(0).strip()
    return None


def _example(paths: Sequence[str]) -> str:
    """The benchmarks to suggest for the languages of ``paths``, most files first (two at
    most), so a Python change is not told to write a Go benchmark."""
    counts: dict[str, int] = {}
    for path in paths:
        dot = path.rfind(".")
        example = EXAMPLES.get(path[dot:].lower()) if dot > path.rfind("/") else None
        if example is not None:
            counts[example] = counts.get(example, 0) + 1
    ranked = sorted(counts, key=lambda e: -counts[e])[:2]
    return " or ".join(ranked) if ranked else NO_EXAMPLE
