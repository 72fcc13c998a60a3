"""How many of the App's reads come free (a 304) when many pull requests are active at once.

    .venv/bin/python benchmarks/etag_cache.py [--active 20 500] [--events 1000] [--files 10]

For each number of active pull requests, one repository (one installation) gets that many
open pull requests, each opened once; then ``--events`` deliveries that change nothing on
GitHub (a description edited back, a "Re-run" click) land on pull requests picked at
random, as a busy repository's day would. A read answered 304 costs no rate limit. The
emulator counts the answers; this prints the share of reads answered 304 with perfbot's
ETag cache as it was (256 entries per installation) and as it is (one budget in bytes for
every installation, ``PERFBOT_ETAG_CACHE_MB``), and what the cache then held.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sys
import tempfile
from pathlib import Path
from typing import Any

from cachetools import LRUCache

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from emulator import Emulator, app_keys  # noqa: E402

SECRET = "benchmark-secret"
CONFIG = "version: 1\nrules:\n  design_record:\n    when:\n      paths: ['src/**']\n"


class PerInstallation:
    """The cache as it was: 256 entries per installation, whatever is active."""

    def __init__(self, entries: int = 256) -> None:
        self.entries = entries
        self.caches: dict[int, LRUCache[str, Any]] = {}

    def for_installation(self, installation_id: int) -> LRUCache[str, Any]:
        return self.caches.setdefault(installation_id, LRUCache(maxsize=self.entries))


async def measure(active: int, events: int, files: int, old: bool, seed: int) -> dict[str, Any]:
    from aiohttp.test_utils import TestClient, TestServer

    from bot.app.server import GITHUB, INTAKE, create_app
    from bot.app.settings import Settings

    emu = Emulator()
    await emu.start()
    emu.register_app(app_keys().public_pem, app_id=1)
    emu.add_installation(7, "octo-org")
    # Not the point here: the App's primary limit would stop the run part way.
    emu.installations[7].rate_limit = emu.installations[7].rate_remaining = 10_000_000
    repo = emu.add_repo("octo-org/service", installation_id=7)
    repo.commit("main", {".github/performance.yml": CONFIG})
    pulls = []
    for n in range(active):
        branch = f"feature-{n}"
        repo.create_branch(branch)
        repo.commit(branch, {f"src/m{n}/f{i}.py": f"x = {i}\n" for i in range(files)})
        pulls.append(emu.open_pull_request(repo, head=branch, base="main"))
    scratch = tempfile.mkdtemp(prefix="perfbot-bench-")  # a store of its own, each run
    settings = Settings(app_id="1", private_key=app_keys().private_pem, webhook_secret=SECRET,
                        api_url=emu.api, database_url=f"sqlite:///{scratch}/perfbot.sqlite3")
    client = TestClient(TestServer(create_app(settings), host="127.0.0.1"))
    await client.start_server()
    try:
        if old:
            client.app[GITHUB].etags = PerInstallation()  # type: ignore[assignment]

        async def deliver(event: str, payload: dict[str, Any]) -> None:
            headers, body = emu.sign(event, payload, SECRET, os.urandom(8).hex())
            await client.post("/webhooks", data=body, headers=dict(headers))
            await client.app[INTAKE].drain()

        for pr in pulls:
            await deliver("pull_request", emu.webhook_payload("pull_request", "opened", pr=pr))
        pick = random.Random(seed)
        mark = len(emu.requests)
        for _ in range(events):
            pr = pick.choice(pulls)
            if pick.random() < 0.5:
                payload = emu.webhook_payload("pull_request", "edited", pr=pr,
                                              changes={"body": {"from": "draft"}})
                await deliver("pull_request", payload)
            else:
                [run] = emu.check_runs(repo, pr.head_sha)
                await deliver("check_run", emu.webhook_payload("check_run", "rerequested",
                                                               check_run=run, pr=pr))
        reads = [r for r in emu.requests[mark:] if r.method == "GET"]
        cache = client.app[GITHUB].etags
        held = (sum(len(c) for c in cache.caches.values()) if isinstance(cache, PerInstallation)
                else len(cache))
        size = None if isinstance(cache, PerInstallation) else cache.bytes
        assert not emu.violations, emu.violations[:3]
    finally:
        await client.close()
        await emu.close()
    free = sum(r.status == 304 for r in reads)
    return {"reads": len(reads), "free": free, "charged": sum(r.charged for r in reads),
            "entries": held, "bytes": size}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--active", type=int, nargs="+", default=[20, 500])
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument("--files", type=int, default=10)
    parser.add_argument("--seed", type=int, default=12)
    args = parser.parse_args()
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores; {args.events} events "
          f"that change nothing, on PRs of {args.files} files picked at random")
    print(f"  {'active PRs':>10}  {'cache':<30} {'reads':>6} {'free 304s':>10} "
          f"{'charged':>8} {'entries':>8} {'bytes':>10}")
    for active in args.active:
        for old, label in ((True, "256 entries per installation"),
                           (False, "shared, bounded in bytes")):
            r = asyncio.run(measure(active, args.events, args.files, old, args.seed))
            share = r["free"] / r["reads"] if r["reads"] else 0.0
            size = "" if r["bytes"] is None else f"{r['bytes'] / 1e6:.1f} MB"
            print(f"  {active:>10}  {label:<30} {r['reads']:>6} {share:>10.0%} "
                  f"{r['charged']:>8} {r['entries']:>8} {size:>10}")


if __name__ == "__main__":
    main()
