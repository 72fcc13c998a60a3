"""Tiny git repositories, one per benchmark tool, whose head commits are slower by exact amounts.

    python benchmarks/paired/fixtures.py DEST           # writes DEST/<tool>/ for every tool

Each repository has a ``main`` branch (the base commit) and one branch per variant,
``v/<variant>``, a single commit on top of ``main`` that changes how many times each
workload repeats its fixed unit of work. A workload at +10 % repeats its unit 110 times
where the base repeats it 100, so the true change is known by construction (the labels are
the work done, not the time). ``aa`` changes only a comment, so the code is unchanged; the
``mixN`` variants give the five workloads the roles unchanged, +3 %, +10 %, +25 % and
-20 %, rotated by N so each workload takes each role once.

The generated repositories are not committed: this script is. ``TOOLS`` says for each tool
how to build it (``setup``, run once per checkout by ``perfbot bench run --setup``) and how
to run one round (``round.py`` runs it and writes the results to ``$PERFBOT_RESULTS``).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

KINDS = ("sum_squares", "sort_numbers", "build_map", "join_strings", "recursion")
# Each kind twice: at 100 repetitions of its unit, and a shorter copy at 50.
BASE_REPS = {**{k: 100 for k in KINDS}, **{f"{k}_short": 50 for k in KINDS}}
WORKLOADS = tuple(BASE_REPS)
KIND = {w: w.removesuffix("_short") for w in WORKLOADS}
# A mixed change's roles, rotated over the ten workloads: one unchanged, one +3 %, three
# +10 %, three +25 %, two 20 % faster. Unchanged benchmarks come mostly from ``aa``.
MIX = (0.0, 0.03, 0.10, 0.10, 0.10, 0.25, 0.25, 0.25, -0.20, -0.20)
ROTATION = {"mix0": 0, "mix1": 3, "mix2": 7}
VARIANTS = ("aa", *ROTATION)


def effects(variant: str) -> dict[str, float]:
    """The true relative change of each workload in the variant's head commit."""
    if variant == "aa":
        return dict.fromkeys(WORKLOADS, 0.0)
    r = ROTATION[variant]
    rotated = MIX[-r:] + MIX[:-r] if r else MIX
    return dict(zip(WORKLOADS, rotated, strict=True))


def reps(variant: str | None) -> dict[str, int]:
    change = effects(variant) if variant else dict.fromkeys(WORKLOADS, 0.0)
    return {w: round(BASE_REPS[w] * (1 + change[w])) for w in WORKLOADS}


# --- Python: one module of workloads shared by the pytest-benchmark and pyperf fixtures ---


# The first line of each generated source file (kept verbatim: it is part of the commits).
ABOUT = "Ten small workloads (five kinds, each also at half size), each a fixed unit of work"


def python_workloads(n: dict[str, int], note: str) -> str:
    return f'''"""{ABOUT} repeated REPS[name] times. {note}"""

REPS = {json.dumps(n)}
KIND = {json.dumps(KIND)}
_NUMBERS = [((i * 7919) % 1009) / 7.0 for i in range(400)]


def _sum_squares():
    return sum(i * i for i in range(800))


def _sort_numbers():
    return sorted(_NUMBERS)


def _build_map():
    return {{str(i): i for i in range(120)}}


def _join_strings():
    return ",".join([str(i) for i in range(160)])


def _fib(n):
    return n if n < 2 else _fib(n - 1) + _fib(n - 2)


def _recursion():
    return _fib(11)


UNITS = {{
    "sum_squares": _sum_squares,
    "sort_numbers": _sort_numbers,
    "build_map": _build_map,
    "join_strings": _join_strings,
    "recursion": _recursion,
}}


def workload(name):
    unit, times = UNITS[KIND[name]], REPS[name]

    def run():
        for _ in range(times):
            unit()

    return run
'''


PYTEST_BENCH = '''from workloads import REPS, workload
import pytest


@pytest.mark.parametrize("name", list(REPS))
def test_workload(benchmark, name):
    benchmark(workload(name))
'''

PYPERF_BENCH = '''import pyperf
from workloads import REPS, workload

if __name__ == "__main__":
    runner = pyperf.Runner()
    for name in REPS:
        runner.bench_func(name, workload(name))
'''


def pytest_files(n: dict[str, int], note: str) -> dict[str, str]:
    return {"workloads.py": python_workloads(n, note), "test_bench.py": PYTEST_BENCH}


def pyperf_files(n: dict[str, int], note: str) -> dict[str, str]:
    return {"workloads.py": python_workloads(n, note), "bench.py": PYPERF_BENCH}


