"""``perfbot register``: create perfbot's GitHub App from ``app.yml`` by GitHub's manifest flow.

A page served on 127.0.0.1 posts the manifest to GitHub's "new GitHub App" page (a personal
account's, or ``--org``'s); once you confirm there, GitHub sends the browser back to this
command with a one-time code, which it exchanges for the App's id, private key and webhook
secret, written to an env file readable by you alone (mode 0600). No secret is printed.
``--github-url https://HOST`` registers on GitHub Enterprise Server (API at HOST/api/v3).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hmac
import os
import secrets
import sys
import tempfile
import threading
import webbrowser
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import aiohttp
from aiohttp import web

from bot.github.client import GitHub
from bot.github.manifests import ConversionFailed, Registration, convert
from bot.local.registration import (
    GitHubSite,
    RegistrationError,
    env_file,
    github_site,
    manifest,
    message_page,
    page,
)

DEFAULT_PORT = 8976
CALLBACK = "/registered"
EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--org", help="register the App for this organisation (you must own "
                        "it) instead of your personal account")
    parser.add_argument("--github-url", metavar="URL", help="where GitHub is (default "
                        "https://github.com); GitHub Enterprise Server: https://HOST")
    parser.add_argument("--webhook-url", metavar="URL", help="where GitHub will send "
                        "deliveries, https://YOUR-HOST/webhooks (default: app.yml's "
                        "placeholder, with the webhook off until you set it)")
    parser.add_argument("--name", help="the App's name (default: app.yml's; names are unique "
                        "on a GitHub, and GitHub lets you change it before creating)")
    parser.add_argument("--env-file", type=Path, default=Path("perfbot.env"),
                        help="where to write the settings (default: perfbot.env)")
    parser.add_argument("--force", action="store_true", help="replace an existing env file")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="port of the local "
                        f"page on 127.0.0.1 (default {DEFAULT_PORT}; 0: any free port)")
    parser.add_argument("--no-browser", action="store_true",
                        help="print the local page's address instead of opening a browser")
    parser.add_argument("--manifest", type=Path, metavar="FILE",
                        help="another manifest instead of perfbot's app.yml")
    parser.add_argument("--code", help="exchange a code GitHub already gave (the `code` in "
                        "the address GitHub sent the browser to) instead of starting over")


@dataclass
class _Run:
    args: argparse.Namespace
    site: GitHubSite
    app_yml: str
    state: str
    pending: Path  # the env file's private temporary twin, made before anything is asked
    keep_pending: bool = False  # it holds secrets that found no other home
    exchanging: bool = False  # one code per run: a second callback is told so


def run(args: argparse.Namespace) -> int:
    try:
        site = github_site(args.github_url)
        app_yml = _read_manifest(args.manifest)
        manifest(app_yml, redirect_url="http://127.0.0.1/", name=args.name,
                 webhook_url=args.webhook_url)  # refuse a bad manifest before listening
        if not 0 <= args.port <= 65_535:
            raise RegistrationError("--port must be from 0 to 65535")
        pending = _reserve(args.env_file, force=args.force)
    except RegistrationError as exc:
        print(f"perfbot: {exc}", file=sys.stderr)
        return EXIT_USAGE
    flow = _Run(args, site, app_yml, secrets.token_urlsafe(24), pending)
    try:
        return asyncio.run(_register(flow))
    except KeyboardInterrupt:
        print("perfbot: stopped; no App was registered by this run", file=sys.stderr)
        return EXIT_FAILED
    finally:
        if not flow.keep_pending:
            pending.unlink(missing_ok=True)


async def _register(flow: _Run) -> int:
    async with aiohttp.ClientSession() as session:
        gh = GitHub(session, base_url=flow.site.api)
        if flow.args.code:
            return _finish(flow, await _exchange(gh, flow.args.code))[0]
        return await _serve(flow, gh)


async def _exchange(gh: GitHub, code: str) -> Registration | str:
    """The new App, or why there is none."""
    try:
        return await convert(gh, code)
    except ConversionFailed as exc:
        return str(exc)
    except (aiohttp.ClientError, TimeoutError, OSError) as exc:
        return f"cannot reach GitHub at {gh.base_url} ({exc.__class__.__name__}: {exc})"


def _finish(flow: _Run, outcome: Registration | str) -> tuple[int, str]:
    """Write the env file and say what happened: the exit code and a line for the browser."""
    if isinstance(outcome, str):
        print(f"perfbot: {outcome}", file=sys.stderr)
        return EXIT_FAILED, outcome
    registration = outcome
    try:
        written = _write(flow, env_file(registration, flow.site))
    except (RegistrationError, OSError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        line = (f"registered the App {registration.slug} (id {registration.app_id}) but cannot "
                f"write {flow.args.env_file} ({reason}); generate a private key on its "
                f"settings page, {registration.html_url}")
        print(f"perfbot: {line}", file=sys.stderr)
        return EXIT_FAILED, line
    names = ["GITHUB_APP_ID", "GITHUB_PRIVATE_KEY"]
    if registration.webhook_secret:
        names.append("GITHUB_WEBHOOK_SECRET")
    if not flow.site.is_github_com:
        names.append("GITHUB_API_URL")
    owner = f" for {registration.owner}" if registration.owner else ""
    print(f"Registered the GitHub App {registration.slug} (id {registration.app_id}){owner}: "
          f"{registration.html_url}")
    print(f"Wrote {', '.join(names)} to {written} (mode 0600).")
    if written != flow.args.env_file:
        print(f"({flow.args.env_file} appeared while this ran, so it was left alone.)")
    if not registration.webhook_secret:
        print("GitHub sent no webhook secret: set one on the App's settings page and add it "
              f"to {written} as GITHUB_WEBHOOK_SECRET.")
    if not flow.args.webhook_url:
        print("Its webhook is off: on the App's settings page, set the webhook URL to "
              "https://YOUR-HOST/webhooks and tick Active once perfbot runs there.")
    install = f"{registration.html_url}/installations/new" if registration.html_url else ""
    if install:
        print(f"Next: install it on your repositories at {install}")
    return EXIT_OK, (f"Registered {registration.slug} (id {registration.app_id}); its settings "
                     f"are in {written}. " + (f"Install it at {install}. " if install else "")
                     + "You can close this tab.")


async def _serve(flow: _Run, gh: GitHub) -> int:
    done: asyncio.Future[int] = asyncio.get_running_loop().create_future()
    address: dict[str, str] = {}

    async def start(request: web.Request) -> web.Response:
        redirect = f"{address['base']}{CALLBACK}"
        data = manifest(flow.app_yml, redirect_url=redirect, name=flow.args.name,
                        webhook_url=flow.args.webhook_url)
        action = flow.site.new_app_url(flow.args.org, flow.state)
        return _html(200, page(action, data))

    async def registered(request: web.Request) -> web.Response:
        given = request.query.get("state", "")
        if not hmac.compare_digest(given.encode(), flow.state.encode()):
            return _html(400, message_page(
                "Not this registration",
                "This address does not come from the perfbot register run now waiting "
                "(its state does not match). Start again from the address it printed."))
        code = request.query.get("code", "")
        if not code:
            return _html(400, message_page("No code", "GitHub sent no code back."))
        if flow.exchanging:
            return _html(409, message_page("Already done", "This run has taken its code; "
                                           "see the terminal."))
        flow.exchanging = True
        exit_code, line = _finish(flow, await _exchange(gh, code))
        done.set_result(exit_code)
        if exit_code != EXIT_OK:
            return _html(502, message_page("Registration failed", line))
        return _html(200, message_page("perfbot is registered", line))

    app = web.Application()
    app.router.add_get("/", start)
    app.router.add_get(CALLBACK, registered)
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
    await runner.setup()
    try:
        try:
            await web.TCPSite(runner, "127.0.0.1", flow.args.port).start()
        except OSError as exc:
            print(f"perfbot: cannot listen on 127.0.0.1:{flow.args.port} ({exc.strerror}); "
                  "pass --port with a free port, or 0", file=sys.stderr)
            return EXIT_USAGE
        port = runner.addresses[0][1]
        address["base"] = f"http://127.0.0.1:{port}"
        target = "your organisation " + flow.args.org if flow.args.org else "your account"
        print(f"Open {address['base']}/ in a browser signed in to {flow.site.web}: it posts "
              f"perfbot's manifest to GitHub to create the App for {target}.", flush=True)
        print("Waiting for GitHub to send the browser back (Ctrl-C to stop)…", flush=True)
        if not flow.args.no_browser:
            _open_browser(f"{address['base']}/")
        return await done
    finally:
        await runner.cleanup()


def _open_browser(url: str) -> None:
    """A graphical browser, where there is one: on a terminal without a display Python
    would start a text browser in the foreground, which cannot run the page's script."""
    if sys.platform not in ("darwin", "win32") and not (
        os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
    ):
        return

    def attempt() -> None:
        with contextlib.suppress(Exception):
            webbrowser.open(url)

    threading.Thread(target=attempt, daemon=True).start()  # a browser may block: never wait


