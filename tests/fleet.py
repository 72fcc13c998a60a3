"""Several real ``perfbot serve`` processes on one store, GitHub emulated in its own process,
a paced stream of mixed deliveries, a replica killed and GitHub down; then what users see.

``benchmarks/load_fault.py`` runs it at full size and prints the figures;
``tests/test_load_fault.py`` runs a small one in CI. The pieces:

- ``postgres()``: a PostgreSQL server from the machine's binaries in a temporary folder, on
  loopback (as root, run as the ``postgres`` user, which ``initdb`` requires).
- the emulator child (``python tests/fleet.py emulator READY``): the GitHub emulator plus a
  small control server that applies each planned action to the emulated world (a push, a
  comment, a merge, ...) and returns the delivery GitHub would send for it, starts and ends
  an outage (every request answered 5xx), and judges the world against the invariants.
- ``drive()``: sends the deliveries at a fixed rate to random live replicas (a connection
  refused is retried on another replica, as a load balancer does; a delivery whose answer
  was lost is redelivered later, as GitHub's "Redeliver" does), SIGKILLs a replica midway,
  times every acknowledgement beside a bare aiohttp handler, and waits until the world is
  right or nothing moves any more.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

ROOT = Path(__file__).resolve().parents[1]
PG_BIN = Path(os.environ.get("PERFBOT_PG_BIN", "/usr/lib/postgresql/15/bin"))
SECRET = "fleet-webhook-secret"
APP_ID = 1
INSTALLATION = 7
REPO = "octo-org/service"
CHECK_NAME = "Performance workflow"
CONFIG = """\
version: 1
rules:
  design_record:
    when:
      paths: ["src/**"]
review:
  mitigation:
    assignees: [perf-lead]
