"""Paired against single-run verdicts on the same jobs: the corpus in benchmarks/paired/corpus.

    python benchmarks/paired_detection.py             # the README's table, per condition
    python benchmarks/paired_detection.py --tools     # the same per tool
    python benchmarks/paired_detection.py --settings  # the paired statistics at other settings

Each job of the corpus (``benchmarks/paired/record.py``) measured one fixture repository's
base and head commit in paired rounds. From the stored per-round values this recomputes,
offline, what ``perfbot bench run`` decides (``bot.core.bench.paired.analyse`` over the
rounds, with the sequential looks it takes), and beside it, on the first base run and
the first head run of the same job (the single-run way): ``perfbot bench compare``'s
default and the reference rules of README "Detection quality". It counts, per true
effect, the share called regressed: false alarms on unchanged benchmarks, +3 %, +10 %,
+25 % caught, and improvements (-20 %) called regressions; and the cost of the paired
verdicts: median rounds and median job minutes per comparison. Where a job was recorded
through ``bench run`` itself, its own ``--json`` verdicts are checked against the
recomputed ones.
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import detection  # noqa: E402
from detection import Tally, workload_of  # noqa: E402
from scipy.stats import wilcoxon  # noqa: E402

from bot.core.bench import paired  # noqa: E402
from bot.core.bench.model import Direction, Measurement, Results, Summary, Verdict  # noqa: E402
from bot.core.bench.policy import Policy  # noqa: E402
from bot.core.bench.readers import read  # noqa: E402

CORPUS = ROOT / "benchmarks" / "paired" / "corpus"
CONDITIONS = ("quiet", "drift")
FORMATS = {
    "pytest-benchmark": "pytest-benchmark",
    "pyperf": "pyperf",
    "go": "go",
    "hyperfine": "hyperfine",
    "google-benchmark": "google-benchmark",
}


@dataclass(frozen=True)
class Job:
    folder: Path
    tool: str
    variant: str
    condition: str
    effects: dict[str, float]
    base: str
    head: str
    started: float
    seconds: float
    driver: str
    rounds: tuple[paired.Round, ...]
    planned: int  # the rounds bench run was allowed (its looks depend on it)
    ends: tuple[float, ...]  # when each round ended, seconds since the job started
    first_base: Path
    first_head: Path

    @property
    def name(self) -> str:
        return f"{self.condition}/{self.folder.name}"


def _results(path: str, tool: str, values: dict[str, dict[str, float]]) -> Results:
    """One side of one round as perfbot's model: each benchmark's minimum and median."""
    measurements = tuple(
        Measurement(
            benchmark=name,
            metric="time",
            unit="s",
            direction=Direction.LOWER,
            summary=Summary(count=int(v["n"]), minimum=v["min"], median=v["median"]),
        )
        for name, v in values.items()
    )
    return Results(path=path, format=FORMATS[tool], measurements=measurements)


def load_job(folder: Path) -> Job:
    meta = json.loads((folder / "job.json").read_text())
    lines = [json.loads(x) for x in (folder / "rounds.jsonl").read_text().splitlines() if x]
    rounds, ends = [], []
    for i in range(0, len(lines) - 1, 2):
        first, second = lines[i], lines[i + 1]
        shas = {first["sha"], second["sha"]}
        if shas != {meta["base"], meta["head"]}:
            raise ValueError(f"{folder}: round {i // 2 + 1} is not one base and one head run")
        by_side = {"base": first if first["sha"] == meta["base"] else second}
        by_side["head"] = second if by_side["base"] is first else first
        sides = {
            side: _results(f"{folder.name}/r{i // 2 + 1}-{side}", meta["tool"], line["values"])
            for side, line in by_side.items()
        }
        order = paired.Order.BASE_FIRST if first is by_side["base"] else paired.Order.HEAD_FIRST
        rounds.append(paired.Round(order, (sides["base"],), (sides["head"],)))
        ends.append(second["end"] - meta["started"])
    firsts = {p.name.split("-")[1].split(".")[0]: p for p in folder.glob("first-*")}
    planned = len(rounds)
    own = folder / "bench-run.json"
    if meta.get("driver", "perfbot") == "perfbot" and own.exists() and own.stat().st_size:
        planned = int(json.loads(own.read_text()).get("rounds_planned", planned))
    return Job(
        folder=folder,
        tool=meta["tool"],
        variant=meta["variant"],
        condition=meta["condition"],
        effects={k: float(v) for k, v in meta["effects"].items()},
        base=meta["base"],
        head=meta["head"],
        started=meta["started"],
        seconds=meta["seconds"],
        driver=meta.get("driver", "perfbot"),
        rounds=tuple(rounds),
        planned=planned,
        ends=tuple(ends),
        first_base=firsts[meta["base"][:12]],
        first_head=firsts[meta["head"][:12]],
    )


@cache
def jobs(corpus: Path = CORPUS) -> tuple[Job, ...]:
    found = sorted(p.parent for p in corpus.glob("*/*/job.json"))
    return tuple(load_job(f) for f in found if (f / "rounds.jsonl").exists())


@dataclass(frozen=True)
class PairedOutcome:
    verdicts: dict[str, Verdict]
    rounds: int  # rounds bench run needed: the look that decided the last benchmark
    minutes: float  # the job's wall time up to then, setup included


def paired_outcome(
    job: Job, planned: int | None = None, policy: Policy | None = None
) -> PairedOutcome:
    """What ``bench run`` decides on the job's rounds, with ``planned`` rounds allowed."""
    planned = planned or job.planned
    policy = policy or Policy()
    rounds = job.rounds[:planned]
    # bench run stops at the first look where nothing is undecided, else at the last round.
    needed = len(rounds)
    for look in paired.looks(planned):
        if look > len(rounds):
            break
        if not paired.analyse(rounds[:look], policy, planned, final=False).undecided:
            needed = look
            break
    analysis = paired.analyse(rounds[:needed], policy, planned, final=True)
    verdicts = {workload_of(c.benchmark): c.verdict for c in analysis.verdicts}
    minutes = job.ends[needed - 1] / 60  # from the job's start: worktrees and setup included
    return PairedOutcome(verdicts, needed, minutes)


