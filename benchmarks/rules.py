"""Evaluate every registered rule on synthetic pull requests of growing size; print figures.

    .venv/bin/python benchmarks/rules.py [--runs 7]

Each PR mixes Python, Go, TypeScript and Java files that add functions (a third of
them instrumented), tuning knobs, YAML config, docs and a few modified files with
removed lines, at 30 to 40 changed lines a file; the largest is 3,000 files and
100,000 changed lines, GitHub's file-listing cap. Times are the median wall time of
``--runs`` evaluations with the patch cache emptied before each (the cost a new
delivery pays), and the median CPU time of the same runs, which a busy shared machine
disturbs less; peak RSS is the process's high-water mark after each size.

A second table measures the same evaluations side by side with the two speed-ups
switched off and on, alternating run by run: globs on the stdlib ``re`` where their
translation is linear (``bot.core.globs.linearised``; off, every glob runs under the
``regex`` timeout), and the literal test before a configured pattern's timed search
(``bot.core.patterns.required``; off, every search runs).
"""

from __future__ import annotations

import argparse
import contextlib
import resource
import statistics
import sys
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT)]

from bot.core import addedtext, globs, patterns  # noqa: E402
from bot.core.config import Config  # noqa: E402
from bot.core.evaluate import evaluate  # noqa: E402
from bot.core.facts import ChangedFile, FileStatus, PullRequest  # noqa: E402
from bot.core.rules import RULES  # noqa: E402

SIZES = ((300, 10_000), (900, 30_000), (3_000, 100_000))


def python_function(i: int, instrumented: bool) -> list[str]:
    body = [f"@router.get('/items/{i}')"] if i % 7 == 0 else []
    body += [f"def handle_{i}(request, limit=10):"]
    if instrumented:
        body += [f"    with tracer.start_as_current_span('handle_{i}'):"]
    body += [f"    rows = db.query('select * from t{i}')", "    total = 0"]
    body += ["    for row in rows:", "        total += row.value", "    return total", ""]
    return body


def go_function(i: int, instrumented: bool) -> list[str]:
    body = [f"func (s *Server) Handle{i}(ctx context.Context, id int) (int, error) {{"]
    if instrumented:
        body += [f'\tctx, span := tracer.Start(ctx, "Handle{i}")', "\tdefer span.End()"]
    body += ["\trows, err := s.db.Query(ctx, id)", "\tif err != nil {", "\t\treturn 0, err"]
    body += ["\t}", "\treturn len(rows), nil", "}", ""]
    return body


def ts_function(i: int, instrumented: bool) -> list[str]:
    body = [f"export async function load{i}(id: string): Promise<number> {{"]
    if instrumented:
        body += [f"  return tracer.startActiveSpan('load{i}', async (span) => {{"]
    body += ["  const rows = await db.query(id);", "  let total = 0;"]
    body += ["  for (const row of rows) {", "    total += row.value;", "  }", "  return total;"]
    body += ["}", ""]
    return body


def java_function(i: int, instrumented: bool) -> list[str]:
    body = ["    @Timed(\"load\")"] if instrumented else []
    body += [f"    public int load{i}(String id) throws IOException {{"]
    body += ["        List<Row> rows = db.query(id);", "        int total = 0;"]
    body += ["        for (Row row : rows) {", "            total += row.value;", "        }"]
    body += ["        return total;", "    }", ""]
    return body


KNOBS = {
    "py": ['REQUEST_TIMEOUT_{i} = 30', 'POOL_{i} = os.getenv("DB_POOL_SIZE_{i}", "10")'],
    "go": ["const defaultBatchSize{i} = 500", 'var workers{i} = flag.Int("workers-{i}", 8, "")'],
    "ts": ["const MAX_RETRIES_{i} = 3;", "const t{i} = process.env.API_TIMEOUT_{i};"],
    "java": ['    @Value("${{cache.ttl.{i}}}")', "    private static final int MAX_CONN_{i} = 9;"],
}
WRITERS = {"py": python_function, "go": go_function, "ts": ts_function, "java": java_function}
DIRS = {"py": "src/app", "go": "internal/store", "ts": "web/src", "java": "src/main/java/svc"}


