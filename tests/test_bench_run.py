"""``perfbot bench run`` on small real projects, and every way it can fail: exit 2, a clear
message, and no worktree or temporary folder left behind."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from gitrepo import GitRepo

ROOT = Path(__file__).resolve().parents[1]

# A benchmark harness of a few lines writing perfbot's generic JSON: the fast fixture for
# the error paths (real tools are exercised below).
GENERIC = """\
import json, os, time
from work import work
samples = []
for _ in range(5):
    start = time.perf_counter()
    work()
    samples.append(time.perf_counter() - start)
with open(os.environ["PERFBOT_RESULTS"], "w") as out:
    json.dump({"benchmarks": [{"name": "work", "unit": "s", "samples": samples}]}, out)
"""
WORK = "def work():\n    return sum(range({n}))\n"


def perfbot(tmp_path: Path, *args: str, timeout: float = 240) -> subprocess.CompletedProcess[str]:
    """Run the CLI as a user would, with its temporary folder where the test can see it."""
    return subprocess.run(
        [sys.executable, "-m", "bot", "bench", "run", *args],
        capture_output=True, text=True, timeout=timeout, env=_env(tmp_path), cwd=ROOT,
    )


def _env(tmp_path: Path) -> dict[str, str]:
    temp = tmp_path / "tmp"
    temp.mkdir(exist_ok=True)
    return {**os.environ, "TMPDIR": str(temp)}


def assert_clean(repo: GitRepo, tmp_path: Path) -> None:
    """No worktree registered beside the repository's own, and no temporary folder left."""
    listed = repo.git("worktree", "list", "--porcelain")
    assert listed.count("worktree ") == 1, listed
    assert not any((tmp_path / "tmp").iterdir())


def project(tmp_path: Path, files_base: dict[str, str], files_head: dict[str, str]) -> GitRepo:
    (tmp_path / "repo").mkdir()
    repo = GitRepo(tmp_path / "repo")
    repo.commit(files_base, "base")
    repo.branch("feature")
    repo.commit(files_head, "head")
    return repo


def generic_project(tmp_path: Path, head_n: int = 200_000) -> GitRepo:
    return project(
        tmp_path,
        {"work.py": WORK.format(n=200_000), "bench.py": GENERIC},
        {"work.py": WORK.format(n=head_n)},
    )


PYTEST_BENCH = """\
from work import work


def test_work(benchmark):
    benchmark(work)
"""


def test_python_pytest_benchmark_slowdown_is_regressed_and_written(tmp_path) -> None:
    pytest.importorskip("pytest_benchmark")
    repo = project(
        tmp_path,
        {"work.py": WORK.format(n=20_000), "test_bench.py": PYTEST_BENCH},
        {"work.py": WORK.format(n=40_000)},
    )
    output = tmp_path / "paired.json"
    done = perfbot(
        tmp_path, "--repo", str(repo.path), "--base", "main", "--rounds", "6",
        "--output", str(output), "--json", "--",
        sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_bench.py",
        "--benchmark-json={results}", "--benchmark-min-rounds=20",
        "--benchmark-max-time=0.1", "--benchmark-disable-gc",
    )
    assert done.returncode == 1, done.stderr
    doc = json.loads(done.stdout)
    (bench,) = doc["benchmarks"]
    assert bench["name"] == "test_bench.py::test_work" and bench["verdict"] == "regressed"
    assert bench["change"] == pytest.approx(1.0, abs=0.5)
    assert bench["rounds"] == 6 and bench["interval"][0] > 0.05
    assert doc["rounds"] == 6 and doc["head"]["sha"] == repo.git("rev-parse", "feature").strip()
    # Progress went to stderr as plain lines (stderr is not a terminal here).
    assert "round 6 of 6" in done.stderr and "undecided" in done.stderr
    paired = json.loads(output.read_text())
    assert paired["perfbot"] == "perfbot-paired"
    assert [r["order"] for r in paired["rounds"]] == ["base-first", "head-first"] * 3
    assert paired["rounds"][0]["base"]["files"][0]["format"] == "pytest-benchmark"
    assert paired["base"]["sha"] == repo.git("rev-parse", "main").strip()
    # The file alone is the comparison.
    again = subprocess.run(
        [sys.executable, "-m", "bot", "bench", "compare", str(output)],
        capture_output=True, text=True, cwd=ROOT,
    )
    assert again.returncode == 1 and "🔴 regressed" in again.stdout
    assert "| Rounds |" in again.stdout
    assert_clean(repo, tmp_path)


