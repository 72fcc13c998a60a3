"""Build paired rounds for tests: a drifting machine, benchmarks with a known true change."""

from __future__ import annotations

import random
from collections.abc import Mapping

from bot.core.bench.model import Direction, Measurement, Results
from bot.core.bench.paired import Order, Round
from bot.core.bench.paired_file import PairedRun, Revision

BASE_SHA = "b" * 40
HEAD_SHA = "h" * 40


def samples(
    value: float, rng: random.Random, n: int = 10, spread: float = 0.005
) -> tuple[float, ...]:
    return tuple(value * (1 + abs(rng.gauss(0, spread))) for _ in range(n))


def rounds(
    changes: Mapping[str, float],
    n: int,
    seed: int = 1,
    drift: float = 0.5,
    direction: Direction = Direction.LOWER,
    noise: float = 0.005,
) -> list[Round]:
    """``n`` rounds of the benchmarks named in ``changes`` (head = base x (1 + change)),
    each round on a machine slowed by up to ``drift`` (the same for both runs of a round,
    as in one job), each run with ``noise`` more of its own."""
    rng = random.Random(seed)
    unit, metric = ("s", "time") if direction is Direction.LOWER else ("ops/s", "throughput")
    out = []
    for number in range(1, n + 1):
        slow = 1 + rng.random() * drift
        factor = slow if direction is Direction.LOWER else 1 / slow

        def side(scale: float, factor: float = factor) -> tuple[Results, ...]:
            jitter = 1 + rng.gauss(0, noise)
            return (Results("results", "generic", tuple(
                Measurement(name, metric, unit, direction,
                            samples(1.0 * factor * jitter * (1 + c * scale), rng))
                for name, c in changes.items()
            )),)

        base, head = side(0.0), side(1.0)
        order = Order.BASE_FIRST if number % 2 else Order.HEAD_FIRST
        out.append(Round(order, base, head))
    return out


def paired_run(made: list[Round], planned: int | None = None) -> PairedRun:
    return PairedRun(
        base=Revision(BASE_SHA, "main"), head=Revision(HEAD_SHA, "HEAD"),
        rounds=tuple(made), planned=planned or len(made),
        machine={"hostname": "ci", "cpus": 2}, command=("pytest", "--benchmark-json={results}"),
        stopped="rounds", started="2026-12-04T20:00:00+00:00", seconds=12.5,
        timings=tuple((1.0, 1.1) for _ in made),
    )