def source_file(n: int, lines: int) -> ChangedFile:
    ext = ("py", "go", "ts", "java")[n % 4]
    text: list[str] = [KNOBS[ext][0].format(i=n)] if n % 5 == 0 else []
    i = 0
    while len(text) < lines:
        text += WRITERS[ext](n * 100 + i, instrumented=i % 3 == 0)
        i += 1
    text = text[:lines]
    path = f"{DIRS[ext]}/mod{n}.{ext}"
    if n % 10 == 9:  # a modified file: context, removed and added lines
        half = lines // 2
        hunk = [f"@@ -1,{half + 3} +1,{half + 3} @@", " # context", " # context", " # context"]
        hunk += [f"-old line {k}" for k in range(half)] + [f"+{t}" for t in text[:half]]
        return ChangedFile(path, FileStatus.MODIFIED, half, half, patch="\n".join(hunk))
    patch = "\n".join([f"@@ -0,0 +1,{len(text)} @@", *(f"+{t}" for t in text)])
    return ChangedFile(path, FileStatus.ADDED, len(text), 0, patch=patch)


def other_file(n: int, lines: int) -> ChangedFile:
    if n % 2:
        text = [f"# Setting {k}: `REQUEST_TIMEOUT_{k}` bounds a request." for k in range(lines)]
        path = f"docs/config{n}.md"
    else:
        text = [f"max_connections_{k}: {k}" if k % 9 == 0 else f"name_{k}: x" for k in range(lines)]
        path = f"deploy/service{n}.yaml"
    patch = "\n".join([f"@@ -0,0 +1,{len(text)} @@", *(f"+{t}" for t in text)])
    return ChangedFile(path, FileStatus.ADDED, len(text), 0, patch=patch)


def synthetic_pr(files: int, lines: int) -> PullRequest:
    per_file = lines // files
    changed = [
        other_file(n // 20, per_file) if n % 20 == 19 else source_file(n, per_file)
        for n in range(files)
    ]
    return PullRequest(head_sha="0" * 40, base_ref="main", files=tuple(changed),
                       labels=frozenset({"performance"}))


@contextlib.contextmanager
def speedups(on: bool) -> Iterator[None]:
    """The glob and pattern speed-ups as they are (``on``) or switched off, caches cleared."""
    saved = globs.linearised, patterns.required
    if not on:
        globs.linearised = lambda source: None
        patterns.required = lambda pattern: ""
    globs._matcher.cache_clear()
    try:
        yield
    finally:
        globs.linearised, patterns.required = saved
        globs._matcher.cache_clear()


def side_by_side(runs: int) -> None:
    print(f"\n{'files':>6} {'changed lines':>14} {'CPU before':>11} {'CPU after':>10} "
          f"{'after/before':>13}   (median of {runs} alternating runs each)")
    config = Config()
    for files, lines in SIZES:
        pr = synthetic_pr(files, lines)
        total = sum(f.additions + f.deletions for f in pr.files)
        cpu: dict[bool, list[float]] = {False: [], True: []}
        verdicts = set()
        for _ in range(runs):
            for on in (False, True):
                with speedups(on):
                    evaluate(pr, config)  # warm the compiled-glob cache, as a process is
                    addedtext.changed.cache_clear()
                    start = time.process_time()
                    evaluation = evaluate(pr, config)
                    cpu[on].append(time.process_time() - start)
                verdicts.add(tuple((r.rule, r.outcome, r.reason) for r in evaluation.results))
        if len(verdicts) != 1:
            raise SystemExit("the speed-ups changed a verdict")
        before, after = statistics.median(cpu[False]), statistics.median(cpu[True])
        print(f"{len(pr.files):>6} {total:>14,} {before * 1000:>9.0f}ms {after * 1000:>8.0f}ms "
              f"{after / before:>12.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    config = Config()
    print(f"rules: {', '.join(rule.id for rule in RULES)}")
    print(f"{'files':>6} {'changed lines':>14} {'wall':>9} {'min':>9} {'CPU':>9} "
          f"{'CPU µs/line':>12} {'peak RSS':>9}  outcomes")
    for files, lines in SIZES:
        pr = synthetic_pr(files, lines)
        total = sum(f.additions + f.deletions for f in pr.files)
        times, cpu = [], []
        for _ in range(args.runs):
            addedtext.changed.cache_clear()
            start, start_cpu = time.perf_counter(), time.process_time()
            evaluation = evaluate(pr, config)
            times.append(time.perf_counter() - start)
            cpu.append(time.process_time() - start_cpu)
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
        median, median_cpu = statistics.median(times), statistics.median(cpu)
        outcomes = " ".join(f"{r.rule}={r.outcome.value}" for r in evaluation.results)
        print(f"{len(pr.files):>6} {total:>14,} {median * 1000:>7.0f}ms "
              f"{min(times) * 1000:>7.0f}ms {median_cpu * 1000:>7.0f}ms "
              f"{median_cpu / total * 1e6:>12.2f} {rss:>7.0f}MB  {outcomes}")
    side_by_side(args.runs)


if __name__ == "__main__":
    main()
