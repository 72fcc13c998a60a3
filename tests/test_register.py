"""``perfbot register``: GitHub's manifest flow, run as a real process against the emulator.

The test plays the browser: it opens the page the command serves, posts its form to the
emulator's "new GitHub App" page as the page's script would, and follows GitHub's redirect
back to the command, which exchanges the code and writes the env file.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import socket
import stat
import sys
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import aiohttp
import jwt
import pytest
from emulator import Emulator
from emulator.manifests import manifest_problems

from bot.app.settings import from_env
from bot.local.registration import env_file, github_site, manifest
from bot.register_cli import _read_manifest

ROOT = Path(__file__).resolve().parents[1]
OPEN_LINE = re.compile(r"Open (http://127\.0\.0\.1:\d+)/ ")


# --- the pieces


@pytest.mark.parametrize(
    ("given", "web", "api"),
    [
        (None, "https://github.com", "https://api.github.com"),
        ("https://github.com/", "https://github.com", "https://api.github.com"),
        ("https://ghe.example.com", "https://ghe.example.com", "https://ghe.example.com/api/v3"),
        ("https://ghe.example.com/api/v3/", "https://ghe.example.com",
         "https://ghe.example.com/api/v3"),
        ("http://10.0.0.5:8443", "http://10.0.0.5:8443", "http://10.0.0.5:8443/api/v3"),
        ("https://octo.ghe.com", "https://octo.ghe.com", "https://api.octo.ghe.com"),
    ],
)
def test_where_github_is(given: str | None, web: str, api: str) -> None:
    site = github_site(given)
    assert (site.web, site.api) == (web, api)


def test_the_new_app_page_for_an_account_or_an_organisation() -> None:
    site = github_site(None)
    assert site.new_app_url(None, "s1") == "https://github.com/settings/apps/new?state=s1"
    assert (site.new_app_url("octo-org", "s1")
            == "https://github.com/organizations/octo-org/settings/apps/new?state=s1")
    ghes = github_site("https://ghe.example.com")
    assert (ghes.new_app_url("octo-org", "s1")
            == "https://ghe.example.com/organizations/octo-org/settings/apps/new?state=s1")


@pytest.mark.parametrize("bad", ["ghe.example.com", "ftp://ghe.example.com", "https://"])
def test_a_github_url_that_is_not_one_is_refused(bad: str, tmp_path: Path) -> None:
    done = _run_sync(tmp_path, "--github-url", bad)
    assert done.returncode == 2
    assert "--github-url" in done.stderr
    assert not os.listdir(tmp_path)


def test_app_yml_is_a_manifest_github_accepts() -> None:
    """Every event it subscribes to is covered by a permission it asks for, and it has the
    redirect_url the flow needs."""
    data = manifest(_read_manifest(None), redirect_url="http://127.0.0.1:8976/registered")
    assert manifest_problems(data) == []
    assert data["redirect_url"] == "http://127.0.0.1:8976/registered"
    # The file's webhook address is a placeholder: no delivery may go there.
    assert data["hook_attributes"]["active"] is False
    chosen = manifest(_read_manifest(None), redirect_url="http://127.0.0.1:1/registered",
                      webhook_url="https://perfbot.acme.test/webhooks", name="perfbot-acme")
    assert chosen["hook_attributes"] == {"url": "https://perfbot.acme.test/webhooks",
                                         "active": True}
    assert chosen["name"] == "perfbot-acme"


# --- the flow, end to end


@dataclass
class Registering:
    process: asyncio.subprocess.Process
    base: str  # the local page
    lines: list[str]

    async def finish(self) -> tuple[int, str, str]:
        out, err = await asyncio.wait_for(self.process.communicate(), 60)
        return self.process.returncode or 0, "".join(self.lines) + out.decode(), err.decode()


@asynccontextmanager
async def registering(tmp_path: Path, *args: str) -> AsyncIterator[Registering]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "register", "--no-browser", "--port", "0", *args,
        cwd=tmp_path, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert process.stdout is not None
    lines: list[str] = []
    try:
        while True:
            line = (await asyncio.wait_for(process.stdout.readline(), 60)).decode()
            if not line:
                err = await process.stderr.read() if process.stderr else b""
                raise AssertionError(f"perfbot register ended early: {err.decode()}")
            lines.append(line)
            if found := OPEN_LINE.search(line):
                break
        yield Registering(process, found[1], lines)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


class _Form(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.action = ""
        self.fields: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = dict(attrs)
        if tag == "form":
            self.action = named.get("action") or ""
        if tag == "input" and named.get("name"):
            self.fields[named["name"] or ""] = named.get("value") or ""


async def browse(run: Registering) -> tuple[int, str]:
    """What a browser does: load the page, submit its form, follow GitHub's redirect."""
    async with aiohttp.ClientSession() as browser:
        async with browser.get(run.base + "/") as page:
            assert page.status == 200
            form = _Form()
            form.feed(await page.text())
        async with browser.post(form.action, data=form.fields) as back:
            return back.status, await back.text()