GO_MOD = "module example.com/work\n\ngo 1.19\n"
GO_WORK = "package work\n\nfunc Work() int {{\n\ts := 0\n\tfor i := 0; i < {n}; i++ {{\n" \
    "\t\ts += i ^ (s >> 3)\n\t}}\n\treturn s\n}}\n"
GO_TEST = (
    "package work\n\nimport \"testing\"\n\nvar sink int\n\n"
    "func BenchmarkWork(b *testing.B) {\n\tfor i := 0; i < b.N; i++ {\n"
    "\t\tsink = Work()\n\t}\n}\n"
)


@pytest.mark.skipif(shutil.which("go") is None, reason="go is not installed (.ci/run installs it)")
def test_go_module_unchanged_code_is_unchanged(tmp_path) -> None:
    # Head changes a comment only: the same code, measured in alternating rounds.
    repo = project(
        tmp_path,
        {"go.mod": GO_MOD, "work.go": GO_WORK.format(n=20000), "work_test.go": GO_TEST},
        {"work.go": "// A comment.\n" + GO_WORK.format(n=20000)},
    )
    done = perfbot(
        tmp_path, "--repo", str(repo.path), "--base", "main", "--rounds", "6",
        "--setup", "go vet ./...", "--",
        "sh", "-c",
        'go test -run "^$" -bench . -benchtime 3000x -count 3 ./... > "$PERFBOT_RESULTS"',
    )
    assert done.returncode == 0, done.stderr
    assert "BenchmarkWork" in done.stdout and "0 regressed" in done.stdout
    assert "**Noise:**" in done.stdout
    assert_clean(repo, tmp_path)


GBENCH = """\
#include <benchmark/benchmark.h>

static void BM_Work(benchmark::State& state) {{
  for (auto _ : state) {{
    unsigned s = 0;
    for (unsigned i = 0; i < {n}; ++i) {{ s += i ^ (s >> 3); benchmark::DoNotOptimize(s); }}
  }}
}}
BENCHMARK(BM_Work);
BENCHMARK_MAIN();
"""


@pytest.mark.skipif(
    shutil.which("g++") is None or not Path("/usr/include/benchmark/benchmark.h").exists(),
    reason="g++ or Google Benchmark is not installed (.ci/run installs libbenchmark-dev)",
)
def test_cpp_google_benchmark_slowdown_is_regressed(tmp_path) -> None:
    repo = project(tmp_path, {"bench.cc": GBENCH.format(n=20000)},
                   {"bench.cc": GBENCH.format(n=40000)})
    done = perfbot(
        tmp_path, "--repo", str(repo.path), "--base", "main", "--head", "feature",
        "--rounds", "6", "--setup", "g++ -O2 -o bench bench.cc -lbenchmark -lpthread", "--",
        "./bench", "--benchmark_out={results}", "--benchmark_out_format=json",
        "--benchmark_min_time=0.02",
    )
    assert done.returncode == 1, done.stderr
    assert "`BM_Work`" in done.stdout and "🔴 regressed" in done.stdout
    assert_clean(repo, tmp_path)


def test_a_failing_command_names_side_and_round_and_shows_its_stderr(tmp_path) -> None:
    repo = project(
        tmp_path,
        {"work.py": WORK.format(n=10), "bench.py": GENERIC},
        {"bench.py": "import sys\nsys.stderr.write('boom: head is broken\\n')\nsys.exit(3)\n"},
    )
    done = perfbot(tmp_path, "--repo", str(repo.path), "--base", "main", "--", sys.executable,
                   "bench.py")
    assert done.returncode == 2
    assert "the command failed on the head side" in done.stderr
    assert "in round 1 with exit status 3" in done.stderr and "boom: head is broken" in done.stderr
    assert_clean(repo, tmp_path)