"""
SIGNOFF = ('/perf signoff design_record --reason "Hotfix; the ADR follows" '
           '--mitigation "Write ADR-0042 next sprint" --owner @carol --due 2027-06-30')
# What the stream is made of besides each PR's opening, sign-off and merge (relative weights).
MIX = {"push": 30, "redeliver": 15, "chatter": 15, "rerun": 10, "labeled": 8, "recheck": 7,
       "help": 5}


@dataclass(frozen=True)
class Scenario:
    replicas: int = 3
    pulls: int = 50
    deliveries: int = 5000
    rate: float = 40.0  # deliveries offered per second
    concurrency: int = 32  # deliveries in flight at most
    kill_at: float | None = 0.4  # share of the stream sent when a replica is SIGKILLed
    restart_after: float | None = None  # seconds; one process: start it again on its store
    outage_at: float | None = 0.5  # share of the stream sent when GitHub starts failing
    outage_seconds: float = 30.0
    outage_status: int = 502
    store: str = "postgres"  # postgres | sqlite | memory (no PERFBOT_DATABASE_URL at all)
    bare: bool = True  # time a bare aiohttp handler beside every acknowledgement
    settle_timeout: float = 900.0  # after the last delivery, wait at most this long
    idle_timeout: float = 60.0  # ... or until GitHub saw no request for this long
    seed: int = 12
    fsync: bool = True
    env: dict[str, str] = field(default_factory=dict)  # extra settings for every replica


# --- the plan -------------------------------------------------------------------------------


def plan(s: Scenario) -> list[tuple[str, int]]:
    """The stream, as (action, pull request index): each PR opened first; 40 % of them
    signed off midway and merged near the end (and that merge redelivered), a tenth merged
    without a sign-off; in between a random mix of pushes, comments, re-runs and redeliveries."""
    rng = random.Random(s.seed)
    signed = [i for i in range(s.pulls) if i % 5 < 2]
    merged = signed + [i for i in range(s.pulls) if i % 10 == 9]
    never_merged = [i for i in range(s.pulls) if i not in merged]
    opened = list(range(s.pulls))
    rng.shuffle(opened)
    middle_len = max(s.deliveries - s.pulls - len(signed) - 2 * len(merged), 0)
    kinds, weights = list(MIX), list(MIX.values())
    middle: list[tuple[str, int]] = [(rng.choices(kinds, weights)[0], rng.randrange(s.pulls))
                                     for _ in range(middle_len)]
    special: list[tuple[float, str, int]] = []
    for i in signed:
        special.append((rng.uniform(0.1, 0.6), "signoff", i))
    for i in merged:
        at = rng.uniform(0.75, 0.95)
        special.append((at, "merge", i))
        special.append((min(at + rng.uniform(0.01, 0.04), 1.0), "redeliver-merge", i))
    for at, kind, i in sorted(special, reverse=True):
        middle.insert(round(at * len(middle)), (kind, i))
    done: set[int] = set()
    stream = [("opened", i) for i in opened]
    for kind, i in middle:
        if kind == "merge":
            done.add(i)
        elif i in done and kind != "redeliver-merge":
            i = rng.choice(never_merged)
        stream.append((kind, i))
    return stream


# --- processes ------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def postgres(folder: Path, *, fsync: bool = True) -> Iterator[str]:
    """A PostgreSQL server in ``folder`` on a free loopback port; yields its URL."""
    as_root = os.geteuid() == 0
    folder.mkdir(parents=True, exist_ok=True)
    run_as: list[str] = []
    if as_root:  # initdb refuses to run as root
        shutil.chown(folder, "postgres")
        run_as = ["runuser", "-u", "postgres", "--"]
    data, port = folder / "data", free_port()
    subprocess.run([*run_as, str(PG_BIN / "initdb"), "-D", str(data), "-A", "trust", "-U",
                    "perfbot", "-E", "UTF8", "--no-sync"], check=True, capture_output=True)
    options = (f"-c listen_addresses=127.0.0.1 -p {port} -k {folder} -c max_connections=200"
               + ("" if fsync else " -c fsync=off -c synchronous_commit=off"))
    subprocess.run([*run_as, str(PG_BIN / "pg_ctl"), "-D", str(data), "-o", options, "-l",
                    str(folder / "postgres.log"), "-w", "start"], check=True,
                   capture_output=True)
    try:
        subprocess.run([*run_as, str(PG_BIN / "createdb"), "-h", "127.0.0.1", "-p", str(port),
                        "-U", "perfbot", "perfbot"], check=True, capture_output=True)
        yield f"postgresql://perfbot@127.0.0.1:{port}/perfbot"
    finally:
        subprocess.run([*run_as, str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", "immediate",
                        "stop"], capture_output=True)


def rss_mb(pid: int) -> tuple[float, float]:
    """(current, peak) resident set of a live process, in MB."""
    fields = dict(line.split(":", 1) for line in
                  Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line)
    return (int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024)


@dataclass
class Replica:
    index: int
    port: int
    env: dict[str, str] = field(repr=False)
    log: Path
    proc: subprocess.Popen[bytes] | None = None
    rss: tuple[float, float] | None = None  # read just before it was killed or stopped
    alive: bool = False

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen([sys.executable, "-m", "bot", "serve"], env=self.env,
                                         stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)
        self.alive = True

    def kill(self) -> None:
        assert self.proc is not None
        with contextlib.suppress(OSError, KeyError):
            self.rss = rss_mb(self.proc.pid)
        self.alive = False
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        with contextlib.suppress(OSError, KeyError):
            self.rss = rss_mb(self.proc.pid)
        self.alive = False
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


@dataclass
class Fleet:
    """What ``processes`` started: the emulator's addresses, the replicas, the bare handler."""

    folder: Path
    api: str
    control: str
    replicas: list[Replica]
    bare: str | None
    database_url: str | None
    others: list[subprocess.Popen[bytes]] = field(default_factory=list)


def _wait_for_file(path: Path, proc: subprocess.Popen[bytes], timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        if proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"the emulator did not start; see {path.with_suffix('.log')}")
        time.sleep(0.1)
    time.sleep(0.1)


