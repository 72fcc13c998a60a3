"""perfbot as a real process: accepted deliveries survive a SIGKILL and are done by the
next process on the same store (the embedded SQLite file, then PostgreSQL)."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import aiohttp
from emulator import app_keys
from harness import APP_ID, SECRET, World

BOUND = 120.0  # seconds: a bound on waiting, so a broken build fails rather than hangs


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def serving(world: World, env: dict[str, str], log: Path) -> Iterator[tuple[str, Any]]:
    port = _free_port()
    environment = {
        **os.environ, **env,
        "GITHUB_APP_ID": str(APP_ID), "GITHUB_PRIVATE_KEY": app_keys().private_pem,
        "GITHUB_WEBHOOK_SECRET": SECRET, "GITHUB_API_URL": world.emu.api,
        "HOST": "127.0.0.1", "PORT": str(port), "PERFBOT_CONCURRENCY": "2",
    }
    with log.open("ab") as out:
        process = subprocess.Popen([sys.executable, "-m", "bot", "serve"], env=environment,
                                   stdout=out, stderr=subprocess.STDOUT)
    try:
        yield f"http://127.0.0.1:{port}", process
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def tail(log: Path) -> str:
    return log.read_text(errors="replace")[-3000:]


async def ready(session: aiohttp.ClientSession, url: str, process: Any, log: Path) -> None:
    for _ in range(int(BOUND / 0.05)):
        assert process.poll() is None, tail(log)
        try:
            async with session.get(f"{url}/healthz") as answer:
                if answer.status == 200:
                    return
        except aiohttp.ClientConnectionError:
            pass
        await asyncio.sleep(0.05)
    raise AssertionError(f"perfbot did not start:\n{tail(log)}")


def completed(world: World, shas: list[str]) -> list[list[str | None]]:
    return [[r.conclusion for r in world.emu.check_runs(world.repo, sha)
             if r.status == "completed"] for sha in shas]


async def sigkill_with_deliveries_accepted(world: World, env: dict[str, str],
                                           tmp_path: Path) -> str:
    world.repo.commit("main", {".github/performance.yml": (
        "version: 1\nrules:\n  design_record:\n    when:\n      paths: ['src/**']\n"
    )}, message="config")
    pulls = []
    for i in range(20):
        world.repo.create_branch(f"feature-{i}")
        world.repo.commit(f"feature-{i}", {f"src/m{i}.py": f"x = {i}\n"}, message="change")
        pulls.append(world.emu.open_pull_request(world.repo, head=f"feature-{i}", base="main"))
    shas = [pr.head_sha for pr in pulls]
    log = tmp_path / "perfbot.log"
    # GitHub stalls: the first process acknowledges all 20 and finishes none.
    world.emu.inject("POST", r"/access_tokens$", status=None, delay=3600, times=10_000)
    async with aiohttp.ClientSession() as session:
        with serving(world, env, log) as (url, first):
            await ready(session, url, first, log)
            for pr in pulls:
                payload = world.emu.webhook_payload("pull_request", "opened", pr=pr)
                headers, body = world.emu.sign("pull_request", payload, SECRET,
                                               str(uuid.uuid4()))
                async with session.post(f"{url}/webhooks", data=body,
                                        headers=dict(headers)) as answer:
                    assert answer.status == 202
            first.send_signal(signal.SIGKILL)
            first.wait()
        assert completed(world, shas) == [[]] * 20
        world.emu.faults.clear()
        with serving(world, env, log) as (url, second):
            await ready(session, url, second, log)
            for _ in range(int(BOUND / 0.05)):
                async with session.get(f"{url}/metrics") as answer:
                    metrics = await answer.text()
                if "perfbot_queue_unfinished 0.0" in metrics:
                    break
                await asyncio.sleep(0.05)
            assert completed(world, shas) == [["failure"]] * 20, tail(log)
    return metrics


async def test_deliveries_accepted_before_a_sigkill_are_done_after_the_restart(
    world: World, tmp_path: Path
):
    metrics = await sigkill_with_deliveries_accepted(
        world, {"PERFBOT_DATA_DIR": str(tmp_path / "data")}, tmp_path)
    assert "perfbot_queue_recoveries_total 20.0" in metrics
    assert (tmp_path / "data" / "perfbot.sqlite3").exists()


async def test_on_postgresql_too(world: World, tmp_path: Path, postgres_url: str):
    metrics = await sigkill_with_deliveries_accepted(
        world, {"PERFBOT_DATABASE_URL": postgres_url}, tmp_path)
    assert "perfbot_queue_recoveries_total 20.0" in metrics
