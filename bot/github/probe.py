"""At start, one look at GitHub as the App: is it reachable, and does it accept our key?"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import aiohttp
from gidgethub import BadRequest, GitHubBroken, HTTPException, apps

from bot.github.auth import AppCredentials
from bot.github.client import GitHub
from bot.github.retry import RetryPolicy

TIMEOUT = aiohttp.ClientTimeout(total=15, connect=10)


@dataclass(frozen=True, slots=True)
class Reached:
    ok: bool
    message: str  # one line for the operator, naming no secret
    slug: str = ""


async def reach(session: aiohttp.ClientSession, base_url: str,
                credentials: AppCredentials) -> Reached:
    """``GET /app`` with the App's JWT, tried once: a start-up check, not a delivery."""
    gh = GitHub(session, base_url=base_url, policy=RetryPolicy(attempts=1))
    jwt = apps.get_jwt(app_id=credentials.app_id, private_key=credentials.private_key)
    where = f"GitHub at {base_url}"
    try:
        app: Any = await gh.getitem("/app", jwt=jwt)
    except (TimeoutError, aiohttp.ClientError, OSError) as exc:
        reason = _reason(exc)
        return Reached(False, f"cannot reach {where} ({reason}); check GITHUB_API_URL and "
                              "the network: deliveries fail until it is reachable")
    except (BadRequest, GitHubBroken, HTTPException) as exc:
        status = int(exc.status_code)
        if status == 401:
            return Reached(False, f"{where} refused the App's credentials (401): check that "
                                  "GITHUB_APP_ID and the private key belong to the same App")
        return Reached(False, f"{where} answered {status} to GET /app; deliveries may fail")
    slug = str(app.get("slug", "")) if isinstance(app, dict) else ""
    return Reached(True, f"authenticated to {where} as the App {slug or credentials.app_id}",
                   slug)


def _reason(exc: BaseException) -> str:
    if isinstance(exc, TimeoutError | aiohttp.ServerTimeoutError):
        return "no answer in time"
    if isinstance(exc, aiohttp.ClientConnectorError):
        return exc.strerror or type(exc).__name__
    return str(exc) or type(exc).__name__