@contextlib.contextmanager
def processes(s: Scenario, folder: Path | None = None) -> Iterator[Fleet]:
    """Start the store, the emulator, the replicas and the bare handler; stop them after."""
    own = folder is None
    folder = Path(tempfile.mkdtemp(prefix="perfbot-fleet-")) if folder is None else folder
    folder.mkdir(parents=True, exist_ok=True)
    folder.chmod(0o755)  # PostgreSQL runs as its own user and must reach its folder
    stack = contextlib.ExitStack()
    others: list[subprocess.Popen[bytes]] = []
    replicas: list[Replica] = []
    try:
        database_url = None
        if s.store == "postgres":
            database_url = stack.enter_context(postgres(folder / "pg", fsync=s.fsync))
        ready = folder / "emulator.json"
        from emulator import app_keys

        keys = app_keys()
        ready.with_suffix(".pub").write_text(keys.public_pem)
        with (folder / "emulator.log").open("wb") as log:
            emu = subprocess.Popen([sys.executable, __file__, "emulator", str(ready),
                                    str(s.pulls)], stdout=log, stderr=subprocess.STDOUT)
        others.append(emu)
        _wait_for_file(ready, emu)
        world = json.loads(ready.read_text())
        bare = None
        if s.bare:
            port = free_port()
            with (folder / "bare.log").open("wb") as log:
                others.append(subprocess.Popen([sys.executable, __file__, "bare", str(port)],
                                               stdout=log, stderr=subprocess.STDOUT))
            bare = f"http://127.0.0.1:{port}"
        base_env = {k: v for k, v in os.environ.items() if not k.startswith(("PERFBOT_",
                                                                            "GITHUB_"))}
        for i in range(s.replicas):
            env = {**base_env, "GITHUB_APP_ID": str(APP_ID),
                   "GITHUB_PRIVATE_KEY": keys.private_pem, "GITHUB_WEBHOOK_SECRET": SECRET,
                   "GITHUB_API_URL": world["api"], "HOST": "127.0.0.1",
                   "PERFBOT_DATA_DIR": str(folder / f"replica-{i}"), **s.env}
            if database_url:
                env["PERFBOT_DATABASE_URL"] = database_url
            port = free_port()
            env["PORT"] = str(port)
            replicas.append(Replica(i, port, env, folder / f"replica-{i}.log"))
        for replica in replicas:  # all at once, as a deploy starts them
            replica.start()
        yield Fleet(folder, world["api"], world["control"], replicas, bare, database_url,
                    others)
    finally:
        for replica in replicas:
            replica.stop()
        for proc in others:
            proc.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=10)
        stack.close()
        if own and not os.environ.get("PERFBOT_FLEET_KEEP"):
            shutil.rmtree(folder, ignore_errors=True)


class StoreProbe:
    """Reads the store's delivery table directly (``bot.store``'s ``perfbot_deliveries``):
    what was recorded, in which state. Every answer is None while there is no such table."""

    def __init__(self, fleet: Fleet, s: Scenario) -> None:
        self.command: list[str] | None = None
        self.sqlite: Path | None = None
        if fleet.database_url:
            port = fleet.database_url.rsplit(":", 1)[1].split("/")[0]
            self.command = [str(PG_BIN / "psql"), "-h", "127.0.0.1", "-p", port, "-U",
                            "perfbot", "-d", "perfbot", "-AtX", "-F", "\t", "-c"]
        elif s.store == "sqlite":
            self.sqlite = fleet.folder / "replica-0" / "perfbot.sqlite3"

    def rows(self, sql: str) -> list[list[str]] | None:
        if self.command is not None:
            done = subprocess.run([*self.command, sql], capture_output=True, text=True)
            if done.returncode != 0:
                return None
            return [line.split("\t") for line in done.stdout.splitlines() if line]
        if self.sqlite is not None and self.sqlite.exists():
            import sqlite3

            try:
                with contextlib.closing(sqlite3.connect(f"file:{self.sqlite}?mode=ro",
                                                        uri=True, timeout=10)) as db:
                    return [["" if v is None else str(v) for v in row]
                            for row in db.execute(sql)]
            except sqlite3.Error:
                return None
        return None

    def deliveries(self) -> dict[str, tuple[str, float | None]] | None:
        """Delivery id -> (state, finished_at)."""
        rows = self.rows("SELECT id, state, finished_at FROM perfbot_deliveries")
        if rows is None:
            return None
        return {r[0]: (r[1], float(r[2]) if r[2] else None) for r in rows}

    def held_by(self, pid: int) -> list[str]:
        """Deliveries leased to the process ``pid`` (the store names owners host:pid:id)."""
        rows = self.rows("SELECT id FROM perfbot_deliveries WHERE state = 'leased' AND "
                         f"lease_owner LIKE '%:{int(pid)}:%'")
        return [r[0] for r in rows or []]


