"""Small CPU-bound and allocation-heavy workloads whose cost is set exactly.

Each workload repeats a fixed unit of work ``reps`` times; a slowdown of +10 % is
10 % more repetitions, so the true effect is known by construction (the unit is
tiny next to the whole, so call overhead does not dilute it). The effect of each
workload in a run comes from the environment variable ``CORPUS_EFFECTS`` (a JSON
object workload → relative effect), so the benchmark files themselves never change.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable

BASE_REPS = 100


def _sum_squares() -> int:
    return sum(i * i for i in range(1200))


def _sort_floats() -> list[float]:
    return sorted(_FLOATS)


def _build_dict() -> dict[str, int]:
    return {str(i): i for i in range(150)}


def _tuple_list() -> list[tuple[int, int]]:
    return [(i, i + 1) for i in range(400)]


def _join_strings() -> str:
    return ",".join([str(i) for i in range(200)])


def _fib(n: int) -> int:
    return n if n < 2 else _fib(n - 1) + _fib(n - 2)


def _recursion() -> int:
    return _fib(12)


def _bytes_append() -> bytes:
    out = bytearray()
    for i in range(300):
        out += i.to_bytes(2, "little")
    return bytes(out)


def _set_ops() -> int:
    a = set(range(0, 1600, 2))
    b = set(range(0, 1600, 3))
    return len(a & b) + len(a | b)


_FLOATS = [((i * 7919) % 1009) / 7.0 for i in range(500)]

UNITS: dict[str, Callable[[], object]] = {
    "sum_squares": _sum_squares,
    "sort_floats": _sort_floats,
    "build_dict": _build_dict,
    "tuple_list": _tuple_list,
    "join_strings": _join_strings,
    "recursion": _recursion,
    "bytes_append": _bytes_append,
    "set_ops": _set_ops,
}
NAMES = tuple(UNITS)


def effects() -> dict[str, float]:
    raw = os.environ.get("CORPUS_EFFECTS", "{}")
    return {name: float(v) for name, v in json.loads(raw).items()}


def workload(name: str) -> Callable[[], None]:
    """The benchmark body for ``name`` at this run's effect."""
    unit = UNITS[name]
    reps = round(BASE_REPS * (1.0 + effects().get(name, 0.0)))

    def run() -> None:
        for _ in range(reps):
            unit()

    return run
