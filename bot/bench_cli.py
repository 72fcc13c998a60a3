"""``perfbot bench compare BASE HEAD``: the App's benchmark comparison, run on local files.

``perfbot bench compare PAIRED`` reads one paired result file (``perfbot bench run
--output``) as the whole comparison and prints its paired table.

The same readers and the same ``compare`` as the check run, so a developer sees
before pushing what the App will say. Exit 0 when nothing regressed, 1 when
something did, 2 when an input cannot be read (the message names the file), the two
sides are different tools' results with no benchmark in common, or ``--threshold`` is
no relative change (``30`` would be 3000 %: it takes ``30%`` or ``0.3``).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from bot.core.bench import paired, paired_file, paired_report, table
from bot.core.bench.compare import compare, geometric_mean
from bot.core.bench.model import BenchFileError, Change, Results, Verdict
from bot.core.bench.policy import Policy, Statistic, parse_threshold
from bot.core.bench.readers import FORMATS, MAX_BYTES, NOT_RESULTS, read_all

EXIT_PASS, EXIT_REGRESSED, EXIT_UNREADABLE = 0, 1, 2

NOT_FOUND = "no such file or folder"
NO_FILES = "the folder holds no result files"
TOO_LARGE = "{size:,} bytes is more than the {cap:,} perfbot reads"
UNREADABLE = "cannot be read ({detail})"
TOOL_ERRORS = "perfbot: {path}: the tool reports benchmark {name} failed"
ONE_FILE = "a paired comparison is one file: the paired result file bench run --output wrote"
ONE_FILE_HINT = (
    "with one argument, bench compare reads a paired result file (perfbot bench run "
    "--output FILE); to compare two result files give both: perfbot bench compare BASE HEAD"
)
PAIRED_ALONE = (
    "is a paired result file, a whole comparison by itself: perfbot bench compare {path}"
)
OTHER_TOOLS = (
    "perfbot: nothing to compare: the base is {base} output and the head {head} output, and "
    "no benchmark appears in both; compare results of the same tool"
)


def register(commands: Any) -> None:
    """Add ``bench compare`` to the ``perfbot`` parser's subcommands."""
    bench = commands.add_parser("bench", help="work with benchmark result files")
    actions = bench.add_subparsers(dest="bench_command", required=True)
    cmp = actions.add_parser(
        "compare",
        help="compare benchmark results as the App compares base and head",
        description="Compare two benchmark result files, or two folders of them, with the "
        "rule the App applies. Exit 0 when nothing regressed, 1 on a regression, 2 when an "
        "input cannot be read.",
    )
    cmp.add_argument(
        "base", type=Path,
        help="baseline result file or folder, or alone a paired result file (bench run --output)",
    )
    cmp.add_argument("head", type=Path, nargs="?", help="result file or folder to judge")
    cmp.add_argument("--format", default="auto", choices=("auto", *FORMATS), help="result format")
    cmp.add_argument("--json", action="store_true", help="print JSON instead of a table")
    cmp.add_argument(
        "--threshold",
        metavar="CHANGE",
        help="relative change that counts, as 10%% or 0.1 "
        f"(default {Policy().threshold * 100:g}%%)",
    )
    cmp.add_argument(
        "--statistic",
        choices=[s.value for s in Statistic],
        help=f"statistic compared (default {Policy().statistic.value})",
    )
    from bot import bench_run_cli

    bench_run_cli.register(actions)


def run(args: argparse.Namespace) -> int:
    if args.bench_command == "run":
        from bot import bench_run_cli

        return bench_run_cli.run(args)
    policy = Policy()
    threshold = None
    if args.threshold is not None:
        try:
            threshold = parse_threshold(args.threshold)
        except ValueError as exc:
            print(f"perfbot: --threshold {exc}", file=sys.stderr)
            return EXIT_UNREADABLE
        policy = replace(policy, threshold=threshold)
    if args.statistic is not None:
        policy = replace(policy, statistic=Statistic(args.statistic))
    if args.head is None:
        return compare_paired(args.base, policy, threshold, args.json)
    for side in (args.base, args.head):
        if side.is_file() and _is_paired_file(side):
            print(f"perfbot: {side}: {PAIRED_ALONE.format(path=side)}", file=sys.stderr)
            return EXIT_UNREADABLE
    base, base_problems = load(args.base, args.format)
    head, head_problems = load(args.head, args.format)
    if base_problems or head_problems:
        for problem in (*base_problems, *head_problems):
            print(f"perfbot: {problem}", file=sys.stderr)
        return EXIT_UNREADABLE
    for results in (*base, *head):
        for name in results.errors:
            print(TOOL_ERRORS.format(path=results.path, name=name), file=sys.stderr)
    base_formats, head_formats = {r.format for r in base}, {r.format for r in head}
    paired = {m.key for r in base for m in r.measurements} & {
        m.key for r in head for m in r.measurements
    }
    if base_formats.isdisjoint(head_formats) and not paired:
        print(OTHER_TOOLS.format(base=", ".join(sorted(base_formats)),
                                 head=", ".join(sorted(head_formats))), file=sys.stderr)
        return EXIT_UNREADABLE
    changes = compare(base, head, policy)
    if args.json:
        sys.stdout.write(json.dumps(as_json(changes), indent=2) + "\n")
    else:
        sys.stdout.write(table.render(changes, limit=10_000_000))
    regressed = any(c.verdict is Verdict.REGRESSED for c in changes)
    return EXIT_REGRESSED if regressed else EXIT_PASS


