"""Which paired interval for ``perfbot bench run``: Wilcoxon/HL, a bootstrap or the sign test?

    python benchmarks/paired_choice.py [--trials 2000] [--seed 1]

Simulates paired rounds on a drifting machine and prints, for each method and round
count, how often its interval covers the true change (nominal 95 %), and how often the
sequential rule of ``bot.core.bench.paired`` (interval beyond the 5 % threshold, the
Bonferroni-corrected level for 10 benchmarks x the planned looks) calls an unchanged
benchmark regressed or catches +10 % / +25 %.

The machine: each run is idle or busy; the state switches with probability 0.25 between
consecutive runs (stretches of a few runs), and a busy stretch slows a run by a factor
drawn from 1.1-1.9, held for the stretch; on top, 1 % log-normal noise per run. Rounds
run in ABBA order, so a round's two runs are consecutive.
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.core.bench.paired import FAMILY_ALPHA, _interval, looks

THRESHOLD = math.log1p(0.05)
BENCHMARKS = 10


SWITCH = 0.25


def machine(rng: np.random.Generator, runs: int) -> np.ndarray:
    factors = np.empty(runs)
    busy, factor = False, 1.0
    for i in range(runs):
        if rng.random() < SWITCH:
            busy = not busy
            factor = rng.uniform(1.1, 1.9) if busy else 1.0
        factors[i] = factor
    return factors * np.exp(rng.normal(0.0, 0.01, runs))


def log_ratios(rng: np.random.Generator, rounds: int, change: float) -> np.ndarray:
    runs = machine(rng, 2 * rounds)
    base, head = np.empty(rounds), np.empty(rounds)
    for r in range(rounds):
        first, second = runs[2 * r], runs[2 * r + 1]
        if r % 2 == 0:  # ABBA: base first in even rounds
            base[r], head[r] = first, second * (1 + change)
        else:
            head[r], base[r] = first * (1 + change), second
    return np.asarray(np.log(head / base))


def walsh(d: np.ndarray) -> np.ndarray:
    i, j = np.triu_indices(d.size)
    return np.sort((d[i] + d[j]) / 2.0)


def hodges_lehmann(d: np.ndarray) -> float:
    return float(np.median(walsh(d)))


def signed_rank_cdf(n: int) -> np.ndarray:
    """P(W+ <= w) under the null: each rank's sign a fair coin."""
    dist = np.ones(1)
    for rank in range(1, n + 1):
        grown = np.zeros(dist.size + rank)
        grown[: dist.size] += dist
        grown[rank:] += dist
        dist = grown / 2.0
    return np.cumsum(dist)


def wilcoxon_interval(d: np.ndarray, alpha: float) -> tuple[float, float]:
    """Hodges-Lehmann's interval: order statistics of the Walsh averages."""
    w = walsh(d)
    k = int(np.searchsorted(signed_rank_cdf(d.size), alpha * (1 + 1e-9), "right"))
    if k < 1:
        return (-math.inf, math.inf)
    return float(w[k - 1]), float(w[w.size - k])


def bootstrap(d: np.ndarray, alpha: float, rng: np.random.Generator) -> tuple[float, float]:
    picks = d[rng.integers(0, d.size, (2000, d.size))]
    medians = np.median(picks, axis=1)
    low, high = np.quantile(medians, [alpha, 1 - alpha])
    return float(low), float(high)


def method_interval(
    method: str, d: np.ndarray, alpha: float, rng: np.random.Generator
) -> tuple[float, float]:
    if method == "wilcoxon":
        return wilcoxon_interval(d, alpha)
    if method == "sign":
        return _interval(d, alpha)  # perfbot's
    return bootstrap(d, alpha, rng)


def sequential(d: np.ndarray, method: str, rng: np.random.Generator, planned: int) -> str:
    plan = looks(planned)
    alpha = FAMILY_ALPHA / (BENCHMARKS * len(plan))
    same = FAMILY_ALPHA / len(plan)
    for n in plan:
        x = d[:n]
        wide = method_interval(method, x, alpha, rng)
        narrow = method_interval(method, x, same, rng)
        if wide[0] > THRESHOLD:
            return "regressed"
        if wide[1] < -THRESHOLD:
            return "improved"
        if narrow[0] > -THRESHOLD and narrow[1] < THRESHOLD:
            return "unchanged"
    return "undecided"


def main() -> None:
    global SWITCH
    parser = argparse.ArgumentParser()
    parser.add_argument("--trials", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--switch", type=float, default=SWITCH,
                        help="chance the machine changes state between two runs")
    args = parser.parse_args()
    SWITCH = args.switch
    print(f"machine switching state between runs with probability {SWITCH}")
    rng = np.random.default_rng(args.seed)
    print("coverage of the true change by the nominal 95 % interval")
    print("| rounds | Wilcoxon/HL | bootstrap (median of pairs) | sign test | "
          "HL estimate error (median abs) |")
    print("|--:|--:|--:|--:|--:|")
    for rounds in (6, 10, 20):
        hits = {"wilcoxon": 0, "bootstrap": 0, "sign": 0}
        errors = []
        for _ in range(args.trials):
            true = 0.10
            d = log_ratios(rng, rounds, true)
            for method in hits:
                low, high = method_interval(method, d, 0.025, rng)
                hits[method] += low <= math.log1p(true) <= high
            errors.append(abs(hodges_lehmann(d) - math.log1p(true)))
        print(f"| {rounds} | {hits['wilcoxon'] / args.trials:.1%} | "
              f"{hits['bootstrap'] / args.trials:.1%} | {hits['sign'] / args.trials:.1%} | "
              f"{np.median(errors) * 100:.2f} % |")
    print()
    print(f"sequential rule, {BENCHMARKS} benchmarks, up to 20 rounds, 5 % threshold")
    print("| method | unchanged called regressed | +5 % (at the threshold) called regressed "
          "(bound: 0.5 %) | +10 % caught | +25 % caught | unchanged left undecided |")
    print("|---|--:|--:|--:|--:|--:|")
    for method in ("wilcoxon", "bootstrap", "sign"):
        tallies = {}
        for change in (0.0, 0.05, 0.10, 0.25):
            verdicts = [sequential(log_ratios(rng, 20, change), method, rng, 20)
                        for _ in range(args.trials // 4)]
            tallies[change] = verdicts
        n = args.trials // 4

        def share(change: float, verdict: str) -> float:
            return sum(v == verdict for v in tallies[change]) / n  # noqa: B023

        print(f"| {method} | {share(0.0, 'regressed'):.2%} | {share(0.05, 'regressed'):.2%} | "
              f"{share(0.10, 'regressed'):.1%} | "
              f"{share(0.25, 'regressed'):.1%} | {share(0.0, 'undecided'):.1%} |")


if __name__ == "__main__":
    main()
