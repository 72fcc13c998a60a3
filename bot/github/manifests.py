"""The manifest flow's one API request: trade the code GitHub handed back for the new App."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from gidgethub import BadRequest, GitHubBroken, HTTPException

from bot.github.client import GitHub

CONVERSION = "/app-manifests/{code}/conversions"
# GitHub keeps a code for an hour and honours it once; a second exchange, a late one or a
# mistyped one all answer 404.
SPENT = (
    "GitHub does not know this code (it is good once, for an hour): run `perfbot register` "
    "again, or, if the App was created, generate a private key on its settings page"
)
LOST = "; if the App was created, generate a private key on its settings page"


class ConversionFailed(Exception):
    """The code could not be exchanged; the message says why and never shows a secret."""


@dataclass(frozen=True, slots=True)
class Registration:
    """What GitHub answered for the new App; ``repr`` never shows a secret."""

    app_id: int
    slug: str
    name: str
    owner: str
    html_url: str
    pem: str = field(repr=False)
    webhook_secret: str | None = field(repr=False)

    @classmethod
    def from_conversion(cls, data: Any) -> Registration:
        if not isinstance(data, dict):
            raise ConversionFailed("GitHub's answer to the code exchange is not a JSON object")
        try:
            owner = data.get("owner") or {}
            registration = cls(
                app_id=int(data["id"]),
                slug=str(data.get("slug") or data.get("name") or data["id"]),
                name=str(data.get("name") or ""),
                owner=str(owner.get("login", "")) if isinstance(owner, dict) else "",
                html_url=str(data.get("html_url") or ""),
                pem=str(data["pem"]),
                webhook_secret=(None if data.get("webhook_secret") is None
                                else str(data["webhook_secret"])),
            )
        except (KeyError, TypeError, ValueError):
            raise ConversionFailed(
                "GitHub's answer to the code exchange lacks the App's id or private key" + LOST
            ) from None
        if "PRIVATE KEY-----" not in registration.pem:
            raise ConversionFailed("GitHub's answer to the code exchange holds no PEM key" + LOST)
        return registration


async def convert(gh: GitHub, code: str) -> Registration:
    """``POST /app-manifests/{code}/conversions``: unauthenticated, answered once per code.

    Never repeated after a server error: GitHub may have spent the code before failing.
    """
    try:
        data = await gh.post(CONVERSION, {"code": code}, data=b"")
    except BadRequest as exc:
        if int(exc.status_code) == 404:
            raise ConversionFailed(SPENT) from None
        raise ConversionFailed(f"GitHub refused the code exchange ({_reason(exc)})") from None
    except GitHubBroken as exc:
        raise ConversionFailed(f"GitHub failed the code exchange ({_reason(exc)})" + LOST) from None
    except HTTPException as exc:
        raise ConversionFailed(f"GitHub answered the code exchange with {_reason(exc)}") from None
    return Registration.from_conversion(data)


def _reason(exc: HTTPException) -> str:
    message = str(exc.args[0]) if exc.args else ""
    status = int(exc.status_code)
    return f"{status} {message}" if message and message != str(status) else str(status)
