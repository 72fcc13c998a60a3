"""``perfbot bench run``: measure the merge base and the head side by side, in one job.

The loop that drives the rounds: checkouts and commands through ``bot.local.benchrun``,
verdicts from ``bot.core.bench.paired`` after each planned look, progress on stderr
(tqdm on a terminal, plain lines otherwise), then the same table or JSON as
``bench compare`` and, with ``--output``, the paired result file. Exit 0 when nothing
regressed, 1 on a regression, 2 on any error (with no worktree left behind).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from tqdm import tqdm

from bot.core.bench import paired, paired_file
from bot.core.bench.paired import Order, Round
from bot.core.bench.policy import Policy, Statistic, parse_threshold
from bot.core.bench.readers import FORMATS

EXIT_ERROR = 2
NO_COMMAND = "give the benchmark command after --: perfbot bench run --base main -- pytest ..."
BAD_ROUNDS = "--rounds must be at least 1 (and at most {cap})"
BAD_TIME = "--max-time must be a positive number of seconds"
BAD_OUTPUT = "cannot write {path}: {detail}"
PROGRESS = (
    "perfbot: round {round} of {planned} · {elapsed} elapsed · {left} · "
    "{undecided} of {benchmarks} benchmarks undecided"
)
STARTING = "perfbot: measuring {base} (merge base of {base_ref}) against {head} ({head_ref})"


def register(actions: Any) -> None:
    run = actions.add_parser(
        "run",
        help="run a benchmark command on the merge base and the head, side by side",
        description="Check out the merge base of --base and --head, and the head, in "
        "temporary git worktrees; run --setup once in each; run COMMAND in each, alternating "
        "(ABBA), with the results path in $PERFBOT_RESULTS (and for {results} in the "
        "arguments); judge the paired rounds. Exit 0 when nothing regressed, 1 on a "
        "regression, 2 on an error.",
    )
    run.add_argument("--base", required=True, help="the branch or commit to compare with")
    run.add_argument("--head", help="the commit to judge (default HEAD)")
    run.add_argument("--repo", type=Path, default=Path("."), help="the git repository")
    run.add_argument("--setup", help="a shell command run once in each checkout first")
    run.add_argument(
        "--rounds", type=int, default=paired.DEFAULT_ROUNDS,
        help=f"most rounds to run (default {paired.DEFAULT_ROUNDS})",
    )
    run.add_argument("--max-time", type=float, help="stop starting rounds after this many seconds")
    run.add_argument("--format", default="auto", choices=("auto", *FORMATS), help="result format")
    run.add_argument("--output", type=Path, help="write the paired result file here")
    run.add_argument("--json", action="store_true", help="print JSON instead of a table")
    run.add_argument(
        "--threshold", metavar="CHANGE",
        help="change that counts, as 5%% or 0.05, once the interval excludes no change "
        f"(default {Policy().paired_threshold * 100:g}%%)",
    )
    run.add_argument(
        "--statistic", choices=[s.value for s in Statistic],
        help=f"per-round statistic (default {Policy().statistic.value})",
    )
    run.add_argument("bench_argv", nargs=argparse.REMAINDER, metavar="-- COMMAND [ARG...]")


def run(args: argparse.Namespace) -> int:
    from bot import bench_cli
    from bot.local import benchrun

    command = list(args.bench_argv)
    if command and command[0] == "--":
        command = command[1:]
    problem = _check(args, command)
    if problem:
        print(f"perfbot: {problem}", file=sys.stderr)
        return EXIT_ERROR
    policy = Policy()
    if args.threshold is not None:
        try:
            policy = replace(policy, paired_threshold=parse_threshold(args.threshold))
        except ValueError as exc:
            print(f"perfbot: --threshold {exc}", file=sys.stderr)
            return EXIT_ERROR
    if args.statistic is not None:
        policy = replace(policy, statistic=Statistic(args.statistic))
    repo = args.repo.resolve()
    started = time.monotonic()
    started_at = datetime.now(UTC).isoformat(timespec="seconds")
    try:
        with benchrun.interruptible():
            revs = benchrun.revisions(repo, args.base, args.head or "HEAD", args.head is not None)
            print(STARTING.format(base=revs.base[:12], base_ref=args.base, head=revs.head[:12],
                                  head_ref=args.head or "HEAD"), file=sys.stderr)
            with benchrun.worktrees(repo, revs) as space:
                env = dict(os.environ)
                if args.setup:
                    for side, sha in (("base", revs.base), ("head", revs.head)):
                        benchrun.setup(space, args.setup, side, sha, env)
                rounds, timings, stopped = _rounds(args, command, policy, space, revs, env, started)
    except benchrun.RunError as exc:
        print(f"perfbot: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print(f"perfbot: {benchrun.INTERRUPTED.format(signal='SIGINT')}", file=sys.stderr)
        return EXIT_ERROR
    run_record = paired_file.PairedRun(
        base=paired_file.Revision(revs.base, args.base),
        head=paired_file.Revision(revs.head, args.head or "HEAD"),
        rounds=tuple(rounds), planned=args.rounds, machine=benchrun.machine(),
        command=tuple(command), setup=args.setup, format=args.format, max_time=args.max_time,
        stopped=stopped, started=started_at, seconds=round(time.monotonic() - started, 3),
        timings=tuple(timings),
    )
    analysis = paired.analyse(run_record.rounds, policy, run_record.planned)
    if args.output is not None:
        try:
            args.output.write_bytes(paired_file.dumps(run_record))
        except OSError as exc:
            print(f"perfbot: {BAD_OUTPUT.format(path=args.output, detail=exc.strerror)}",
                  file=sys.stderr)
            return EXIT_ERROR
    return bench_cli.show_paired(analysis, run_record, args.json)


def _check(args: argparse.Namespace, command: list[str]) -> str:
    if not command:
        return NO_COMMAND
    if not 1 <= args.rounds <= paired_file.MAX_ROUNDS:
        return BAD_ROUNDS.format(cap=paired_file.MAX_ROUNDS)
    if args.max_time is not None and not args.max_time > 0:
        return BAD_TIME
    return ""


def _rounds(
    args: argparse.Namespace, command: list[str], policy: Policy, space: Any, revs: Any,
    env: dict[str, str], started: float,
) -> tuple[list[Round], list[tuple[float | None, float | None]], str]:
    """Run rounds until every benchmark is decided at a look, or the rounds or time run out."""
    from bot.local import benchrun

    rounds: list[Round] = []
    timings: list[tuple[float | None, float | None]] = []
    plan = set(paired.looks(args.rounds))
    progress = Progress(sys.stderr, args.rounds)
    loop_start = time.monotonic()
    stopped = "rounds"
    undecided: int | None = None
    try:
        for number in range(1, args.rounds + 1):
            if args.max_time is not None and rounds and time.monotonic() - started >= args.max_time:
                stopped = "time"
                break
            # ABBA: base first in odd rounds, head first in even ones, so a steady drift
            # during the job favours neither side.
            order = Order.BASE_FIRST if number % 2 == 1 else Order.HEAD_FIRST
            sides = ("base", "head") if order is Order.BASE_FIRST else ("head", "base")
            got: dict[str, Any] = {}
            for side in sides:
                sha = revs.base if side == "base" else revs.head
                got[side] = benchrun.measure(space, command, side, sha, number, env, args.format)
            rounds.append(Round(order, got["base"][0], got["head"][0]))
            timings.append((round(got["base"][1], 3), round(got["head"][1], 3)))
            analysis = paired.analyse(rounds, policy, args.rounds, final=False)
            if number in plan:
                undecided = len(analysis.undecided)
            total = sum(1 for c in analysis.changes if c.change.rounds)
            progress.update(number, time.monotonic() - loop_start, undecided, total)
            if number in plan and number < args.rounds and not analysis.undecided:
                stopped = "decided"
                break
        else:
            stopped = "rounds"
    finally:
        progress.close()
    return rounds, timings, stopped


class Progress:
    """Round i of N, elapsed, time left, undecided benchmarks: a tqdm bar on a terminal,
    one plain line per round otherwise (CI logs)."""

    def __init__(self, stream: TextIO, planned: int) -> None:
        self.stream, self.planned = stream, planned
        self.bar: tqdm[Any] | None = None
        if stream.isatty():
            self.bar = tqdm(total=planned, file=stream, unit="round", desc="perfbot bench run",
                            dynamic_ncols=True)

    def update(self, number: int, elapsed: float, undecided: int | None, total: int) -> None:
        pending = total if undecided is None else undecided
        if self.bar is not None:
            self.bar.update(1)
            self.bar.set_postfix_str(f"{pending} of {total} undecided")
            return
        per_round = elapsed / number
        left = (
            f"about {_clock(per_round * (self.planned - number))} left at most"
            if number < self.planned else "last round"
        )
        print(PROGRESS.format(round=number, planned=self.planned, elapsed=_clock(elapsed),
                              left=left, undecided=pending, benchmarks=total),
              file=self.stream, flush=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def _clock(seconds: float) -> str:
    seconds = round(seconds)
    return f"{seconds // 60}:{seconds % 60:02d}"