def test_a_failing_setup_names_the_side(tmp_path) -> None:
    repo = generic_project(tmp_path)
    done = perfbot(tmp_path, "--repo", str(repo.path), "--base", "main",
                   "--setup", "echo cannot build >&2; exit 4", "--", sys.executable, "bench.py")
    assert done.returncode == 2
    assert "--setup failed in the base checkout" in done.stderr
    assert "exit status 4" in done.stderr and "cannot build" in done.stderr
    assert_clean(repo, tmp_path)


def test_an_unknown_ref_is_named(tmp_path) -> None:
    repo = generic_project(tmp_path)
    done = perfbot(tmp_path, "--repo", str(repo.path), "--base", "no-such-branch", "--",
                   sys.executable, "bench.py")
    assert done.returncode == 2
    assert "unknown ref 'no-such-branch'" in done.stderr
    assert_clean(repo, tmp_path)


def test_a_dirty_work_tree_is_refused_unless_head_is_named(tmp_path) -> None:
    repo = generic_project(tmp_path)
    (repo.path / "work.py").write_text(WORK.format(n=5))
    done = perfbot(tmp_path, "--repo", str(repo.path), "--base", "main", "--rounds", "1", "--",
                   sys.executable, "bench.py")
    assert done.returncode == 2
    assert "uncommitted changes (work.py)" in done.stderr and "stash" in done.stderr
    assert_clean(repo, tmp_path)
    named = perfbot(tmp_path, "--repo", str(repo.path), "--base", "main", "--head", "feature",
                    "--rounds", "1", "--", sys.executable, "bench.py")
    assert named.returncode == 0, named.stderr
    # One round decides nothing, and says so.
    assert "**Undecided:** 1 benchmark could not be decided" in named.stdout


def test_results_that_do_not_parse_are_an_error(tmp_path) -> None:
    repo = project(
        tmp_path,
        {"bench.py": "import os\n"
                     "open(os.environ['PERFBOT_RESULTS'], 'w').write('{\"benchmarks\": [')\n"},
        {"README.md": "head\n"},
    )
    done = perfbot(tmp_path, "--repo", str(repo.path), "--base", "main", "--", sys.executable,
                   "bench.py")
    assert done.returncode == 2
    assert "the base side's results in round 1 cannot be read" in done.stderr
    assert "truncated" in done.stderr
    assert_clean(repo, tmp_path)


def test_no_results_written_is_an_error(tmp_path) -> None:
    repo = project(tmp_path, {"bench.py": "print('ran')\n"}, {"README.md": "head\n"})
    done = perfbot(tmp_path, "--repo", str(repo.path), "--base", "main", "--", sys.executable,
                   "bench.py")
    assert done.returncode == 2
    assert "wrote no results on the base side in round 1" in done.stderr
    assert "$PERFBOT_RESULTS" in done.stderr
    assert_clean(repo, tmp_path)


def test_ctrl_c_stops_the_command_and_removes_the_worktrees(tmp_path) -> None:
    marker = tmp_path / "started"
    sleeper = (
        "import pathlib, time\n"
        f"pathlib.Path({str(marker)!r}).write_text('x')\n"
        "time.sleep(60)\n"
    )
    repo = project(tmp_path, {"bench.py": sleeper}, {"README.md": "head\n"})
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "bench", "run", "--repo", str(repo.path), "--base", "main",
         "--", sys.executable, "bench.py"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_env(tmp_path), cwd=ROOT,
    )
    deadline = time.monotonic() + 60
    while not marker.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert marker.exists(), "the benchmark command never started"
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=30)
    assert process.returncode == 2
    assert "interrupted (SIGINT)" in err and "worktrees were removed" in err
    assert_clean(repo, tmp_path)


def test_the_output_json_and_args_substitution_on_a_quick_project(tmp_path) -> None:
    repo = generic_project(tmp_path, head_n=200_000)
    harness = GENERIC.replace('os.environ["PERFBOT_RESULTS"]', "__import__('sys').argv[1]")
    repo.commit({"bench.py": harness}, "results path from the arguments")
    done = perfbot(tmp_path, "--repo", str(repo.path), "--base", "main", "--rounds", "2",
                   "--json", "--", sys.executable, "bench.py", "{results}")
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)
    assert doc["benchmarks"][0]["name"] == "work" and doc["rounds"] == 2
    assert doc["rounds_planned"] == 2 and doc["stopped"] == "rounds"
    assert_clean(repo, tmp_path)