# --- Go: the testing package's benchmarks, one sub-benchmark per workload ---


def go_files(n: dict[str, int], note: str) -> dict[str, str]:
    table = "\n".join(f'\t{{"{w}", "{KIND[w]}", {n[w]}}},' for w in WORKLOADS)
    return {
        "go.mod": "module perfbot.example/paired\n\ngo 1.19\n",
        "bench_test.go": f"""// {ABOUT} repeated reps[name] times. {note}
package paired

import (
\t"sort"
\t"strconv"
\t"strings"
\t"testing"
)

var workloads = []struct {{
\tname, kind string
\treps       int
}}{{
{table}
}}

var sink int

var numbers = func() []float64 {{
\tout := make([]float64, 1500)
\tfor i := range out {{
\t\tout[i] = float64((i*7919)%1009) / 7.0
\t}}
\treturn out
}}()

func fib(n int) int {{
\tif n < 2 {{
\t\treturn n
\t}}
\treturn fib(n-1) + fib(n-2)
}}

var units = map[string]func() int{{
\t"sum_squares": func() int {{
\t\ts := 0
\t\tfor i := 0; i < 4000; i++ {{
\t\t\ts += i * i
\t\t}}
\t\treturn s
\t}},
\t"sort_numbers": func() int {{
\t\tc := append([]float64(nil), numbers...)
\t\tsort.Float64s(c)
\t\treturn len(c)
\t}},
\t"build_map": func() int {{
\t\tm := make(map[string]int)
\t\tfor i := 0; i < 250; i++ {{
\t\t\tm[strconv.Itoa(i)] = i
\t\t}}
\t\treturn len(m)
\t}},
\t"join_strings": func() int {{
\t\tparts := make([]string, 0, 300)
\t\tfor i := 0; i < 300; i++ {{
\t\t\tparts = append(parts, strconv.Itoa(i))
\t\t}}
\t\treturn len(strings.Join(parts, ","))
\t}},
\t"recursion": func() int {{ return fib(17) }},
}}

func BenchmarkWorkload(b *testing.B) {{
\tfor _, w := range workloads {{
\t\tunit, times := units[w.kind], w.reps
\t\tb.Run(w.name, func(b *testing.B) {{
\t\t\tfor i := 0; i < b.N; i++ {{
\t\t\t\tfor r := 0; r < times; r++ {{
\t\t\t\t\tsink += unit()
\t\t\t\t}}
\t\t\t}}
\t\t}})
\t}}
}}
""",
    }


# --- C: one small program per workload for hyperfine, which times whole processes ---

C_UNITS = {
    "sum_squares": "for (long i = 0; i < 200000; i++) sink += i * i;",
    "sort_numbers": "double c[1500]; memcpy(c, numbers, sizeof c); "
    "qsort(c, 1500, sizeof c[0], cmp); sink += (long)c[0];",
    "build_map": "char buf[32]; long h = 0; for (int i = 0; i < 3000; i++) "
    "{ int k = snprintf(buf, sizeof buf, \"%d\", i); for (int j = 0; j < k; j++) "
    "h = h * 31 + buf[j]; } sink += h;",
    "join_strings": "static char out[20000]; size_t at = 0; for (int i = 0; i < 2000; i++) "
    "at += (size_t)snprintf(out + at, sizeof out - at, \"%d,\", i); sink += (long)at;",
    "recursion": "sink += fib(24);",
}


def c_files(n: dict[str, int], note: str) -> dict[str, str]:
    cases = "\n".join(
        f'    if (!strcmp(argv[1], "{w}")) '
        f"{{ for (int r = 0; r < {n[w]}; r++) {{ {C_UNITS[KIND[w]]} }} }}"
        for w in WORKLOADS
    )
    return {
        "work.c": f"""/* {ABOUT} repeated a fixed number of times. {note} */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static volatile long sink;
static double numbers[1500];

static int cmp(const void *a, const void *b) {{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}}

static long fib(int n) {{ return n < 2 ? n : fib(n - 1) + fib(n - 2); }}

int main(int argc, char **argv) {{
    if (argc != 2) return 2;
    for (int i = 0; i < 1500; i++) numbers[i] = ((i * 7919) % 1009) / 7.0;
{cases}
    return 0;
}}
""",
        "Makefile": "work: work.c\n\tcc -O2 -o work work.c\n",
    }


# --- C++: Google Benchmark, one benchmark per workload ---