@cache
def _read(path: Path) -> Results:
    return read(path.name, path.read_bytes())


def first_runs(job: Job) -> tuple[Results, Results]:
    return _read(job.first_base), _read(job.first_head)


SingleRule = Callable[[Sequence[Results], Sequence[Results]], dict[str, Verdict]]
SINGLE: dict[str, SingleRule] = {
    "bench compare default (min, 10 %), first base vs first head run": detection.REFERENCES[
        "perfbot default"
    ],
    "5 % threshold on medians, first runs": detection.REFERENCES["5 % threshold on medians"],
    "Mann-Whitney U, alpha 0.05, first runs": detection.REFERENCES["Mann-Whitney U, alpha 0.05"],
    "min, 5 % + 1x within-run spread, first runs": detection.ALTERNATIVES[
        "min > 5 %, + 1x within-run spread"
    ],
}


def select(condition: str | None = None, tool: str | None = None) -> Iterator[Job]:
    for job in jobs():
        if (condition is None or job.condition == condition) and (tool is None or job.tool == tool):
            yield job


def tally_paired(
    chosen: Sequence[Job], planned: int | None = None, policy: Policy | None = None
) -> tuple[Tally, list[int], list[float]]:
    tally, rounds, minutes = Tally(), [], []
    for job in chosen:
        outcome = paired_outcome(job, planned, policy)
        rounds.append(outcome.rounds)
        minutes.append(outcome.minutes)
        for name, verdict in outcome.verdicts.items():
            tally.add(job.effects.get(name, 0.0), verdict)
    return tally, rounds, minutes


def tally_single(rule: SingleRule, chosen: Sequence[Job]) -> Tally:
    tally = Tally()
    for job in chosen:
        base, head = first_runs(job)
        for name, verdict in rule([base], [head]).items():
            tally.add(job.effects.get(name, 0.0), verdict)
    return tally


def bench_run_agreement(chosen: Sequence[Job]) -> tuple[int, int]:
    """(agreeing, compared) verdicts between bench run's own --json and the recomputation."""
    agree = total = 0
    for job in chosen:
        out = job.folder / "bench-run.json"
        if job.driver != "perfbot" or not out.exists() or not out.stat().st_size:
            continue
        theirs = {
            workload_of(b["name"]): b["verdict"] for b in json.loads(out.read_text())["benchmarks"]
        }
        ours = paired_outcome(job, planned=None).verdicts
        for name, verdict in ours.items():
            total += 1
            agree += theirs.get(name) == verdict.value
    return agree, total


def calibration(chosen: Sequence[Job]) -> dict[float, float]:
    """Per true effect, the median over jobs of the median per-round change of the minimum."""
    changes: dict[float, list[float]] = {}
    for job in chosen:
        per: dict[str, list[float]] = {}
        for r in job.rounds:
            base = {workload_of(m.benchmark): m.summary.minimum for m in r.base[0].measurements}
            for m in r.head[0].measurements:
                name = workload_of(m.benchmark)
                b, h = base.get(name), m.summary.minimum
                if b and h:
                    per.setdefault(name, []).append(math.log(h / b))
        for name, logs in per.items():
            effect = job.effects.get(name, 0.0)
            changes.setdefault(effect, []).append(math.expm1(statistics.median(logs)))
    return {e: statistics.median(v) for e, v in sorted(changes.items())}


HEADER = (
    "| {title} | false alarms (unchanged) | +3 % flagged | +10 % flagged | +25 % flagged | "
    "improvements called regressions | median rounds | median job minutes |\n"
    "|---|--:|--:|--:|--:|--:|--:|--:|"
)


def row(name: str, t: Tally, rounds: Sequence[int] = (), minutes: Sequence[float] = ()) -> str:
    cells = [f"{t.rate(e) * 100:.1f} %" for e in detection.EFFECTS]
    cost = (
        f"{statistics.median(rounds):g} | {statistics.median(minutes):.1f}"
        if rounds
        else "1 a side | —"
    )
    return (
        f"| {name} | {cells[0]} | {cells[1]} | {cells[2]} | {cells[3]} | "
        f"{t.improvement_regressed * 100:.1f} % | {cost} |"
    )