# --- driving --------------------------------------------------------------------------------


def sign(event: str, payload: Any, delivery_id: str | None = None) -> tuple[dict[str, str],
                                                                             bytes]:
    body = json.dumps(payload, separators=(",", ":")).encode()
    digest = hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    return {"Content-Type": "application/json", "User-Agent": "GitHub-Hookshot/fleet",
            "X-GitHub-Event": event, "X-GitHub-Delivery": delivery_id or str(uuid.uuid4()),
            "X-Hub-Signature-256": f"sha256={digest}"}, body


@dataclass
class Report:
    scenario: Scenario
    sent: int = 0
    acks: list[float] = field(default_factory=list)  # seconds, 2xx answers from replicas
    bare_acks: list[float] = field(default_factory=list)
    answers: Counter[str] = field(default_factory=Counter)  # status or what went wrong
    rerouted: int = 0  # refused connections a load balancer sent to another replica
    redelivered_unanswered: int = 0
    started: float = 0.0  # wall clock (time.time()), comparable across processes
    last_sent: float = 0.0
    killed_at: float | None = None
    restarted_at: float | None = None
    outage: tuple[float, float] | None = None
    settled_at: float | None = None  # when the world was last seen to become right
    gave_up: str | None = None  # why waiting stopped without the world right
    failures: list[str] = field(default_factory=list)
    stats: dict[str, Any] = field(default_factory=dict)
    metrics: dict[str, float] = field(default_factory=dict)  # summed over live replicas
    rss: dict[int, tuple[float, float]] = field(default_factory=dict)
    acked: set[str] = field(default_factory=set)  # delivery ids a replica answered 2xx
    store_states: dict[str, int] | None = None  # the store's deliveries by state
    held_at_kill: list[str] = field(default_factory=list)  # leased to the killed replica
    held_finished_at: float | None = None  # when the last of those was finished

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["acks"], data["bare_acks"] = len(self.acks), len(self.bare_acks)
        data["acked"] = len(self.acked)
        return data


def quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] if ordered else 0.0


async def _json(session: aiohttp.ClientSession, method: str, url: str,
                data: Any = None) -> Any:
    async with session.request(method, url, json=data) as response:
        response.raise_for_status()
        return await response.json()


async def metrics(session: aiohttp.ClientSession, replicas: list[Replica]) -> dict[str, float]:
    """perfbot_* samples summed over the live replicas, labels kept."""
    total: Counter[str] = Counter()
    for replica in replicas:
        if not replica.alive:
            continue
        with contextlib.suppress(aiohttp.ClientError, OSError):
            async with session.get(f"{replica.url}/metrics") as response:
                text = await response.text()
            for line in text.splitlines():
                if line.startswith("perfbot_") and " " in line:
                    name, value = line.rsplit(" ", 1)
                    with contextlib.suppress(ValueError):
                        total[name] += float(value)
    return dict(total)


def unfinished(samples: dict[str, float]) -> float | None:
    """Work the store still holds (queued, leased, waiting to retry), if it says so."""
    found = [v for k, v in samples.items()
             if re.match(r"perfbot_(queue|deliveries)_(depth|unfinished|pending)\b", k)]
    return sum(found) if found else None


async def _up(session: aiohttp.ClientSession, url: str, within: float = 120) -> None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        with contextlib.suppress(aiohttp.ClientError, OSError):
            async with session.get(f"{url}/healthz") as response:
                if response.status in (200, 404):
                    return
        await asyncio.sleep(0.2)
    raise RuntimeError(f"{url} did not come up")