def read_env(path: Path) -> dict[str, str]:
    """The file as `docker run --env-file` reads it: NAME=value, literally, # comments."""
    values = {}
    for line in path.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, value = line.partition("=")
            values[name] = value
    return values


async def app_authenticates(emu: Emulator, settings_api: str, app_id: str, pem: str) -> int:
    token = jwt.encode({"iat": int(emu.time()) - 60, "exp": int(emu.time()) + 500,
                        "iss": app_id}, pem, algorithm="RS256")
    headers = {"Authorization": f"Bearer {token}", "User-Agent": "test",
               "Accept": "application/vnd.github+json"}
    async with aiohttp.ClientSession() as session, \
            session.get(f"{settings_api}/app", headers=headers) as reply:
        assert reply.status == 200
        return int((await reply.json())["id"])


@pytest.mark.parametrize("org", [None, "octo-org"])
async def test_registers_on_enterprise_server_and_writes_the_settings(
    emulator: Emulator, tmp_path: Path, org: str | None
) -> None:
    """GitHub Enterprise Server: the web pages at the host, the API under /api/v3."""
    extra = ("--org", org) if org else ()
    async with registering(tmp_path, "--github-url", emulator.api,
                           "--webhook-url", "https://perfbot.acme.test/webhooks", *extra) as run:
        status, text = await browse(run)
        code, out, err = await run.finish()
    assert (status, code) == (200, 0), (text, err)
    (app_id, done), = emulator.registered.items()
    assert done.owner == (org or emulator.web_user)
    assert done.manifest["redirect_url"] == f"{run.base}/registered"
    assert done.manifest["hook_attributes"] == {"url": "https://perfbot.acme.test/webhooks",
                                                "active": True}

    written = tmp_path / "perfbot.env"
    assert stat.S_IMODE(written.stat().st_mode) == 0o600
    values = read_env(written)
    settings = from_env(values)
    assert settings.app_id == str(app_id)
    assert settings.webhook_secret == done.webhook_secret
    assert settings.api_url == f"{emulator.api}/api/v3"
    # The key it wrote is the App's: a JWT it signs authenticates as the new App.
    assert await app_authenticates(emulator, settings.api_url, settings.app_id,
                                   settings.private_key) == app_id

    said = out + err + text
    assert f"id {app_id}" in out and "perfbot.env" in out
    assert "perfbot.env" in text  # the browser's last page says where the settings went
    for secret in (done.webhook_secret, done.client_secret, *done.private_pem.splitlines()[1:-1]):
        assert secret not in said
    assert os.listdir(tmp_path) == ["perfbot.env"]  # no temporary file left


async def test_without_a_webhook_url_the_webhook_stays_off(
    emulator: Emulator, tmp_path: Path
) -> None:
    async with registering(tmp_path, "--github-url", emulator.api) as run:
        status, _ = await browse(run)
        code, out, _ = await run.finish()
    assert (status, code) == (200, 0)
    (_, done), = emulator.registered.items()
    assert done.manifest["hook_attributes"]["active"] is False
    assert "webhook is off" in out


async def test_a_callback_from_elsewhere_is_refused_and_the_run_keeps_waiting(
    emulator: Emulator, tmp_path: Path
) -> None:
    async with registering(tmp_path, "--github-url", emulator.api) as run:
        async with aiohttp.ClientSession() as other, other.get(
            f"{run.base}/registered", params={"code": "0123456789", "state": "forged"}
        ) as forged:
            assert forged.status == 400
        assert not emulator.registered and run.process.returncode is None
        status, _ = await browse(run)
        code, _, _ = await run.finish()
    assert (status, code) == (200, 0)
    assert len(emulator.registered) == 1
    assert not any(r.path.endswith("/0123456789/conversions") for r in emulator.requests)