def compare_paired(path: Path, policy: Policy, threshold: float | None, as_json: bool) -> int:
    """One paired result file in (``bench run --output``), its paired table out."""
    if threshold is not None:
        policy = replace(policy, paired_threshold=threshold)
    if not path.is_file():
        problem = NOT_FOUND if not path.exists() else ONE_FILE
        print(f"perfbot: {path}: {problem}", file=sys.stderr)
        return EXIT_UNREADABLE
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise BenchFileError(str(path), TOO_LARGE.format(size=size, cap=MAX_BYTES))
        paired_run = paired_file.loads(str(path), path.read_bytes())
    except OSError as exc:
        print(f"perfbot: {path}: {UNREADABLE.format(detail=exc.strerror)}", file=sys.stderr)
        return EXIT_UNREADABLE
    except BenchFileError as exc:
        print(f"perfbot: {exc}", file=sys.stderr)
        if exc.problem == paired_file.NOT_PAIRED:
            print(f"perfbot: {ONE_FILE_HINT}", file=sys.stderr)
        return EXIT_UNREADABLE
    analysis = paired.analyse(paired_run.rounds, policy, paired_run.planned)
    return show_paired(analysis, paired_run, as_json)


def show_paired(analysis: paired.Analysis, paired_run: paired_file.PairedRun, as_json: bool) -> int:
    """Print a paired comparison as ``bench run`` and ``bench compare FILE`` do; its exit code."""
    if as_json:
        sys.stdout.write(json.dumps(paired_report.as_json(analysis, paired_run), indent=2) + "\n")
    else:
        sys.stdout.write(paired_report.render(analysis, paired_run, limit=10_000_000))
    regressed = any(c.verdict is Verdict.REGRESSED for c in analysis.verdicts)
    return EXIT_REGRESSED if regressed else EXIT_PASS


def _is_paired_file(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            return paired_file.looks_paired(handle.read(200))
    except OSError:
        return False


def load(root: Path, format: str) -> tuple[list[Results], list[BenchFileError]]:
    """Every result file at ``root`` (a file, or a folder searched recursively), read.

    Hidden files and folders inside a folder are skipped, and so are reports and pages
    tools write beside their results; an empty folder is an error, never "no regressions".
    """
    if root.is_file():
        paths = [root]
    elif root.is_dir():
        paths = sorted(
            p
            for p in root.rglob("*")
            if p.is_file()
            and not any(part.startswith(".") for part in p.relative_to(root).parts)
            and p.suffix.lower() not in NOT_RESULTS
        )
        if not paths:
            return [], [BenchFileError(str(root), NO_FILES)]
    else:
        return [], [BenchFileError(str(root), NOT_FOUND)]
    files: dict[str, bytes] = {}
    problems: list[BenchFileError] = []
    for path in paths:
        try:
            size = path.stat().st_size
            if size > MAX_BYTES:
                problems.append(
                    BenchFileError(str(path), TOO_LARGE.format(size=size, cap=MAX_BYTES))
                )
                continue
            files[str(path)] = path.read_bytes()
        except OSError as exc:
            problems.append(BenchFileError(str(path), UNREADABLE.format(detail=exc.strerror)))
    results, unread = read_all(files, format)
    return results, [*problems, *unread]


def as_json(changes: Sequence[Change]) -> dict[str, Any]:
    tally = Counter(c.verdict.value for c in changes)
    return {
        "benchmarks": [
            {
                "name": c.benchmark,
                "metric": c.metric,
                "base": c.base,
                "head": c.head,
                "unit": c.unit,
                "change": c.change,
                "interval": list(c.interval) if c.interval is not None else None,
                "verdict": c.verdict.value,
                "direction": c.direction.value,
                "statistic": c.statistic,
                "reason": c.reason,
                "path": c.path,
                "line": c.line,
            }
            for c in sorted(changes, key=table.severity_key)
        ],
        "counts": {v.value: tally.get(v.value, 0) for v in Verdict},
        "geometric_mean": geometric_mean(changes),
    }