async def drive(fleet: Fleet, s: Scenario, *, say: Any = print) -> Report:
    """Run the scenario against started processes; the report holds figures and failures."""
    report = Report(s)
    stream = plan(s)
    probe = StoreProbe(fleet, s)
    rng = random.Random(s.seed + 1)
    timeout = aiohttp.ClientTimeout(total=60)
    connector = aiohttp.TCPConnector(limit=4 * s.concurrency)
    async with aiohttp.ClientSession(timeout=timeout, connector=connector) as session:
        for url in [r.url for r in fleet.replicas] + ([fleet.bare] if fleet.bare else []):
            await _up(session, url)
        say(f"  {len(fleet.replicas)} replica(s) up ({s.store} store); sending "
            f"{len(stream)} deliveries at up to {s.rate:g}/s")
        queue: asyncio.Queue[tuple[dict[str, str], bytes] | None] = asyncio.Queue(
            maxsize=s.concurrency)
        history: list[tuple[dict[str, str], bytes]] = []
        merges: dict[int, tuple[dict[str, str], bytes]] = {}
        unanswered: list[tuple[dict[str, str], bytes]] = []
        background: list[asyncio.Task[None]] = []

        async def post(headers: dict[str, str], body: bytes) -> None:
            while True:
                live = [r for r in fleet.replicas if r.alive]
                if not live:
                    await asyncio.sleep(0.05)
                    continue
                replica = rng.choice(live)
                began = time.perf_counter()
                try:
                    async with session.post(f"{replica.url}/webhooks", data=body,
                                            headers=headers) as response:
                        await response.read()
                        status = response.status
                except aiohttp.ClientConnectorError:
                    report.rerouted += 1  # nothing was sent: the balancer tries another
                    await asyncio.sleep(0.01)
                    continue
                except (aiohttp.ClientError, OSError, TimeoutError) as exc:
                    report.answers[type(exc).__name__] += 1
                    unanswered.append((headers, body))
                    return
                elapsed = time.perf_counter() - began
                report.answers[str(status)] += 1
                if 200 <= status < 300:
                    report.acks.append(elapsed)
                    report.acked.add(headers["X-GitHub-Delivery"])
                break
            if fleet.bare:
                began = time.perf_counter()
                with contextlib.suppress(aiohttp.ClientError, OSError, TimeoutError):
                    async with session.post(f"{fleet.bare}/webhooks", data=body,
                                            headers=headers) as response:
                        await response.read()
                    report.bare_acks.append(time.perf_counter() - began)

        async def sender() -> None:
            while (item := await queue.get()) is not None:
                await post(*item)

        async def faults(sent: int) -> None:
            if s.kill_at is not None and report.killed_at is None and sent >= s.kill_at * len(
                    stream):
                victim = fleet.replicas[-1]
                assert victim.proc is not None
                pid = victim.proc.pid
                await asyncio.to_thread(victim.kill)
                report.killed_at = time.time()
                report.held_at_kill = await asyncio.to_thread(probe.held_by, pid)
                say(f"  SIGKILLed replica {victim.index} after {sent} deliveries")
                if s.restart_after is not None:
                    async def restart() -> None:
                        await asyncio.sleep(s.restart_after or 0)
                        await asyncio.to_thread(victim.start)
                        report.restarted_at = time.time()
                        say(f"  restarted replica {victim.index}")
                    background.append(asyncio.create_task(restart()))
            if s.outage_at is not None and report.outage is None and sent >= s.outage_at * len(
                    stream):
                window = await _json(session, "POST", f"{fleet.control}/outage",
                                     {"seconds": s.outage_seconds, "status": s.outage_status})
                report.outage = (window["start"], window["end"])
                say(f"  GitHub answers {s.outage_status} for {s.outage_seconds:g} s "
                    f"after {sent} deliveries")

        senders = [asyncio.create_task(sender()) for _ in range(s.concurrency)]
        report.started = time.time()
        began = time.monotonic()
        batch = max(1, round(s.rate / 10))
        i = 0
        while i < len(stream):
            chunk = stream[i:i + batch]
            actions = [{"kind": kind, "pr": n} for kind, n in chunk if not
                       kind.startswith("redeliver")]
            made = iter(await _json(session, "POST", f"{fleet.control}/act", actions)
                        if actions else [])
            for kind, n in chunk:
                if kind == "redeliver":
                    item = rng.choice(history) if history else None
                elif kind == "redeliver-merge":
                    item = merges.get(n)
                else:
                    event = next(made)
                    item = sign(event["event"], event["payload"])
                    history.append(item)
                    if kind == "merge":
                        merges[n] = item
                if item is None:
                    continue
                await faults(report.sent)
                await queue.put(item)
                report.sent += 1
            i += len(chunk)
            ahead = began + i / s.rate - time.monotonic()
            if ahead > 0:
                await asyncio.sleep(ahead)
        for _ in senders:
            await queue.put(None)
        await asyncio.gather(*senders, *background)
        report.last_sent = time.time()
        if unanswered:  # GitHub marks them failed; someone presses "Redeliver"
            say(f"  {len(unanswered)} deliveries got no answer; redelivering them")
            report.redelivered_unanswered = len(unanswered)
            for item in unanswered:
                await post(*item)
        say(f"  sent {report.sent} in {report.last_sent - report.started:.0f} s; waiting for "
            "the work to finish")
        await settle(session, fleet, s, report, say, probe)
        for replica in fleet.replicas:
            if replica.alive and replica.proc is not None:
                with contextlib.suppress(OSError, KeyError):
                    report.rss[replica.index] = rss_mb(replica.proc.pid)
            elif replica.rss is not None:
                report.rss[replica.index] = replica.rss
    return report


