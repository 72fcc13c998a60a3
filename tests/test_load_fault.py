"""Replicas as real processes on one PostgreSQL: one is SIGKILLed while it holds work and
GitHub fails every request for a few seconds, yet every pull request ends as a user expects.

The small version of ``benchmarks/load_fault.py`` (see ``tests/fleet.py`` for what is
judged): two ``perfbot serve`` processes, four pull requests, 90 mixed deliveries. Before
the store, the same run left pull requests with two check runs and two checklists (each
replica kept its own dedupe and locks) and lost what the killed replica held.
"""

from __future__ import annotations

from fleet import Scenario, drive, processes

SMALL = Scenario(replicas=2, pulls=4, deliveries=90, rate=30.0, concurrency=8, kill_at=0.4,
                 outage_at=0.5, outage_seconds=3.0, store="postgres", bare=False, fsync=False,
                 settle_timeout=120.0, idle_timeout=20.0)


async def test_a_killed_replica_and_a_github_outage_lose_and_double_nothing():
    with processes(SMALL) as fleet:
        report = await drive(fleet, SMALL, say=lambda line: None)
    assert report.failures == [], report.failures
    assert report.killed_at is not None and report.outage is not None
    assert not [k for k in report.answers if k.startswith("5")], report.answers  # no 503