def cpp_files(n: dict[str, int], note: str) -> dict[str, str]:
    bodies = {
        "sum_squares": "long s = 0; for (long i = 0; i < 4000; i++) "
        "{ s += i * i; benchmark::DoNotOptimize(s); }",
        "sort_numbers": "std::vector<double> c(numbers()); std::sort(c.begin(), c.end()); "
        "benchmark::DoNotOptimize(c.data());",
        "build_map": "std::unordered_map<std::string, int> m; for (int i = 0; i < 250; i++) "
        "m[std::to_string(i)] = i; benchmark::DoNotOptimize(m.size());",
        "join_strings": "std::string out; for (int i = 0; i < 300; i++) "
        "{ out += std::to_string(i); out += ','; } benchmark::DoNotOptimize(out.data());",
        "recursion": "benchmark::DoNotOptimize(fib(17));",
    }
    functions = "\n".join(
        f"static void {w}(benchmark::State& state) {{\n"
        f"  for (auto _ : state)\n"
        f"    for (int r = 0; r < {n[w]}; r++) {{ {bodies[KIND[w]]} }}\n}}\n"
        f"BENCHMARK({w});\n"
        for w in WORKLOADS
    )
    return {
        "bench.cc": f"""// {ABOUT} repeated a fixed number of times. {note}
#include <benchmark/benchmark.h>

#include <algorithm>
#include <string>
#include <unordered_map>
#include <vector>

static const std::vector<double>& numbers() {{
  static const std::vector<double> v = [] {{
    std::vector<double> out(1500);
    for (int i = 0; i < 1500; i++) out[i] = ((i * 7919) % 1009) / 7.0;
    return out;
  }}();
  return v;
}}

static long fib(int n) {{ return n < 2 ? n : fib(n - 1) + fib(n - 2); }}

{functions}
BENCHMARK_MAIN();
""",
        "Makefile": "bench: bench.cc\n\tg++ -O2 -o bench bench.cc -lbenchmark -lpthread\n",
    }


@dataclass(frozen=True)
class Tool:
    files: Callable[[dict[str, int], str], dict[str, str]]
    setup: str  # run once per checkout by `perfbot bench run --setup`
    format: str  # perfbot's reader for the results


TOOLS: dict[str, Tool] = {
    "pytest-benchmark": Tool(pytest_files, "true", "pytest-benchmark"),
    "pyperf": Tool(pyperf_files, "true", "pyperf"),
    "go": Tool(go_files, "go test -c -o bench.test .", "go"),
    "hyperfine": Tool(c_files, "make -s", "hyperfine"),
    "google-benchmark": Tool(cpp_files, "make -s", "google-benchmark"),
}


def git(repo: Path, *args: str) -> str:
    env = {
        "GIT_AUTHOR_NAME": "perfbot fixtures",
        "GIT_AUTHOR_EMAIL": "fixtures@perfbot.invalid",
        "GIT_COMMITTER_NAME": "perfbot fixtures",
        "GIT_COMMITTER_EMAIL": "fixtures@perfbot.invalid",
        "GIT_AUTHOR_DATE": "2026-01-01T00:00:00Z",
        "GIT_COMMITTER_DATE": "2026-01-01T00:00:00Z",
        "PATH": "/usr/bin:/bin",
    }
    done = subprocess.run(
        ["git", "-C", str(repo), *args], check=True, capture_output=True, text=True, env=env
    )
    return done.stdout.strip()


def write(repo: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (repo / name).write_text(text)


def make_repo(dest: Path, name: str) -> Path:
    """One tool's repository: ``main`` and ``v/<variant>`` for every variant."""
    tool = TOOLS[name]
    repo = dest / name
    repo.mkdir(parents=True)
    git(repo, "init", "-q", "-b", "main")
    (repo / ".gitignore").write_text("bench\nbench.test\nwork\n__pycache__/\n*.json\n")
    write(repo, tool.files(reps(None), "Base."))
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "base")
    for variant in VARIANTS:
        git(repo, "checkout", "-q", "-b", f"v/{variant}", "main")
        note = "Unchanged." if variant == "aa" else f"Variant {variant}."
        write(repo, tool.files(reps(variant), note))
        git(repo, "commit", "-q", "-am", f"variant {variant}: {json.dumps(effects(variant))}")
    git(repo, "checkout", "-q", "main")
    return repo


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dest", type=Path, help="an empty or missing folder")
    parser.add_argument("--tools", default=",".join(TOOLS))
    args = parser.parse_args()
    for name in args.tools.split(","):
        print(make_repo(args.dest, name), file=sys.stderr)


if __name__ == "__main__":
    main()