def store_failures(report: Report, rows: dict[str, tuple[str, float | None]]) -> list[str]:
    """What the store says about the deliveries: all recorded, all done; and when what the
    killed replica held was finished."""
    states = Counter(state for state, _ in rows.values())
    report.store_states = dict(states)
    failures = []
    missing = report.acked - rows.keys()
    if missing:
        failures.append(f"{len(missing)} acknowledged deliveries are not in the store, e.g. "
                        f"{sorted(missing)[0]}")
    if states.get("failed"):
        failures.append(f"{states['failed']} deliveries failed every attempt")
    held = [rows.get(i, ("missing", None)) for i in report.held_at_kill]
    if held and all(state == "done" for state, _ in held):
        report.held_finished_at = max(at or 0.0 for _, at in held)
    return failures


async def settle(session: aiohttp.ClientSession, fleet: Fleet, s: Scenario, report: Report,
                 say: Any, probe: StoreProbe) -> None:
    """Poll until the world is right and the store holds no work, or nothing moves."""
    deadline = time.monotonic() + s.settle_timeout
    last_note = 0.0
    while True:
        judged = await _json(session, "GET", f"{fleet.control}/judge")
        report.failures, report.stats = judged["failures"], judged["stats"]
        report.metrics = await metrics(session, fleet.replicas)
        left = unfinished(report.metrics)
        rows = await asyncio.to_thread(probe.deliveries)
        if rows is not None:
            report.failures += store_failures(report, rows)
            left = sum(n for state, n in (report.store_states or {}).items()
                       if state not in ("done", "failed"))
        now = time.time()
        if not report.failures and not left:
            if report.settled_at is None:
                report.settled_at = judged["stats"]["last_write"] or now
            # Right once; stay a little to see that nothing more (a second post) happens.
            if now - max(report.settled_at, judged["stats"]["last_request"]) > 5:
                return
        else:
            report.settled_at = None
        idle = now - max(judged["stats"]["last_request"], report.last_sent)
        if left is None and idle > s.idle_timeout:
            report.gave_up = f"GitHub saw no request for {idle:.0f} s"
            return
        if time.monotonic() > deadline:
            report.gave_up = f"still not right {s.settle_timeout:.0f} s after the last delivery"
            return
        if time.monotonic() - last_note > 30:
            last_note = time.monotonic()
            say(f"  ... {len(report.failures)} invariant(s) not yet met; store holds "
                f"{'?' if left is None else int(left)}; {judged['stats']['requests']} "
                "GitHub requests so far")
        await asyncio.sleep(2)


# --- the emulator child ---------------------------------------------------------------------


