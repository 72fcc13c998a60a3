"""What unsigned bodies cost ``perfbot serve`` in memory: 24 bodies of 24 MB at once.

    .venv/bin/python benchmarks/unverified_rss.py [--tree PATH] [--bodies 24] [--mb 24]
                                                 [--set NAME=VALUE]...

Starts ``python -m bot serve`` from ``--tree`` (default: this checkout) as its own process,
with the GitHub emulator (in this process) as its GitHub, sends ``--bodies`` POST /webhooks
of ``--mb`` MB each at once, all with a wrong signature, and prints the server's resident
memory before, its peak while they were read (``VmHWM``), and the answers. ``--set`` passes
settings such as ``PERFBOT_UNVERIFIED_MB=128``. To measure code from before a change, unpack
it elsewhere (``git archive COMMIT | tar -x -C /tmp/before``) and pass ``--tree /tmp/before``.
Figures, not assertions: the machine is shared.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "tests")]

from emulator import Emulator, app_keys  # noqa: E402

MB = 1024 * 1024


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def memory(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM (peak) of a process, in bytes."""
    found = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            found[name] = int(value.split()[0]) * 1024
    return found


async def ready(url: str, proc: subprocess.Popen[bytes]) -> None:
    async with aiohttp.ClientSession() as session:
        for _ in range(600):
            if proc.poll() is not None:
                raise SystemExit(f"perfbot serve exited with {proc.returncode}")
            try:
                async with session.get(f"{url}/healthz") as reply:
                    if reply.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.1)
    raise SystemExit("perfbot serve did not become ready")


async def send(url: str, body: bytes, count: int) -> tuple[collections.Counter[str], float]:
    headers = {"Content-Type": "application/json", "X-GitHub-Event": "pull_request",
               "X-GitHub-Delivery": "unsigned", "X-Hub-Signature-256": "sha256=" + "0" * 64}
    timeout = aiohttp.ClientTimeout(total=300)
    connector = aiohttp.TCPConnector(limit=0)
    answers: collections.Counter[str] = collections.Counter()

    async def one(session: aiohttp.ClientSession) -> None:
        try:
            async with session.post(f"{url}/webhooks", data=body, headers=headers) as reply:
                answers[str(reply.status)] += 1
        except aiohttp.ClientError as exc:  # the server may close a refused upload early
            answers[type(exc).__name__] += 1

    started = time.perf_counter()
    async with aiohttp.ClientSession(timeout=timeout, connector=connector) as session:
        await asyncio.gather(*(one(session) for _ in range(count)))
    return answers, time.perf_counter() - started


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tree", type=Path, default=ROOT)
    parser.add_argument("--bodies", type=int, default=24)
    parser.add_argument("--mb", type=int, default=24)
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE")
    args = parser.parse_args()

    emu = Emulator()
    api = await emu.start()
    keys = app_keys()
    emu.register_app(keys.public_pem, app_id=1)
    emu.add_installation(7, "octo-org")
    port = free_port()
    scratch = tempfile.TemporaryDirectory(prefix="perfbot-rss-")  # the embedded store
    env = {**os.environ, "GITHUB_APP_ID": "1", "GITHUB_PRIVATE_KEY": keys.private_pem,
           "GITHUB_WEBHOOK_SECRET": "benchmark-secret", "GITHUB_API_URL": api,
           "HOST": "127.0.0.1", "PORT": str(port), "PYTHONPATH": str(args.tree.resolve()),
           "PERFBOT_DATA_DIR": scratch.name}
    env.update(item.split("=", 1) for item in args.set)
    proc = subprocess.Popen([sys.executable, "-m", "bot", "serve"], cwd=args.tree, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        url = f"http://127.0.0.1:{port}"
        await ready(url, proc)
        before = memory(proc.pid)
        body = b'{"pad": "' + b"x" * (args.mb * MB - 11) + b'"}'
        answers, seconds = await send(url, body, args.bodies)
        after = memory(proc.pid)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        await emu.close()
        scratch.cleanup()
    settings = " ".join(args.set) or "defaults"
    print(f"tree: {args.tree}  settings: {settings}")
    print(f"{args.bodies} unsigned bodies of {args.mb} MB at once, answered in {seconds:.1f} s: "
          + ", ".join(f"{n} answered {status}" for status, n in sorted(answers.items())))
    print(f"RSS before {before['VmRSS'] / MB:.0f} MB, peak {after['VmHWM'] / MB:.0f} MB: "
          f"+{(after['VmHWM'] - before['VmRSS']) / MB:.0f} MB while they were read")


if __name__ == "__main__":
    asyncio.run(main())
