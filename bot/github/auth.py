"""GitHub App authentication: a JWT for the App, cached tokens for each installation."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cachetools import LRUCache, TLRUCache
from gidgethub import apps

from bot.github.client import GitHub
from bot.telemetry import secrets

# Refresh a token this long before GitHub says it expires, so no request races its expiry.
REFRESH_MARGIN = 5 * 60.0


@dataclass(frozen=True, slots=True)
class AppCredentials:
    app_id: str
    private_key: str

    def __repr__(self) -> str:  # never let the key reach a log or a traceback
        return f"AppCredentials(app_id={self.app_id!r}, private_key=<redacted>)"


@dataclass(frozen=True, slots=True)
class _Token:
    value: str
    expires_at: float  # unix time

    def __repr__(self) -> str:
        return f"_Token(<redacted>, expires_at={self.expires_at})"


def _time_to_use(_key: int, token: _Token, now: float) -> float:
    return token.expires_at - REFRESH_MARGIN


class InstallationTokens:
    """One token per installation, minted once and reused until shortly before it expires."""

    def __init__(
        self,
        credentials: AppCredentials,
        app_client: Callable[[], GitHub],
        *,
        maxsize: int = 10_000,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._credentials = credentials
        self._app_client = app_client
        self._tokens: TLRUCache[int, _Token] = TLRUCache(
            maxsize=maxsize, ttu=_time_to_use, timer=clock
        )
        # Concurrent events for one installation wait for one mint instead of each minting.
        self._locks: LRUCache[int, asyncio.Lock] = LRUCache(maxsize=maxsize)

    def jwt(self) -> str:
        return apps.get_jwt(
            app_id=self._credentials.app_id, private_key=self._credentials.private_key
        )

    async def token(self, installation_id: int) -> str:
        cached = self._tokens.get(installation_id)
        if cached is not None:
            return cached.value
        lock = self._locks.get(installation_id)
        if lock is None:
            lock = self._locks[installation_id] = asyncio.Lock()
        async with lock:
            cached = self._tokens.get(installation_id)
            if cached is None:
                cached = await self._mint(installation_id)
                self._tokens[installation_id] = cached
        return cached.value

    def forget(self, installation_id: int) -> None:
        """Drop a token GitHub refused (revoked, or the installation is gone)."""
        self._tokens.pop(installation_id, None)

    async def refused(self, installation_id: int, token: str) -> str:
        """GitHub answered 401 to ``token``: forget it and hand out a fresh one.

        Only the refused token is forgotten: when many requests in flight are refused at
        once, the first mints a new token and the others take it instead of each minting.
        """
        cached = self._tokens.get(installation_id)
        if cached is not None and cached.value == token:
            self.forget(installation_id)
        return await self.token(installation_id)

    async def _mint(self, installation_id: int) -> _Token:
        response: dict[str, Any] = await apps.get_installation_access_token(
            self._app_client(),
            installation_id=str(installation_id),
            app_id=self._credentials.app_id,
            private_key=self._credentials.private_key,
        )
        secrets.hide(response["token"])  # whatever its shape, it never reaches a log
        expires = datetime.fromisoformat(response["expires_at"].replace("Z", "+00:00"))
        return _Token(response["token"], expires.timestamp())
