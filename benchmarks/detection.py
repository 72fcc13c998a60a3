"""How often perfbot's verdicts are right, on the labelled corpus of real benchmark runs.

    python benchmarks/detection.py               # default policy beside the two references
    python benchmarks/detection.py --candidates  # every candidate rule measured to pick it

Reads ``benchmarks/corpus`` (see its README) with perfbot's readers, compares each
labelled pair (base run, head run) and counts, per true effect: the share of unchanged
benchmarks called regressed (false alarms), the share of +3 %, +10 % and +25 %
slowdowns called regressed, and the share of improvements called regressed (must be 0).
Two reference rules run on the same pairs: a plain 5 % threshold on medians, and a
Mann-Whitney U test at alpha 0.05 as Google Benchmark's compare.py uses. A second
section takes three runs per side (repeated runs) where the corpus has them.
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import re
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from scipy.stats import mannwhitneyu

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.core.bench.compare import compare  # noqa: E402
from bot.core.bench.model import Results, Verdict  # noqa: E402
from bot.core.bench.policy import Decision, Policy, Statistic  # noqa: E402
from bot.core.bench.readers import read  # noqa: E402

CORPUS = ROOT / "benchmarks" / "corpus"
EFFECTS = (0.0, 0.03, 0.10, 0.25)
RUNS_PER_SIDE = 3
TOOLS = ("pytest-benchmark", "pyperf", "go")
# pytest-benchmark "bench_pytest.py::test_workload[w]", pyperf "w", Go "BenchmarkWorkload/w".
WORKLOAD = re.compile(r"(?:\[(?P<param>\w+)\]|/(?P<sub>\w+)|(?P<bare>^\w+))$")

# A rule maps (base runs, head runs) to {workload: verdict}.
Rule = Callable[[Sequence[Results], Sequence[Results]], dict[str, Verdict]]


@dataclass
class Tally:
    flagged: dict[float, int] = field(default_factory=dict)
    total: dict[float, int] = field(default_factory=dict)
    improvements: int = 0
    improvements_regressed: int = 0
    improvements_found: int = 0

    def add(self, effect: float, verdict: Verdict) -> None:
        if effect < 0:
            self.improvements += 1
            self.improvements_regressed += verdict is Verdict.REGRESSED
            self.improvements_found += verdict is Verdict.IMPROVED
            return
        key = min(EFFECTS, key=lambda e: abs(e - effect))
        self.total[key] = self.total.get(key, 0) + 1
        self.flagged[key] = self.flagged.get(key, 0) + (verdict is Verdict.REGRESSED)

    def rate(self, effect: float) -> float:
        return self.flagged.get(effect, 0) / max(self.total.get(effect, 0), 1)

    @property
    def false_alarms(self) -> float:
        return self.rate(0.0)

    @property
    def improvement_regressed(self) -> float:
        return self.improvements_regressed / max(self.improvements, 1)


def workload_of(benchmark: str) -> str:
    match = WORKLOAD.search(benchmark)
    if match is None:
        raise ValueError(f"corpus benchmark {benchmark!r} names no workload")
    return match["param"] or match["sub"] or match["bare"]


@cache
def results(relative: str) -> Results:
    path = CORPUS / relative
    return read(relative, path.read_bytes())


def labels() -> dict[str, object]:
    return json.loads((CORPUS / "labels.json").read_text())  # type: ignore[no-any-return]


def policy_rule(policy: Policy) -> Rule:
    def rule(base: Sequence[Results], head: Sequence[Results]) -> dict[str, Verdict]:
        return {workload_of(c.benchmark): c.verdict for c in compare(base, head, policy)}

    return rule


def mann_whitney(base: Sequence[Results], head: Sequence[Results]) -> dict[str, Verdict]:
    """Google Benchmark's compare.py: a two-sided U test at alpha 0.05 decides, no threshold."""

    def samples(runs: Sequence[Results]) -> dict[str, list[float]]:
        out: dict[str, list[float]] = {}
        for run in runs:
            for m in run.measurements:
                out.setdefault(workload_of(m.benchmark), []).extend(m.samples)
        return out

    b, h = samples(base), samples(head)
    verdicts = {}
    for name in b.keys() & h.keys():
        p = mannwhitneyu(b[name], h[name], alternative="two-sided").pvalue
        higher = sorted(h[name])[len(h[name]) // 2] > sorted(b[name])[len(b[name]) // 2]
        verdict = Verdict.UNCHANGED
        if p < 0.05:
            verdict = Verdict.REGRESSED if higher else Verdict.IMPROVED
        verdicts[name] = verdict
    return verdicts


DEFAULT = Policy()
REFERENCES: dict[str, Rule] = {
    "perfbot default": policy_rule(DEFAULT),
    "5 % threshold on medians": policy_rule(
        Policy(statistic=Statistic.MEDIAN, threshold=0.05, drift_control=False)
    ),
    "Mann-Whitney U, alpha 0.05": mann_whitney,
}
# Measured beside the default: the within-run spread widens the threshold.
ALTERNATIVES: dict[str, Rule] = {
    "min > 5 %, + 1x within-run spread": policy_rule(Policy(threshold=0.05, spread_margin=1.0)),
    "min > 10 %, drift control": policy_rule(Policy(drift_control=True)),
}


def single_pairs(
    tool: str | None = None,
) -> Iterable[tuple[list[str], list[str], dict[str, float]]]:
    for pair in labels()["pairs"]:  # type: ignore[attr-defined]
        if tool is None or pair["tool"] == tool:
            yield [pair["base"]], [pair["head"]], pair["effects"]


def repeated_pairs(
    tool: str | None = None,
) -> Iterable[tuple[list[str], list[str], dict[str, float]]]:
    """Three runs a side: unchanged runs in disjoint triples, heads grouped by variant."""
    rng = random.Random(5)
    runs = labels()["runs"]  # type: ignore[index]
    for name in sorted({r["tool"] for r in runs}):  # type: ignore[union-attr]
        if tool is not None and name != tool:
            continue
        mine = [r for r in runs if r["tool"] == name]  # type: ignore[index]
        unchanged = [r["file"] for r in mine if r["variant"] == "aa"]
        triples = [
            unchanged[i : i + RUNS_PER_SIDE] for i in range(0, len(unchanged), RUNS_PER_SIDE)
        ]
        triples = [t for t in triples if len(t) == RUNS_PER_SIDE]
        for a, b in itertools.combinations(triples, 2):
            yield a, b, {}
        variants: dict[str, list[dict[str, object]]] = {}
        for r in mine:
            if r["variant"] != "aa":
                variants.setdefault(str(r["variant"]), []).append(r)
        for group in variants.values():
            for i in range(0, len(group) - RUNS_PER_SIDE + 1, RUNS_PER_SIDE):
                head = group[i : i + RUNS_PER_SIDE]
                effects = {k: float(v) for k, v in head[0]["effects"].items()}  # type: ignore[attr-defined]
                for base in rng.sample(triples, min(4, len(triples))):
                    yield base, [str(h["file"]) for h in head], effects


def measure(rule: Rule, pairs: Iterable[tuple[list[str], list[str], dict[str, float]]]) -> Tally:
    tally = Tally()
    for base, head, effects in pairs:
        verdicts = rule([results(p) for p in base], [results(p) for p in head])
        for name, verdict in verdicts.items():
            tally.add(effects.get(name, 0.0), verdict)
    return tally


def calibration(tool: str | None = None) -> dict[float, float]:
    """Per true effect, the median measured change of the minimum: are the labels right?"""
    changes: dict[float, list[float]] = {}
    for base, head, effects in single_pairs(tool):
        for c in compare([results(p) for p in base], [results(p) for p in head], DEFAULT):
            effect = effects.get(workload_of(c.benchmark), 0.0)
            if c.change is not None:
                changes.setdefault(effect, []).append(c.change)
    return {e: sorted(v)[len(v) // 2] for e, v in sorted(changes.items())}


def row(name: str, t: Tally) -> str:
    cells = [f"{t.rate(e) * 100:.1f} %" for e in EFFECTS]
    return (
        f"| {name} | {cells[0]} | {cells[1]} | {cells[2]} | {cells[3]} | "
        f"{t.improvement_regressed * 100:.1f} % |"
    )


HEADER = (
    "| rule | false alarms (unchanged) | +3 % flagged | +10 % flagged | +25 % flagged | "
    "improvements called regressions |\n|---|--:|--:|--:|--:|--:|"
)


def candidates() -> dict[str, Rule]:
    out: dict[str, Rule] = {}
    for statistic in Statistic:
        for threshold in (0.05, 0.08, 0.10, 0.12, 0.15):
            for drift in (False, True):
                for decision in Decision:
                    name = f"{statistic.value} > {threshold:.0%}"
                    name += " drift" if drift else ""
                    name += " +CI" if decision is Decision.CONFIDENT else ""
                    out[name] = policy_rule(
                        Policy(
                            statistic=statistic,
                            threshold=threshold,
                            drift_control=drift,
                            decision=decision,
                        )
                    )
    for threshold in (0.03, 0.05, 0.08, 0.10):
        for spread in (0.5, 1.0, 2.0):
            name = f"min > {threshold:.0%} + {spread}x spread"
            out[name] = policy_rule(Policy(threshold=threshold, spread_margin=spread))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--candidates", action="store_true", help="measure every candidate rule")
    args = parser.parse_args()
    corpus = labels()
    print(
        f"Corpus: {len(corpus['runs'])} runs, {len(corpus['pairs'])} labelled pairs "  # type: ignore[arg-type]
        f"(base run, head run) of 8 workloads each.\n"
    )
    if not args.candidates:
        print("True effect -> median measured change of the minimum, per tool:")
        for tool in TOOLS:
            cells = ", ".join(f"{e:+.0%}: {m:+.1%}" for e, m in calibration(tool).items())
            print(f"  {tool}: {cells}")
        print()
    rules = candidates() if args.candidates else {**REFERENCES, **ALTERNATIVES}
    for title, pairs in (("One run a side", single_pairs), ("Three runs a side", repeated_pairs)):
        for tool in (None,) if args.candidates else (None, *TOOLS):
            print(f"### {title}, {tool or 'all tools'}\n\n{HEADER}")
            for name, rule in rules.items():
                print(row(name, measure(rule, pairs(tool))))
            print()


if __name__ == "__main__":
    main()