async def test_a_spent_code_is_one_clear_line_and_no_file(
    emulator: Emulator, tmp_path: Path
) -> None:
    done = await _run(tmp_path, "--github-url", emulator.api, "--code", "deadbeef")
    assert done[0] == 1
    assert done[2].count("\n") == 1 and "good once, for an hour" in done[2]
    assert "Traceback" not in done[2]
    assert not os.listdir(tmp_path)
    assert [r.path for r in emulator.requests] == ["/app-manifests/deadbeef/conversions"]


async def test_a_code_copied_from_the_browser_is_exchanged_with_code(
    emulator: Emulator, tmp_path: Path
) -> None:
    """The remote-machine path: the browser could not reach the command, so the person
    copies `code` from the address GitHub sent it to."""
    data = manifest(_read_manifest(None), redirect_url="http://127.0.0.1:9/registered")
    async with aiohttp.ClientSession() as browser, browser.post(
        f"{emulator.api}/settings/apps/new", params={"state": "x"},
        data={"manifest": json.dumps(data)}, allow_redirects=False,
    ) as created:
        assert created.status == 302
        code = parse_qs(urlsplit(created.headers["Location"]).query)["code"][0]
    done = await _run(tmp_path, "--github-url", emulator.api, "--code", code)
    assert done[0] == 0, done[2]
    (app_id, _), = emulator.registered.items()
    assert from_env(read_env(tmp_path / "perfbot.env")).app_id == str(app_id)


def test_a_port_in_use_is_one_clear_line(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = _run_sync(tmp_path, "--port", str(port))
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and f"cannot listen on 127.0.0.1:{port}" in done.stderr
    assert not list(tmp_path.iterdir())


def test_an_existing_env_file_is_left_alone(tmp_path: Path) -> None:
    (tmp_path / "perfbot.env").write_text("GITHUB_APP_ID=1\n")
    done = _run_sync(tmp_path, "--port", "0")
    assert done.returncode == 2 and "--force" in done.stderr
    assert (tmp_path / "perfbot.env").read_text() == "GITHUB_APP_ID=1\n"


def test_the_env_file_means_the_same_to_docker_and_to_perfbot(tmp_path: Path) -> None:
    from emulator import app_keys

    from bot.github.manifests import Registration

    keys = app_keys()
    registration = Registration(9, "perfbot-acme", "perfbot-acme", "acme", "https://x/apps/p",
                                keys.private_pem, "hook-secret")
    text = env_file(registration, github_site(None))
    assert "GITHUB_API_URL" not in text  # github.com is the default
    path = tmp_path / "perfbot.env"
    path.write_text(text)
    settings = from_env(read_env(path))
    assert settings.private_key.strip() == keys.private_pem.strip()
    assert (settings.app_id, settings.webhook_secret) == ("9", "hook-secret")
    assert repr(registration).count("hook-secret") == 0
    assert "PRIVATE" not in repr(registration)


# --- helpers


async def _run(tmp_path: Path, *args: str) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "register", "--no-browser", "--port", "0", *args,
        cwd=tmp_path, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    out, err = await asyncio.wait_for(process.communicate(), 60)
    return process.returncode or 0, out.decode(), err.decode()


def _run_sync(tmp_path: Path, *args: str):  # type: ignore[no-untyped-def]
    import subprocess

    return subprocess.run(
        [sys.executable, "-m", "bot", "register", "--no-browser", *args],
        cwd=tmp_path, capture_output=True, text=True, timeout=60,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


@pytest.mark.skipif(shutil.which("chromium") is None, reason="no chromium to run the page in")
async def test_a_real_browser_runs_the_page_to_the_end(
    emulator: Emulator, tmp_path: Path
) -> None:
    """Headless Chromium opens the local page; its script posts the form to GitHub, which
    sends it back to the command: nobody clicks anything."""
    profile = tempfile.mkdtemp(prefix="perfbot-chromium-")
    try:
        async with registering(tmp_path, "--github-url", emulator.api) as run:
            browser = await asyncio.create_subprocess_exec(
                "chromium", "--headless", "--no-sandbox", "--disable-gpu",
                "--no-first-run", f"--user-data-dir={profile}", "--virtual-time-budget=20000",
                "--dump-dom", f"{run.base}/",
                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL,
            )
            code, _, err = await run.finish()
            dom, _ = await asyncio.wait_for(browser.communicate(), 60)
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    assert code == 0, err
    assert len(emulator.registered) == 1
    assert "perfbot is registered" in dom.decode()
    assert os.listdir(tmp_path) == ["perfbot.env"]
