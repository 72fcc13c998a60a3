"""What ``perfbot register`` sends and writes, as plain values: where GitHub is, the manifest
posted to it, the local page that posts it, and the env file made of GitHub's answer.

Nothing here does I/O; ``bot/register_cli.py`` serves the page, ``bot/github/manifests.py``
makes the one request, and the command writes the file.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlencode, urlsplit

from ruamel.yaml import YAML

if TYPE_CHECKING:
    from bot.github.manifests import Registration

GITHUB_COM = "https://github.com"
PLACEHOLDER_HOOK = "https://perfbot.example.com/webhooks"
# What one line of an env file may hold: docker's --env-file reads values literally (no
# quotes, no escapes), so a value must not carry a newline or a leading/trailing space.
_ENV_SAFE = re.compile(r"[^\r\n]*")


class RegistrationError(ValueError):
    """The registration cannot go ahead; the message says why and never shows a secret."""


@dataclass(frozen=True, slots=True)
class GitHubSite:
    """Where a GitHub lives: its web pages and its REST API."""

    web: str
    api: str

    @property
    def is_github_com(self) -> bool:
        return self.api == "https://api.github.com"

    def new_app_url(self, org: str | None, state: str) -> str:
        """The page the manifest is posted to, for a personal account or an organisation."""
        where = f"/organizations/{quote(org, safe='')}" if org else ""
        return f"{self.web}{where}/settings/apps/new?{urlencode({'state': state})}"


def github_site(url: str | None) -> GitHubSite:
    """github.com by default; ``https://HOST`` is GitHub Enterprise Server (API at
    ``HOST/api/v3``); ``https://NAME.ghe.com`` is GitHub Enterprise Cloud with data
    residency (API at ``api.NAME.ghe.com``)."""
    raw = (url or GITHUB_COM).strip().rstrip("/")
    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise RegistrationError(
            f"--github-url must be an http(s) URL such as https://github.example.com, not {raw!r}"
        )
    if parts.query or parts.fragment:
        raise RegistrationError("--github-url takes the site's address only, without ? or #")
    path = parts.path.removesuffix("/api/v3").rstrip("/")
    web = f"{parts.scheme}://{parts.netloc}{path}"
    host = parts.hostname.lower()
    if host in ("github.com", "www.github.com", "api.github.com") and not path:
        return GitHubSite(GITHUB_COM, "https://api.github.com")
    if host.endswith(".ghe.com") and not path:
        bare = parts.netloc.lower().removeprefix("api.")
        return GitHubSite(f"{parts.scheme}://{bare}", f"{parts.scheme}://api.{bare}")
    return GitHubSite(web, f"{web}/api/v3")


def manifest(app_yml: str, *, redirect_url: str, name: str | None = None,
             webhook_url: str | None = None) -> dict[str, Any]:
    """app.yml as the JSON GitHub's manifest flow takes, pointed at this run's callback.

    Without ``webhook_url`` the App is created with its webhook off (``active: false``): the
    file's URL is a placeholder, and no delivery should go there.
    """
    loaded = YAML(typ="safe").load(app_yml)
    if not isinstance(loaded, dict) or not isinstance(loaded.get("hook_attributes"), dict):
        raise RegistrationError("app.yml is not a GitHub App manifest (no hook_attributes)")
    data: dict[str, Any] = json.loads(json.dumps(loaded))  # plain, JSON-safe values only
    data["redirect_url"] = redirect_url
    if name is not None:
        if not name.strip():
            raise RegistrationError("--name must not be empty")
        data["name"] = name.strip()
    hook = data["hook_attributes"]
    if webhook_url is not None:
        parts = urlsplit(webhook_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise RegistrationError(
                "--webhook-url must be an http(s) URL, e.g. https://perfbot.example.org/webhooks"
            )
        hook["url"], hook["active"] = webhook_url, True
    elif hook.get("url") == PLACEHOLDER_HOOK:
        hook["active"] = False
    return data


def page(action: str, manifest_json: dict[str, Any]) -> str:
    """The local page: a form that posts the manifest to GitHub, sent at once by a script
    (the button is there for a browser that runs none)."""
    value = html.escape(json.dumps(manifest_json), quote=True)
    where = html.escape(urlsplit(action)._replace(query="").geturl(), quote=True)
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Register perfbot</title></head>
<body>
<form id="register" method="post" action="{html.escape(action, quote=True)}">
<p>Creating the GitHub App <strong>{html.escape(str(manifest_json.get("name", "")))}</strong>
at {where} from perfbot's manifest.</p>
<input type="hidden" name="manifest" value="{value}">
<button type="submit">Continue to GitHub</button>
</form>
<script>document.getElementById("register").submit();</script>
</body></html>
"""


def message_page(title: str, text: str) -> str:
    return (f'<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>'
            f"{html.escape(title)}</title></head>\n<body><h1>{html.escape(title)}</h1>"
            f"<p>{html.escape(text)}</p></body></html>\n")


def env_file(registration: Registration, site: GitHubSite, *,
             now: datetime | None = None) -> str:
    """The settings ``perfbot serve`` needs, one ``NAME=value`` a line.

    The private key is written on one line with ``\\n`` escapes (perfbot reads them back):
    ``docker run --env-file`` and Compose's ``env_file`` take neither quotes nor multi-line
    values the same way, and this form means the same to both.
    """
    when = (now or datetime.now(UTC)).strftime("%Y-%m-%d %H:%M UTC")
    values = {
        "GITHUB_APP_ID": str(registration.app_id),
        "GITHUB_PRIVATE_KEY": registration.pem.strip().replace("\r\n", "\n").replace("\n", "\\n"),
    }
    if registration.webhook_secret:
        values["GITHUB_WEBHOOK_SECRET"] = registration.webhook_secret
    if not site.is_github_com:
        values["GITHUB_API_URL"] = site.api
    for key, value in values.items():
        if not _ENV_SAFE.fullmatch(value) or value != value.strip():
            raise RegistrationError(f"GitHub's {key} cannot be written on one env-file line")
    lines = [
        f"# The GitHub App {registration.slug} (id {registration.app_id}), registered "
        f"{when} by perfbot register.",
        "# Secrets: keep this file private. Use it with `docker run --env-file` or Compose's",
        "# `env_file:`.",
        *(f"{key}={value}" for key, value in values.items()),
    ]
    return "\n".join(lines) + "\n"
