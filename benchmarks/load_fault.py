"""Load and faults: perfbot replicas as real processes on one store, GitHub emulated.

    .venv/bin/python benchmarks/load_fault.py [--store postgres|sqlite|both] [--small]

The PostgreSQL run: three ``perfbot serve`` processes on one PostgreSQL server (started from
the machine's binaries in a temporary folder), the GitHub emulator in its own process,
5,000 mixed deliveries over 50 pull requests sent to random replicas at a fixed rate, one
replica SIGKILLed at 40 % of the stream and GitHub answering 502 to every request for 30 s
from 50 %. The SQLite run: one process on the embedded store, SIGKILLed at 40 % and started
again 2 s later on the same data folder. Then the invariants (``tests/fleet.py``): every PR
ends with exactly one completed check run per head SHA and the right conclusion on its head,
one checklist comment, one reply per ``/perf help``, a mitigation issue exactly for each
signed-off merged PR and never two, no request GitHub would refuse; and the figures:
throughput, acknowledgement p50/p99 beside a bare aiohttp handler (timed alternately, the
same delivery right after), time to recover, RSS. ``--small`` is a scaled-down run for
iterating (500 deliveries, 10 PRs, a 10 s outage). Exits 1 when an invariant fails.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from fleet import Report, Scenario, drive, processes, quantile  # noqa: E402


def scenarios(args: argparse.Namespace) -> list[Scenario]:
    size = dict(deliveries=500, pulls=10, outage_seconds=10.0, rate=20.0) if args.small else {}
    for name in ("deliveries", "pulls", "rate", "concurrency"):
        if getattr(args, name) is not None:
            size[name] = getattr(args, name)
    if args.outage is not None:
        size["outage_seconds"] = args.outage
    env = dict(item.split("=", 1) for item in args.env)
    chosen = []
    if args.store in ("postgres", "both"):
        chosen.append(Scenario(replicas=args.replicas, store="postgres", env=env, **size))
    if args.store in ("sqlite", "both"):
        chosen.append(Scenario(replicas=1, store="sqlite", restart_after=2.0, env=env, **size))
    if args.store == "memory":
        chosen.append(Scenario(replicas=args.replicas, store="memory", env=env, **size))
    return chosen


def show(report: Report) -> None:
    s = report.scenario
    where = {"postgres": "PostgreSQL", "sqlite": "the embedded SQLite store",
             "memory": "no store (in memory)"}[s.store]
    print(f"\n{s.replicas} replica(s) on {where}: {report.sent:,} deliveries over {s.pulls} "
          f"PRs offered at {s.rate:g}/s")
    end = report.settled_at or time.time()
    span = end - report.started
    sending = report.last_sent - report.started
    print(f"  sent in {sending:.0f} s ({report.sent / sending:.1f}/s); all work finished "
          f"{span:.0f} s after the first: {report.sent / span:.1f} deliveries/s end to end"
          if report.settled_at else f"  sent in {sending:.0f} s; the work never finished: "
          f"{report.gave_up}")
    answers = ", ".join(f"{k}: {v}" for k, v in sorted(report.answers.items()))
    print(f"  answers: {answers}; connections refused and sent to another replica: "
          f"{report.rerouted}; unanswered and redelivered: {report.redelivered_unanswered}")
    if report.acks:
        p50, p99 = quantile(report.acks, 0.5) * 1000, quantile(report.acks, 0.99) * 1000
        line = f"  acknowledgement: perfbot p50 {p50:.1f} ms, p99 {p99:.1f} ms"
        if report.bare_acks:
            b50 = quantile(report.bare_acks, 0.5) * 1000
            b99 = quantile(report.bare_acks, 0.99) * 1000
            line += (f"; bare aiohttp p50 {b50:.1f} ms, p99 {b99:.1f} ms; perfbot/bare "
                     f"{p50 / b50:.2f}x, {p99 / b99:.2f}x")
        print(line)
    if report.settled_at:
        if report.outage:
            print(f"  recovered: work finished {report.settled_at - report.outage[1]:.0f} s "
                  f"after GitHub came back")
        if report.killed_at:
            print(f"  ... and {report.settled_at - report.killed_at:.0f} s after the SIGKILL")
    if report.store_states is not None:
        print(f"  store: deliveries by state {report.store_states}")
    if report.held_at_kill:
        held = len(report.held_at_kill)
        if report.held_finished_at and report.killed_at:
            print(f"  the killed replica held {held} deliveries; the last of them was finished "
                  f"{report.held_finished_at - report.killed_at:.0f} s after the SIGKILL")
        else:
            print(f"  the killed replica held {held} deliveries; not all were finished")
    for index, (now, peak) in sorted(report.rss.items()):
        print(f"  replica {index}: RSS {now:.0f} MB, peak {peak:.0f} MB")
    st = report.stats
    if st:
        print(f"  GitHub: {st['requests']:,} requests ({st['charged']:,} charged, "
              f"{st['charged'] / max(report.sent, 1):.2f} per delivery), statuses "
              f"{st['statuses']}; {st['commits_with_run']} of {st['commits']} commits got a "
              f"check run ({st['check_runs']} runs); {st['issues']} mitigation issues for "
              f"{st['signed']} signed-off PRs, {st['merged']} merged")
    interesting = {k: v for k, v in report.metrics.items()
                   if "queue" in k or "failed" in k or "recover" in k or "unfinished" in k}
    for name, value in sorted(interesting.items()):
        print(f"    {name} {value:g}")
    if report.failures:
        print(f"  INVARIANTS BROKEN ({len(report.failures)}):")
        for failure in report.failures[:40]:
            print(f"    - {failure}")
        if len(report.failures) > 40:
            print(f"    ... and {len(report.failures) - 40} more")
    else:
        print("  invariants: all held")


async def run(s: Scenario, keep: Path | None) -> Report:
    with processes(s, keep) as fleet:
        print(f"  (logs in {fleet.folder})" if keep else "", end="")
        return await drive(fleet, s)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--store", choices=("postgres", "sqlite", "both", "memory"),
                        default="both")
    parser.add_argument("--small", action="store_true", help="a scaled-down run")
    parser.add_argument("--replicas", type=int, default=3)
    parser.add_argument("--deliveries", type=int)
    parser.add_argument("--pulls", type=int)
    parser.add_argument("--rate", type=float)
    parser.add_argument("--concurrency", type=int)
    parser.add_argument("--outage", type=float, help="seconds GitHub answers 5xx")
    parser.add_argument("--env", action="append", default=[], metavar="NAME=VALUE",
                        help="an extra setting for every replica")
    parser.add_argument("--keep", type=Path, help="keep logs and data in this folder")
    parser.add_argument("--json", type=Path, help="also write the reports here")
    args = parser.parse_args()
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores")
    reports = []
    for s in scenarios(args):
        keep = args.keep / s.store if args.keep else None
        report = asyncio.run(run(s, keep))
        show(report)
        reports.append(report)
    if args.json:
        args.json.write_text(json.dumps([r.as_json() for r in reports], indent=1,
                                        default=lambda o: dataclasses.asdict(o)))
    sys.exit(1 if any(r.failures for r in reports) else 0)


if __name__ == "__main__":
    main()
