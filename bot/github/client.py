"""gidgethub's aiohttp client with the retry policy and the accounting the App needs."""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Awaitable, Callable, Mapping, MutableMapping
from http import HTTPStatus
from typing import Any, Protocol, TypeVar

import aiohttp
from gidgethub import BadRequest, GitHubBroken, HTTPException, sansio
from gidgethub import aiohttp as gh_aiohttp
from opentelemetry.trace import SpanKind, Status, StatusCode

from bot.github.etags import InstallationCache
from bot.github.retry import RetryPolicy, delay
from bot.telemetry import traces

log = logging.getLogger(__name__)
T = TypeVar("T")
_tracer = traces.tracer(__name__)

USER_AGENT = "perfbot"
# Minting an installation token twice is harmless, so it may be repeated after a 5xx.
_REPEATABLE = re.compile(r"/app/installations/\d+/access_tokens$")


class Observer(Protocol):
    """Where the client reports what it did; the server's metrics implement it."""

    def github_request(self, method: str, status: int | None) -> None: ...

    def rate_limit(self, remaining: int) -> None: ...


class GitHub(gh_aiohttp.GitHubAPI):
    # Set on installation clients, so work scheduled for later can ask for a fresh token.
    installation_id: int | None = None

    def __init__(
        self,
        session: aiohttp.ClientSession,
        *,
        base_url: str,
        oauth_token: str | None = None,
        cache: MutableMapping[str, Any] | None = None,
        policy: RetryPolicy = RetryPolicy(),
        observer: Observer | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        before_request: Callable[[], Awaitable[None]] | None = None,
        refresh_token: Callable[[str], Awaitable[str]] | None = None,
    ) -> None:
        super().__init__(
            session, USER_AGENT, oauth_token=oauth_token, cache=cache, base_url=base_url
        )
        self.policy = policy
        self.observer = observer
        self._sleep = sleep
        self._before_request = before_request
        # Installation clients: a 401 means the token was revoked (or expired early), so
        # the client trades it for a fresh one once and repeats the request.
        self._refresh_token = refresh_token

    async def sleep(self, seconds: float) -> None:
        await self._sleep(seconds)

    async def download(self, url: str, *, limit: int) -> bytes:
        """The bytes behind an API URL that redirects to storage (an Actions artifact zip).

        The redirect is followed by hand and without credentials: the storage URL is
        signed, and the installation token must not travel to another host. More than
        ``limit`` bytes raise ``DownloadTooLarge`` before they are all read.
        """
        if self._before_request is not None:
            await self._before_request()
        target = sansio.format_url(url, {}, base_url=self.base_url)
        headers = sansio.create_headers(USER_AGENT, oauth_token=self.oauth_token)
        async with self._session.get(target, headers=headers, allow_redirects=False) as reply:
            self._observe("GET", reply.status, reply.headers)
            location = reply.headers.get("Location")
            if reply.status == 200:
                return await _read_at_most(reply, limit)  # served directly, not redirected
            if reply.status not in (301, 302, 303, 307, 308) or not location:
                body = await reply.read()
                error = GitHubBroken if reply.status >= 500 else BadRequest
                raise error(HTTPStatus(reply.status), body.decode("utf-8", "replace")[:200])
        async with self._session.get(location, headers={"User-Agent": USER_AGENT}) as blob:
            if blob.status != 200:
                raise BadRequest(HTTPStatus(blob.status), f"storage answered {blob.status}")
            return await _read_at_most(blob, limit)

    async def manage_rate_limit(self, *, method: str, url: str) -> None:
        """gidgethub's hook before every request: where the server's priorities apply."""
        if self._before_request is not None:
            await self._before_request()

    async def _request(
        self, method: str, url: str, headers: Mapping[str, str], body: bytes = b""
    ) -> tuple[int, Mapping[str, str], bytes]:
        attempt = 0
        renewed = False
        while True:
            attempt += 1
            try:
                status, response_headers, data = await self._traced(method, url, headers, body)
            except (TimeoutError, aiohttp.ClientConnectionError) as exc:
                self._observe(method, None, {})
                wait = self._delay(method, url, None, {}, str(exc), attempt)
                if wait is None:
                    raise
                log.warning("GitHub %s %s: %s; retrying in %.1fs", method, _path(url), exc, wait)
                await self.sleep(wait)
                continue
            self._observe(method, status, response_headers)
            if status == 401 and not renewed and self._carries_own_token(headers):
                # GitHub applies nothing it answers 401 to, so repeating a write is safe.
                renewed = True
                headers = await self._renew(headers)
                log.warning("GitHub %s %s answered 401; retrying with a new installation "
                            "token", method, _path(url))
                continue
            if status == 200 and isinstance(self._cache, InstallationCache):
                self._cache.note_size(url, len(data))  # what keeping this answer costs
            return status, response_headers, data

    async def _traced(
        self, method: str, url: str, headers: Mapping[str, str], body: bytes
    ) -> tuple[int, Mapping[str, str], bytes]:
        """One HTTP exchange with GitHub, as one client span (each retry is its own)."""
        attributes = {"http.request.method": method, "url.full": _path(url)}
        with _tracer.start_as_current_span(
            f"GitHub {method}", kind=SpanKind.CLIENT, attributes=attributes
        ) as span:
            status, response_headers, data = await super()._request(method, url, headers, body)
            span.set_attribute("http.response.status_code", status)
            if status >= 500:
                span.set_status(Status(StatusCode.ERROR, f"GitHub answered {status}"))
            return status, response_headers, data

    def _carries_own_token(self, headers: Mapping[str, str]) -> bool:
        return (self._refresh_token is not None and self.oauth_token is not None
                and headers.get("authorization") == f"token {self.oauth_token}")

    async def _renew(self, headers: Mapping[str, str]) -> dict[str, str]:
        assert self._refresh_token is not None and self.oauth_token is not None
        self.oauth_token = await self._refresh_token(self.oauth_token)
        return {**headers, "authorization": f"token {self.oauth_token}"}

    async def handle_rate_limit_error(
        self, *, method: str, url: str, exception: HTTPException, attempt: int
    ) -> bool:
        status = int(exception.status_code)
        wait = self._delay(method, url, status, exception.headers, str(exception), attempt)
        if wait is None:
            return False
        log.warning(
            "GitHub %s %s answered %d; retry %d in %.1fs",
            method, _path(url), status, attempt, wait,
        )
        await self.sleep(wait)
        return True

    def _delay(
        self,
        method: str,
        url: str,
        status: int | None,
        headers: Mapping[str, str],
        message: str,
        attempt: int,
    ) -> float | None:
        return delay(
            self.policy,
            method=method,
            status=status,
            headers={k.lower(): v for k, v in headers.items()},
            message=message,
            attempt=attempt,
            now=time.time(),
            repeatable=bool(_REPEATABLE.search(_path(url))),
        )

    def _observe(self, method: str, status: int | None, headers: Mapping[str, str]) -> None:
        if self.observer is None:
            return
        self.observer.github_request(method, status)
        remaining = headers.get("x-ratelimit-remaining")
        if remaining is not None and remaining.isdigit():
            self.observer.rate_limit(int(remaining))


