"""The App under test, wired to the emulator as its GitHub, driven by signed deliveries."""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest_asyncio
from aiohttp.test_utils import TestClient, TestServer
from emulator import Emulator, Repo, app_keys

from bot.app.server import INTAKE, create_app
from bot.app.settings import Settings
from bot.github.retry import RetryPolicy

SECRET = "test-webhook-secret"
APP_ID = 1
INSTALLATION = 7
# Real backoff, scaled down so fault tests take milliseconds.
FAST = RetryPolicy(attempts=4, base_delay=0.01, max_delay=0.05, secondary_default=0.05)
TEAM_CONFIG = """\
version: 1
rules:
  design_record:
    when:
      paths: ["src/**"]
"""


@dataclass
class World:
    emu: Emulator
    repo: Repo
    store_url: str  # the store every perfbot process of the test shares (a restart keeps it)


@dataclass
class Bot:
    emu: Emulator
    client: TestClient

    async def deliver(
        self, event: str, payload: dict[str, Any], *, delivery_id: str | None = None,
        settle: bool = True,
    ) -> int:
        """GitHub delivers ``event`` to the App's webhook (recorded in ``emu.deliveries``);
        the status the bot answered."""
        attempt = await self.emu.deliver(event, payload,
                                         delivery_id=delivery_id or str(uuid.uuid4()))
        if settle:
            await self.settle()
        return attempt.status_code

    async def send(self, event: str, action: str | None = None, **kwargs: Any) -> int:
        return await self.deliver(event, self.emu.webhook_payload(event, action, **kwargs))

    async def settle(self) -> None:
        """Until nothing is left to do: redeliveries GitHub was asked for, and the work."""
        await self.emu.delivered()
        await self.client.app[INTAKE].drain()


@pytest_asyncio.fixture
async def world(emulator: Emulator, tmp_path: Path) -> World:
    emulator.register_app(app_keys().public_pem, app_id=APP_ID)
    emulator.add_installation(INSTALLATION, "octo-org")
    repo = emulator.add_repo("octo-org/service", installation_id=INSTALLATION)
    return World(emulator, repo, store_url(tmp_path))


def store_url(directory: Path) -> str:
    """The embedded store in ``directory``."""
    return f"sqlite:///{directory / 'perfbot.sqlite3'}"


def open_pr(world: World, files: dict[str, str | bytes | None], **kwargs: Any) -> Any:
    """A pull request from a new branch ``feature`` that commits ``files`` onto ``main``."""
    world.repo.create_branch("feature")
    world.repo.commit("feature", files, message="change")
    return world.emu.open_pull_request(world.repo, head="feature", base="main", **kwargs)


@asynccontextmanager
async def running_bot(emulator: Emulator, database_url: str | None = None, *,
                      settings: dict[str, Any] | None = None,
                      **app_options: Any) -> AsyncIterator[Bot]:
    """A perfbot process serving on 127.0.0.1 with the emulator as its GitHub; each one
    starts with nothing in memory (a second one on the same ``database_url`` is a
    restart: what the store holds survives). Without a URL, a store of its own.
    ``settings`` overrides some of its settings."""
    with tempfile.TemporaryDirectory(prefix="perfbot-store-") as scratch:
        configured = Settings(
            app_id=str(APP_ID),
            private_key=app_keys().private_pem,
            webhook_secret=SECRET,
            api_url=emulator.api,
            database_url=database_url or store_url(Path(scratch)),
            **(settings or {}),
        )
        app = create_app(configured, policy=app_options.pop("policy", FAST), **app_options)
        client = TestClient(TestServer(app, host="127.0.0.1"))
        await client.start_server()
        # The App's webhook points here while this process runs (a load balancer in front
        # of whichever one is up); once it stops, at the process that was there before.
        before, here = emulator.hook_url, str(client.make_url("/webhooks"))
        emulator.hook_url, emulator.hook_secret = here, SECRET
        try:
            yield Bot(emulator, client)
        finally:
            await client.close()
            if emulator.hook_url == here:
                emulator.hook_url = before


@pytest_asyncio.fixture
async def bot(emulator: Emulator, world: World) -> AsyncIterator[Bot]:
    async with running_bot(emulator, world.store_url) as running:
        yield running


ORG_CONFIG = """\
version: 1
check_name: Org performance
rules:
  design_record:
    severity: warning
    when:
      paths: ["api/**"]
      labels: [architecture]
"""


def org_repo(world: World, text: str = ORG_CONFIG) -> Repo:
    """The organisation's `.github` repository, holding its default config."""
    org = world.emu.add_repo("octo-org/.github", installation_id=INSTALLATION)
    org.commit("main", {".github/performance.yml": text}, message="org defaults")
    return org