def counts(t: Tally) -> str:
    parts = [f"{t.total.get(e, 0)} at {e:+.0%}" for e in detection.EFFECTS]
    return ", ".join(parts) + f", {t.improvements} at -20 %"


def table(condition: str, tool: str | None = None) -> None:
    chosen = list(select(condition, tool))
    if not chosen:
        return
    print(f"### {condition}, {tool or 'all tools'}: {len(chosen)} jobs\n")
    print(HEADER.format(title="on the same jobs"))
    p, rounds, minutes = tally_paired(chosen)
    print(row("**perfbot bench run** (paired)", p, rounds, minutes))
    for name, rule in SINGLE.items():
        print(row(name, tally_single(rule, chosen)))
    print(f"\nBenchmark comparisons: {counts(p)}.")
    agree, total = bench_run_agreement(chosen)
    if total:
        print(f"bench run's own --json agrees with the recomputation on {agree}/{total}.")
    cells = ", ".join(f"{e:+.0%}: {m:+.1%}" for e, m in calibration(chosen).items())
    print(f"True effect -> median paired change of the minimum: {cells}\n")


def log_ratios(job: Job) -> dict[str, list[float]]:
    """Per workload, the per-round log-ratio of head to base minimum, all recorded rounds."""
    out: dict[str, list[float]] = {}
    for r in job.rounds:
        base = {workload_of(m.benchmark): m.summary.minimum for m in r.base[0].measurements}
        for m in r.head[0].measurements:
            name, h = workload_of(m.benchmark), m.summary.minimum
            b = base.get(name)
            if b and h:
                out.setdefault(name, []).append(math.log(h / b))
    return out


def by_estimate(threshold: float) -> Callable[[list[float]], Verdict]:
    """A point-estimate rule: the median per-round change beyond the threshold, no interval."""

    def decide(d: list[float]) -> Verdict:
        m = statistics.median(d)
        if m > math.log1p(threshold):
            return Verdict.REGRESSED
        if m < math.log1p(-threshold):
            return Verdict.IMPROVED
        return Verdict.UNCHANGED

    return decide


def by_wilcoxon(threshold: float, alpha: float) -> Callable[[list[float]], Verdict]:
    """Wilcoxon signed-rank against each threshold (one-sided, ``alpha``), all rounds."""

    def decide(d: list[float]) -> Verdict:
        up, down = math.log1p(threshold), math.log1p(-threshold)
        if wilcoxon([x - up for x in d], alternative="greater").pvalue < alpha:
            return Verdict.REGRESSED
        if wilcoxon([x - down for x in d], alternative="less").pvalue < alpha:
            return Verdict.IMPROVED
        return Verdict.UNCHANGED

    return decide


def tally_fixed(chosen: Sequence[Job], decide: Callable[[list[float]], Verdict]) -> Tally:
    tally = Tally()
    for job in chosen:
        for name, d in log_ratios(job).items():
            tally.add(job.effects.get(name, 0.0), decide(d))
    return tally


def settings(condition: str) -> None:
    """The paired statistics at other thresholds and error rates, on the same rounds."""
    chosen = list(select(condition))
    if not chosen:
        return
    print(f"### {condition}: paired statistics at other settings\n")
    print(HEADER.format(title="setting"))
    kept = paired.FAMILY_ALPHA
    try:
        for alpha in (0.05, 0.10, 0.20):
            for threshold in (0.03, 0.05, 0.07):
                paired.FAMILY_ALPHA = alpha
                t, r, m = tally_paired(chosen, policy=Policy(paired_threshold=threshold))
                print(row(f"family alpha {alpha:g}, threshold {threshold:.0%}", t, r, m))
    finally:
        paired.FAMILY_ALPHA = kept
    rounds = [len(j.rounds) for j in chosen]
    minutes = [j.ends[-1] / 60 for j in chosen]
    per = 0.05 / 10  # Bonferroni over ten benchmarks, one look
    others = {
        "median per-round change > 5 %, no interval, all rounds": by_estimate(0.05),
        "median per-round change > 7 %, no interval, all rounds": by_estimate(0.07),
        f"Wilcoxon signed-rank vs 5 %, alpha {per:g}, all rounds": by_wilcoxon(0.05, per),
        "Wilcoxon signed-rank vs 5 %, alpha 0.05, all rounds": by_wilcoxon(0.05, 0.05),
    }
    for name, decide in others.items():
        print(row(name, tally_fixed(chosen, decide), rounds, minutes))
    print()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tools", action="store_true", help="a table per tool too")
    parser.add_argument("--settings", action="store_true", help="other paired settings")
    args = parser.parse_args()
    everything = jobs()
    print(
        f"Corpus: {len(everything)} paired jobs, "
        f"{sum(len(j.rounds) for j in everything)} rounds recorded.\n"
    )
    for condition in CONDITIONS:
        table(condition)
        if args.tools:
            for tool in FORMATS:
                table(condition, tool)
        if args.settings:
            settings(condition)


if __name__ == "__main__":
    main()