class World:
    """The emulated GitHub of one run and the facts the invariants are judged by."""

    def __init__(self, emu: Any, pulls: int, public_pem: str) -> None:
        self.emu = emu
        emu.register_app(public_pem, app_id=APP_ID)
        inst = emu.add_installation(INSTALLATION, "octo-org")
        # 5,000 deliveries in minutes need more than one installation's 5,000 requests an
        # hour; the load test lifts the limit (and counts what was charged).
        inst.rate_limit = inst.rate_remaining = 10**7
        self.repo = emu.add_repo(REPO, installation_id=INSTALLATION)
        self.repo.commit("main", {".github/performance.yml": CONFIG})
        emu.set_permission(self.repo, "maria", "admin")
        self.pulls = []
        for i in range(pulls):
            branch = f"feature-{i}"
            self.repo.create_branch(branch)
            self.repo.commit(branch, {f"src/m{i}/a.py": "a = 1\n"})
            self.pulls.append(emu.open_pull_request(self.repo, head=branch, base="main",
                                                    title=f"Change {i}"))
        self.shas: dict[int, set[str]] = {pr.number: {pr.head_sha} for pr in self.pulls}
        self.signed: set[int] = set()
        self.merged: set[int] = set()
        self.helps: dict[int, int] = {}  # help comment id -> PR number
        self.last_write = 0.0

    def act(self, kind: str, i: int) -> dict[str, Any]:
        from emulator.state import Comment

        emu, repo, pr = self.emu, self.repo, self.pulls[i]

        def comment(body: str, user: str) -> dict[str, Any]:
            now = emu.now()
            c = Comment(emu.next_id(), pr.number, body, user, "User", now, now)
            repo.comments[c.id] = c
            if body == "/perf help":
                self.helps[c.id] = pr.number
            return {"event": "issue_comment", "payload": emu.webhook_payload(
                "issue_comment", "created", issue=pr, comment=c, sender=user)}

        if kind == "push":
            sha = repo.commit(pr.head, {f"src/m{i}/f{len(self.shas[pr.number])}.py": "b = 2\n"})
            self.shas[pr.number].add(sha)
            return {"event": "pull_request",
                    "payload": emu.webhook_payload("pull_request", "synchronize", pr=pr)}
        if kind == "labeled":
            emu.set_labels(repo, pr.number, [*pr.labels, f"area-{len(pr.labels) % 3}"])
            return {"event": "pull_request", "payload": emu.webhook_payload(
                "pull_request", "labeled", pr=pr, label=pr.labels[-1])}
        if kind == "chatter":
            return comment("Looks reasonable to me.", "alice")
        if kind == "help":
            return comment("/perf help", "alice")
        if kind == "recheck":
            return comment("/perf recheck", "alice")
        if kind == "signoff":
            self.signed.add(pr.number)
            return comment(SIGNOFF, "maria")
        if kind == "merge":
            emu.set_state(repo, pr.number, "closed", merged=True)
            self.merged.add(pr.number)
            return {"event": "pull_request",
                    "payload": emu.webhook_payload("pull_request", "closed", pr=pr)}
        if kind == "rerun":
            runs = [r for r in emu.check_runs(repo, pr.head_sha) if r.app_id == APP_ID]
            if runs:
                return {"event": "check_run", "payload": emu.webhook_payload(
                    "check_run", "rerequested", check_run=runs[0])}
            return {"event": "check_suite", "payload": emu.webhook_payload(
                "check_suite", "rerequested", pr=pr, head_sha=pr.head_sha)}
        if kind == "opened":
            return {"event": "pull_request",
                    "payload": emu.webhook_payload("pull_request", "opened", pr=pr)}
        raise ValueError(kind)

    def judge(self) -> dict[str, Any]:
        """Every invariant a user would notice, as the failures that break one."""
        from bot.core.review.checklist import MARKER

        emu, repo = self.emu, self.repo
        tracks = re.compile(r"<!-- perfbot:mitigation ([^\s#]+)#(\d+) (\S+) -->")
        failures: list[str] = []
        runs_seen = 0
        for pr in self.pulls:
            n = pr.number
            by_sha: dict[str, list[Any]] = {}
            for run in repo.check_runs.values():
                if run.app_id == APP_ID and run.head_sha in self.shas[n]:
                    by_sha.setdefault(run.head_sha, []).append(run)
            runs_seen += len(by_sha)
            for sha, runs in by_sha.items():
                if len(runs) > 1:
                    failures.append(f"#{n}: {len(runs)} check runs on {sha[:7]}")
                failures.extend(f"#{n}: check run on {sha[:7]} left {r.status}"
                                for r in runs if r.status != "completed")
            final = by_sha.get(pr.head_sha, [])
            expected = "success" if n in self.signed else "failure"
            if not final:
                failures.append(f"#{n}: no check run on its head {pr.head_sha[:7]}")
            elif final[0].status == "completed" and final[0].conclusion != expected:
                failures.append(f"#{n}: head's check concluded {final[0].conclusion}, "
                                f"expected {expected}")
            mine = [c for c in emu.comments(repo, n) if c.app_id == APP_ID]
            checklists = sum(MARKER in c.body for c in mine)
            if checklists != 1:
                failures.append(f"#{n}: {checklists} checklist comments")
            tracked = [i for i in emu.issues(repo) for m in tracks.finditer(i.body or "")
                       if int(m.group(2)) == n]
            wanted = 1 if n in self.signed and n in self.merged else 0
            if len(tracked) != wanted:
                failures.append(f"#{n}: {len(tracked)} mitigation issues, expected {wanted}")
        bot_comments = [c for c in repo.comments.values() if c.app_id == APP_ID]
        for cid, n in self.helps.items():
            replies = sum(f"<!-- perfbot:reply {cid}@" in c.body for c in bot_comments)
            if replies != 1:
                failures.append(f"#{n}: {replies} replies to /perf help comment {cid}")
        failures.extend(f"GitHub would reject: {v.splitlines()[0]}" for v in emu.violations)
        statuses = Counter(str(r.status) for r in emu.requests)
        stats = {
            "requests": len(emu.requests),
            "charged": sum(r.charged for r in emu.requests),
            "statuses": dict(statuses),
            "commits": sum(len(s) for s in self.shas.values()),
            "commits_with_run": runs_seen,
            "check_runs": sum(r.app_id == APP_ID for r in repo.check_runs.values()),
            "help_comments": len(self.helps),
            "signed": len(self.signed),
            "merged": len(self.merged),
            "issues": len(emu.issues(repo)),
            "last_request": self.last_request,
            "last_write": self.last_write,
        }
        return {"failures": failures, "stats": stats}

    last_request = 0.0


