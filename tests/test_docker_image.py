"""The Docker image as an operator runs it: with the embedded store in a volume, and with
PostgreSQL, the emulator as its GitHub and the env file ``perfbot register`` writes.

Opt-in, because it needs a Docker daemon and an image built beforehand:

    docker build -t perfbot .
    PERFBOT_DOCKER_IMAGE=perfbot .venv/bin/python -m pytest tests/test_docker_image.py

The containers use the host's network (Linux), so they reach the emulator on 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import subprocess
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path

import aiohttp
import pytest
from emulator import Emulator, Repo, app_keys

from bot.github.manifests import Registration
from bot.local.registration import GitHubSite, env_file

IMAGE = os.environ.get("PERFBOT_DOCKER_IMAGE", "")
SECRET = "docker-webhook-secret"
pytestmark = pytest.mark.skipif(
    not IMAGE or shutil.which("docker") is None,
    reason="set PERFBOT_DOCKER_IMAGE to an image built from the Dockerfile (needs a daemon)",
)


def docker(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["docker", *args], capture_output=True, text=True, timeout=120,
                          check=check)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def world(emulator: Emulator, tmp_path: Path) -> Iterator[tuple[Emulator, Repo, Path]]:
    emulator.register_app(app_keys().public_pem, app_id=1)
    emulator.add_installation(7, "octo-org")
    repo = emulator.add_repo("octo-org/service", installation_id=7)
    settings = tmp_path / "perfbot.env"
    registration = Registration(1, "perfbot", "perfbot", "octo-org", "https://x/apps/perfbot",
                                app_keys().private_pem, SECRET)
    settings.write_text(env_file(registration, GitHubSite(emulator.api, emulator.api)))
    yield emulator, repo, settings


@asynccontextmanager
async def container(settings: Path, *options: str) -> AsyncIterator[str]:
    """``docker run`` the image with the env file; yields its base URL once it is healthy."""
    port = free_port()
    name = f"perfbot-test-{uuid.uuid4().hex[:8]}"
    docker("run", "-d", "--name", name, "--network", "host", "--env-file", str(settings),
           "-e", f"PORT={port}", "-e", "HOST=127.0.0.1", *options, IMAGE)
    base = f"http://127.0.0.1:{port}"
    try:
        async with aiohttp.ClientSession() as session:
            for _ in range(300):
                try:
                    async with session.get(f"{base}/healthz") as reply:
                        if reply.status == 200:
                            break
                except aiohttp.ClientError:
                    pass
                if docker("inspect", "-f", "{{.State.Running}}", name).stdout.strip() != "true":
                    break
                await asyncio.sleep(0.2)
            else:
                raise AssertionError("perfbot never became healthy")
        state = docker("inspect", "-f", "{{.State.Running}}", name).stdout.strip()
        assert state == "true", docker("logs", name).stderr
        yield base
    finally:
        logs = docker("logs", name, check=False)
        docker("rm", "-f", name, check=False)
        print(logs.stdout, logs.stderr)


async def deliver(emu: Emulator, base: str, event: str, payload: dict[str, object],
                  delivery_id: str) -> int:
    headers, body = emu.sign(event, payload, SECRET, delivery_id)
    async with aiohttp.ClientSession() as session, session.post(
        f"{base}/webhooks", data=body, headers=dict(headers)
    ) as reply:
        return reply.status


async def completed_runs(emu: Emulator, repo: Repo, sha: str) -> list[object]:
    """The check runs on ``sha`` once one is completed (the container works in the
    background after its 202)."""
    for _ in range(600):
        runs = emu.check_runs(repo, sha)
        if runs and all(r.status == "completed" for r in runs):
            return list(runs)
        await asyncio.sleep(0.1)
    raise AssertionError(f"no completed check run on {sha}: {emu.check_runs(repo, sha)}")


def open_pr(repo: Repo, emu: Emulator):  # type: ignore[no-untyped-def]
    repo.create_branch("feature")
    repo.commit("feature", {"src/a.py": "a = 1\n"}, message="change")
    return emu.open_pull_request(repo, head="feature", base="main")


async def test_the_image_runs_on_the_embedded_store_kept_in_its_volume(
    world: tuple[Emulator, Repo, Path], tmp_path: Path
) -> None:
    emu, repo, settings = world
    data = tmp_path / "data"
    data.mkdir()
    data.chmod(0o777)  # the image runs as uid 10001
    pr = open_pr(repo, emu)
    payload = emu.webhook_payload("pull_request", "opened", pr=pr)
    delivery = str(uuid.uuid4())
    async with container(settings, "-v", f"{data}:/data") as base:
        assert await deliver(emu, base, "pull_request", payload, delivery) == 202
        [run] = await completed_runs(emu, repo, pr.head_sha)
    stored = sorted(p.name for p in data.iterdir())
    assert "perfbot.sqlite3" in stored, stored  # PERFBOT_DATA_DIR=/data, in the volume
    # A second container starts on the store the first left in the volume, and GitHub's
    # redelivery of the same delivery leaves the one check run.
    async with container(settings, "-v", f"{data}:/data") as base:
        assert await deliver(emu, base, "pull_request", payload, delivery) in (200, 202)
        assert [r.id for r in await completed_runs(emu, repo, pr.head_sha)] == [run.id]


async def test_the_image_runs_on_postgresql(
    world: tuple[Emulator, Repo, Path], postgres_url: str
) -> None:
    """On the suite's PostgreSQL server (tests/postgres.py), reached over loopback."""
    emu, repo, settings = world
    pr = open_pr(repo, emu)
    payload = emu.webhook_payload("pull_request", "opened", pr=pr)
    delivery = str(uuid.uuid4())
    async with container(settings, "-e", f"PERFBOT_DATABASE_URL={postgres_url}") as base:
        assert await deliver(emu, base, "pull_request", payload, delivery) == 202
        [run] = await completed_runs(emu, repo, pr.head_sha)
    import asyncpg

    database = await asyncpg.connect(postgres_url)
    try:
        tables = {r["tablename"] for r in await database.fetch(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}
    finally:
        await database.close()
    assert tables, "the container created no table in PostgreSQL"
    # A second container on the same database: migrations already applied, the same run.
    async with container(settings, "-e", f"PERFBOT_DATABASE_URL={postgres_url}") as base:
        assert await deliver(emu, base, "pull_request", payload, delivery) in (200, 202)
        assert [r.id for r in await completed_runs(emu, repo, pr.head_sha)] == [run.id]


def compose_command() -> list[str] | None:
    """Compose v2 (`docker compose`) or v1 (`docker-compose`), whichever is installed."""
    if docker("compose", "version", check=False).returncode == 0:
        return ["docker", "compose"]
    return ["docker-compose"] if shutil.which("docker-compose") else None


@pytest.mark.skipif(not os.environ.get("PERFBOT_COMPOSE"),
                    reason="set PERFBOT_COMPOSE=1 to run compose.yaml (POSTGRES_IMAGE: another "
                    "PostgreSQL image where postgres:16 cannot be pulled)")
async def test_compose_runs_perfbot_on_postgresql(
    world: tuple[Emulator, Repo, Path], tmp_path: Path
) -> None:
    """compose.yaml as shipped, with the image built beforehand: perfbot becomes healthy
    on PostgreSQL, and a delivery it accepts is a row in PostgreSQL's delivery table."""
    compose = compose_command()
    assert compose is not None, "neither `docker compose` nor `docker-compose` is installed"
    emu, repo, settings = world
    project = tmp_path / "deploy"
    project.mkdir()
    shutil.copy(Path(__file__).parents[1] / "compose.yaml", project / "compose.yaml")
    shutil.copy(settings, project / "perfbot.env")
    port = free_port()
    (project / ".env").write_text(
        f"POSTGRES_PASSWORD={uuid.uuid4().hex}\nPERFBOT_PORT={port}\nPERFBOT_IMAGE={IMAGE}\n"
        + (f"POSTGRES_IMAGE={os.environ['POSTGRES_IMAGE']}\n"
           if os.environ.get("POSTGRES_IMAGE") else "")
    )
    name = f"perfbot{uuid.uuid4().hex[:8]}"

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*compose, "-p", name, *args], cwd=project, capture_output=True,
                              text=True, timeout=300, check=False)

    try:
        up = run("up", "-d", "--no-build")
        assert up.returncode == 0, up.stderr
        base = f"http://127.0.0.1:{port}"
        async with aiohttp.ClientSession() as session:
            for _ in range(300):
                with_health = docker("inspect", "-f", "{{.State.Health.Status}}",
                                     run("ps", "-q", "perfbot").stdout.strip(), check=False)
                if with_health.stdout.strip() == "healthy":
                    break
                await asyncio.sleep(0.5)
            else:
                raise AssertionError(run("logs").stdout)
            async with session.get(f"{base}/healthz") as reply:
                assert reply.status == 200
        pr = open_pr(repo, emu)
        payload = emu.webhook_payload("pull_request", "opened", pr=pr)
        assert await deliver(emu, base, "pull_request", payload, "compose-delivery-1") == 202
        rows = run("exec", "-T", "postgres", "psql", "-U", "perfbot", "-d", "perfbot", "-tA",
                   "-c", "SELECT id FROM perfbot_deliveries")
        assert rows.stdout.split() == ["compose-delivery-1"], rows.stdout + rows.stderr
    finally:
        print(run("logs").stdout[-4000:])
        run("down", "-v")