class DownloadTooLarge(Exception):
    def __init__(self, limit: int) -> None:
        super().__init__(f"larger than {limit:,} bytes")
        self.limit = limit


async def _read_at_most(response: aiohttp.ClientResponse, limit: int) -> bytes:
    data = bytearray()
    async for chunk in response.content.iter_chunked(64 * 1024):
        data += chunk
        if len(data) > limit:
            raise DownloadTooLarge(limit)
    return bytes(data)


def _path(url: str) -> str:
    """The URL without its query, which is all a log line needs."""
    return url.split("?", 1)[0]


CONVERGE_ATTEMPTS = 4


async def converge(gh: GitHub, attempt: Callable[[], Awaitable[T]]) -> T:
    """Run a write that reads GitHub's state first, again after a 5xx.

    A 5xx on a write may or may not have been applied; ``attempt`` looks before it
    writes, so repeating it converges instead of duplicating.
    """
    for tries in range(1, CONVERGE_ATTEMPTS + 1):
        try:
            return await attempt()
        except GitHubBroken as exc:
            if tries == CONVERGE_ATTEMPTS:
                raise
            wait = gh.policy.base_delay * 2 ** (tries - 1)
            log.warning("GitHub failed a write (%s); reconciling in %.1fs", exc.status_code, wait)
            await gh.sleep(wait)
    raise AssertionError("unreachable")
