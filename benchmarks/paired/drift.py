"""Inject drift: alternate, for random stretches of seconds, between idle and busy cores.

    python benchmarks/paired/drift.py --seconds 600 --seed 1 [--log drift.jsonl]

Shared CI runners are slow for minutes at a time for reasons outside the code; this makes
that happen on purpose, reproducibly. Each stretch lasts a random 1-8 seconds and is one
of: idle, one core busy, or two cores busy (a busy core spins in a child process doing
integer work). The schedule comes from ``--seed``; it is written, one stretch a line, to
``--log``. It stops by itself after ``--seconds`` (every child has its own deadline too,
so none outlives the injector even if the injector is killed), and on SIGTERM or Ctrl-C.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import random
import signal
import sys
import time
from types import FrameType

STATES = (0, 1, 2)  # cores kept busy
STRETCH = (1.0, 8.0)  # seconds


def spin(until: float) -> None:
    """Keep one core busy until the monotonic clock reaches ``until``."""
    x = 0
    while time.monotonic() < until:
        for i in range(20_000):
            x = (x * 31 + i) & 0xFFFFFFFF


def schedule(seed: int, seconds: float) -> list[tuple[float, float, int]]:
    """The stretches (start, length, busy cores) covering ``seconds``."""
    rng = random.Random(seed)
    out, at = [], 0.0
    while at < seconds:
        length = min(rng.uniform(*STRETCH), seconds - at)
        out.append((round(at, 2), round(length, 2), rng.choice(STATES)))
        at += length
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, required=True, help="stop after this long")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--log", help="write the schedule here, one stretch a line")
    args = parser.parse_args()
    stop = False

    def halt(signum: int, frame: FrameType | None) -> None:
        nonlocal stop
        stop = True

    signal.signal(signal.SIGTERM, halt)
    signal.signal(signal.SIGINT, halt)
    plan = schedule(args.seed, args.seconds)
    started_wall, started = time.time(), time.monotonic()
    log = open(args.log, "w") if args.log else None  # noqa: SIM115 - written as it goes
    context = multiprocessing.get_context("fork")
    try:
        for at, length, busy in plan:
            if stop:
                break
            begin = started + at
            if log:
                line = {"start": round(started_wall + at, 2), "seconds": length, "busy": busy}
                log.write(json.dumps(line) + "\n")
                log.flush()
            workers = [
                context.Process(target=spin, args=(begin + length,), daemon=True)
                for _ in range(busy)
            ]
            for w in workers:
                w.start()
            while not stop and time.monotonic() < begin + length:
                time.sleep(0.05)
            for w in workers:
                if stop:
                    w.terminate()
                w.join()
    finally:
        if log:
            log.close()
    print(f"drift: {len(plan)} stretches over {time.monotonic() - started:.0f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
