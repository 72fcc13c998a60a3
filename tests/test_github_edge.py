"""The GitHub edge on its own: tokens, Enterprise Server URLs, secrets kept out of logs."""

from __future__ import annotations

import logging
from urllib.parse import unquote

import aiohttp
from aiohttp import web
from aiohttp.test_utils import TestServer
from emulator import Emulator, app_keys
from harness import APP_ID, INSTALLATION, SECRET, TEAM_CONFIG, Bot, World

from bot.github import contents
from bot.github.app import GitHubApp
from bot.github.auth import REFRESH_MARGIN, AppCredentials, InstallationTokens
from bot.github.client import GitHub


def minted(emu: Emulator) -> int:
    return sum(1 for r in emu.requests if r.path.endswith("/access_tokens"))


async def test_installation_token_is_reused_until_shortly_before_it_expires(world: World):
    now = [1_000_000.0]
    async with aiohttp.ClientSession() as session:
        credentials = AppCredentials(str(APP_ID), app_keys().private_pem)
        app = GitHubApp(session, base_url=world.emu.api, credentials=credentials)
        tokens = InstallationTokens(credentials, app.app_client, clock=lambda: now[0])
        first = await tokens.token(INSTALLATION)
        assert await tokens.token(INSTALLATION) == first
        assert minted(world.emu) == 1
        # GitHub's tokens live an hour; perfbot renews them REFRESH_MARGIN before the end.
        expires_at = world.emu.tokens[first].expires_at
        now[0] = expires_at - REFRESH_MARGIN - 1
        assert await tokens.token(INSTALLATION) == first
        now[0] = expires_at - REFRESH_MARGIN + 1
        renewed = await tokens.token(INSTALLATION)
        assert renewed != first and minted(world.emu) == 2


async def test_many_events_share_one_token_and_a_free_config_read(bot: Bot, world: World):
    world.repo.commit("main", {".github/performance.yml": TEAM_CONFIG})
    world.repo.create_branch("feature")
    world.repo.commit("feature", {f"src/f{i}.py": f"x = {i}\n" for i in range(100)})
    pr = world.emu.open_pull_request(world.repo, head="feature", base="main")
    await bot.send("pull_request", "opened", pr=pr)
    world.repo.commit("feature", {"src/f0.py": "x = -1\n"})
    before = len(world.emu.requests)
    await bot.send("pull_request", "synchronize", pr=pr)
    sync = world.emu.requests[before:]
    assert minted(world.emu) == 1
    config_reads = [r for r in sync if r.operation_id == "repos/get-content"]
    assert [r.status for r in config_reads] == [304]
    # The pull request as it stands (the delivery may be late), its files, the checklist,
    # and the check run created with its verdict (tests/test_requests.py has the detail).
    assert sum(r.charged for r in sync) <= 4


async def test_enterprise_server_paths_keep_the_api_prefix():
    seen: list[str] = []

    async def handler(request: web.Request) -> web.Response:
        seen.append(request.raw_path)
        return web.json_response({"message": "Not Found"}, status=404)

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handler)
    async with TestServer(app, host="127.0.0.1") as server, aiohttp.ClientSession() as session:
        base = f"http://127.0.0.1:{server.port}/api/v3"
        gh = GitHub(session, base_url=base, oauth_token="t")
        assert await contents.config_source(gh, "octo-org/service", "release/2.x") is None
    [path] = [unquote(p) for p in seen]
    assert path == "/api/v3/repos/octo-org/service/contents/.github/performance.yml?ref=release/2.x"


async def test_no_secret_reaches_the_logs(bot: Bot, world: World, caplog):
    caplog.set_level(logging.DEBUG)
    world.repo.commit("main", {".github/performance.yml": TEAM_CONFIG})
    world.repo.create_branch("feature")
    world.repo.commit("feature", {"src/a.py": "a\n"})
    pr = world.emu.open_pull_request(world.repo, head="feature", base="main")
    world.emu.inject("GET", r"/pulls/\d+/files", status=502)
    world.emu.inject("POST", r"/check-runs$", status=403, headers={"retry-after": "0"})
    world.emu.inject("GET", r"/contents/", status=503, times=4)
    await bot.send("pull_request", "opened", pr=pr)  # fails: config unreadable
    await bot.send("pull_request", "reopened", pr=pr)
    logged = "\n".join(
        [r.getMessage() for r in caplog.records]
        + [r.exc_text or "" for r in caplog.records]
        + [caplog.text]
    )
    assert "GitHub" in logged  # the faults were logged...
    secrets = [SECRET, *world.emu.tokens, "PRIVATE KEY"]
    assert not [s for s in secrets if s in logged]  # ...without a secret in them
