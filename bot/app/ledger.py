"""What perfbot knows of its own check runs, so a pass need not ask GitHub.

A pass used to look up the head commit's run before anything else, though a commit
pushed a moment ago cannot have one. The ledger records each run perfbot creates, and
records the **intent** before the create: a pass that crashes (or loses GitHub's answer)
between the two leaves an intent behind, and the next pass looks the run up rather than
create a second one. What the ledger may conclude:

- an entry that is **settled** is the run as GitHub has it (perfbot is the only writer of
  its runs), so the pass needs no lookup, and no write when the verdict is unchanged;
- an entry that is not settled (an intent, or a write under way) proves nothing: look up;
- no entry proves "no run" only for a pull request the ledger **tracks**: one whose head
  perfbot looked up (or created) once while keeping this ledger. Every head pushed since
  is new to perfbot, and any run perfbot made on it is recorded. The one exception is a
  push that brings back a commit perfbot evaluated before it kept this ledger (a
  force-push back to a commit from before the upgrade); that commit would get a second run.

Forgetting is safe as long as it is whole: the in-memory ledger forgets everything at
once (a restart, or when full), after which each pull request is looked up once again.
Per-PR and per-commit locks keep two passes from creating the same run at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from bot.github.check_runs import CheckRun

MEMORY_ENTRIES = 50_000  # runs and pull requests remembered by one process, ~10 MB


@dataclass(frozen=True, slots=True)
class Entry:
    run: CheckRun | None  # None: a create was intended, its outcome unknown
    settled: bool  # the run is as recorded (False: a write may or may not have landed)


class Ledger(Protocol):
    async def entry(self, repo: str, head_sha: str, name: str) -> Entry | None:
        """What is recorded of the commit's run named ``name``."""
        ...

    async def intend(self, repo: str, head_sha: str, name: str) -> None:
        """A write to the commit's run is about to go out: until ``settle``, look it up."""
        ...

    async def settle(self, repo: str, head_sha: str, name: str, run: CheckRun) -> None:
        """The commit's run is ``run``, as GitHub confirmed it."""
        ...

    async def tracked(self, repo: str, number: int) -> bool:
        """Whether every run perfbot made on this pull request's heads since is recorded."""
        ...

    async def track(self, repo: str, number: int) -> None:
        """The pull request's current head was looked up (or its run recorded)."""
        ...


class MemoryLedger:
    """The ledger of one process: everything is forgotten together, which is safe."""

    def __init__(self, limit: int = MEMORY_ENTRIES) -> None:
        self.limit = limit
        self._runs: dict[tuple[str, str, str], Entry] = {}
        self._pulls: set[tuple[str, int]] = set()

    async def entry(self, repo: str, head_sha: str, name: str) -> Entry | None:
        return self._runs.get((repo.lower(), head_sha, name))

    async def intend(self, repo: str, head_sha: str, name: str) -> None:
        self._put((repo.lower(), head_sha, name), Entry(None, settled=False))

    async def settle(self, repo: str, head_sha: str, name: str, run: CheckRun) -> None:
        self._put((repo.lower(), head_sha, name), Entry(run, settled=True))

    async def tracked(self, repo: str, number: int) -> bool:
        return (repo.lower(), int(number)) in self._pulls

    async def track(self, repo: str, number: int) -> None:
        self._room()
        self._pulls.add((repo.lower(), int(number)))

    def _put(self, key: tuple[str, str, str], entry: Entry) -> None:
        if key not in self._runs:
            self._room()
        self._runs[key] = entry

    def _room(self) -> None:
        # Dropping one run's entry while its pull request stays tracked would read as "no
        # run": when full, forget everything (each pull request is then looked up once).
        if len(self._runs) + len(self._pulls) >= self.limit:
            self._runs.clear()
            self._pulls.clear()