async def serve_emulator(ready: Path, pulls: int) -> None:
    """GitHub for the fleet, and the control routes the driver uses."""
    from aiohttp import web
    from emulator import Emulator

    # GitHub's CPU is not ours: the emulator (which checks every request against the
    # OpenAPI description) yields to perfbot and the load generator on a shared machine.
    os.nice(10)
    class Timed(Emulator):
        async def _serve(self, request: web.Request) -> web.StreamResponse:
            response = await super()._serve(request)
            world.last_request = time.time()
            if request.method != "GET" and response.status < 300:
                world.last_write = world.last_request
            return response

    emu = Timed()
    world = World(emu, pulls, ready.with_suffix(".pub").read_text())
    api = await emu.start()

    async def act(request: web.Request) -> web.Response:
        made = [world.act(a["kind"], a["pr"]) for a in await request.json()]
        return web.json_response(made)

    async def outage(request: web.Request) -> web.Response:
        ask = await request.json()
        fault = emu.inject("*", ".*", status=int(ask["status"]), times=10**9)
        start = time.time()

        async def end() -> None:
            await asyncio.sleep(float(ask["seconds"]))
            fault.times = 0

        request.app["tasks"].append(asyncio.create_task(end()))
        return web.json_response({"start": start, "end": start + float(ask["seconds"])})

    async def judge(request: web.Request) -> web.Response:
        return web.json_response(world.judge())

    control = web.Application(client_max_size=64 * 1024 * 1024)
    control["tasks"] = []
    control.router.add_post("/act", act)
    control.router.add_post("/outage", outage)
    control.router.add_get("/judge", judge)
    runner = web.AppRunner(control, access_log=None)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    partial = ready.with_suffix(".tmp")
    partial.write_text(json.dumps({"api": api, "control": f"http://127.0.0.1:{port}"}))
    partial.rename(ready)
    await asyncio.Event().wait()


def serve_bare(port: int) -> None:
    from aiohttp import web

    async def handler(request: web.Request) -> web.Response:
        await request.read()
        return web.json_response({"message": "accepted"}, status=202)

    async def healthz(request: web.Request) -> web.Response:
        return web.json_response({"message": "ok"})

    app = web.Application(client_max_size=25 * 1024 * 1024)
    app.router.add_post("/webhooks", handler)
    app.router.add_get("/healthz", healthz)
    web.run_app(app, host="127.0.0.1", port=port, print=None, access_log=None)


if __name__ == "__main__":
    sys.path[:0] = [str(ROOT), str(ROOT / "tests")]
    if sys.argv[1] == "emulator":
        asyncio.run(serve_emulator(Path(sys.argv[2]), int(sys.argv[3])))
    else:
        serve_bare(int(sys.argv[2]))
