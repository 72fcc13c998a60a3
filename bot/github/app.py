"""The App's connection to GitHub: one HTTP session, tokens, and the ETag cache."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import aiohttp

from bot.github.auth import AppCredentials, InstallationTokens
from bot.github.client import GitHub, Observer
from bot.github.etags import DEFAULT_BYTES, ETagCache
from bot.github.retry import RetryPolicy


class GitHubApp:
    def __init__(
        self,
        session: aiohttp.ClientSession,
        *,
        base_url: str,
        credentials: AppCredentials,
        observer: Observer | None = None,
        policy: RetryPolicy = RetryPolicy(),
        cache_bytes: int = DEFAULT_BYTES,
        before_request: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        self.session = session
        self.base_url = base_url
        self.app_id = int(credentials.app_id)
        self.observer = observer
        self.policy = policy
        self._before_request = before_request
        self.tokens = InstallationTokens(credentials, self.app_client)
        # One budget for every installation, each seeing only its own entries.
        self.etags = ETagCache(cache_bytes)

    def app_client(self) -> GitHub:
        """A client for App-level calls; they carry the App's JWT explicitly."""
        return GitHub(
            self.session,
            base_url=self.base_url,
            policy=self.policy,
            observer=self.observer,
            before_request=self._before_request,
        )

    async def installation(self, installation_id: int) -> GitHub:
        token = await self.tokens.token(installation_id)
        cache = self.etags.for_installation(installation_id)
        client = GitHub(
            self.session,
            base_url=self.base_url,
            oauth_token=token,
            cache=cache,
            policy=self.policy,
            observer=self.observer,
            before_request=self._before_request,
            refresh_token=lambda refused: self.tokens.refused(installation_id, refused),
        )
        client.installation_id = installation_id
        return client
