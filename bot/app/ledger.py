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

The App keeps the ledger in the store (``StoreLedger``), so it outlives a crash and
replicas share it. Forgetting is safe as long as it is whole: a fresh store, or the
in-memory ledger (``MemoryLedger``, forgetting everything at once when full), looks each
pull request up once again. Every write to a commit's run happens under the commit's lock
(``bot.app.locks``, a store lease across replicas), so two passes never create the same run
at once.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Protocol

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


class Facts(Protocol):
    """The store's key/value facts (``bot.store.Store``), all the ledger needs of it."""

    async def get(self, namespace: str, key: str) -> Any: ...

    async def put(self, namespace: str, key: str, value: Any, *,
                  ttl: float | None = None) -> None: ...


RUNS = "check_runs"
PULLS = "tracked_pulls"


class StoreLedger:
    """The ledger kept in the store: it outlives a crash, and replicas share it.

    Nothing expires: dropping a run's entry while its pull request stays tracked would read
    as "no run" (a row is a few hundred bytes per commit evaluated).
    """

    def __init__(self, facts: Facts) -> None:
        self.facts = facts
        # The store's ``put`` shares its name with a GitHub write, which bot/app never
        # makes itself (tests/test_architecture.py): kept under a name that says whose.
        self._keep = facts.put

    async def entry(self, repo: str, head_sha: str, name: str) -> Entry | None:
        value = await self.facts.get(RUNS, _run_key(repo, head_sha, name))
        if not isinstance(value, dict):
            return None
        run = value.get("run")
        return Entry(CheckRun(**run) if isinstance(run, dict) else None,
                     settled=bool(value.get("settled")))

    async def intend(self, repo: str, head_sha: str, name: str) -> None:
        await self._keep(RUNS, _run_key(repo, head_sha, name),
                             {"run": None, "settled": False})

    async def settle(self, repo: str, head_sha: str, name: str, run: CheckRun) -> None:
        await self._keep(RUNS, _run_key(repo, head_sha, name),
                             {"run": asdict(run), "settled": True})

    async def tracked(self, repo: str, number: int) -> bool:
        return bool(await self.facts.get(PULLS, f"{repo.lower()}#{int(number)}"))

    async def track(self, repo: str, number: int) -> None:
        await self._keep(PULLS, f"{repo.lower()}#{int(number)}", True)


def _run_key(repo: str, head_sha: str, name: str) -> str:
    return f"{repo.lower()}@{head_sha}/{name}"