def _html(status: int, text: str) -> web.Response:
    return web.Response(status=status, text=text, content_type="text/html",
                        headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"})


def _read_manifest(path: Path | None) -> str:
    try:
        if path is not None:
            return path.read_text(encoding="utf-8")
        packaged = resources.files("bot").joinpath("_app.yml")
        if packaged.is_file():
            return packaged.read_text(encoding="utf-8")
        return (Path(__file__).parents[1] / "app.yml").read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
        raise RegistrationError(f"cannot read the manifest {path or 'app.yml'}: {reason}") from None


def _reserve(target: Path, *, force: bool) -> Path:
    """A private file beside ``target`` (mode 0600 from birth), made before GitHub is asked,
    so the secrets it answers with always have somewhere to go."""
    if target.exists() and not force:
        raise RegistrationError(f"{target} exists; pass --force to replace it, or --env-file")
    if target.is_dir():
        raise RegistrationError(f"{target} is a directory")
    try:
        handle, name = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    except OSError as exc:
        raise RegistrationError(f"cannot write in {target.parent}: {exc.strerror}") from None
    os.close(handle)
    return Path(name)


def _write(flow: _Run, text: str) -> Path:
    """Fill the reserved file, then give it the env file's name in one step."""
    target: Path = flow.args.env_file
    fd = os.open(flow.pending, os.O_WRONLY | os.O_TRUNC)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        os.fchmod(handle.fileno(), 0o600)
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    if flow.args.force:
        os.replace(flow.pending, target)
        return target
    try:
        os.link(flow.pending, target)  # fails if the name was taken meanwhile
    except FileExistsError:
        flow.keep_pending = True
        return flow.pending
    flow.pending.unlink()
    return target

