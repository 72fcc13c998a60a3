"""The Emulator: a strict, stateful GitHub REST API served over real HTTP on 127.0.0.1.

Every request is checked against GitHub's OpenAPI description and GitHub's documented rules;
anything GitHub would reject is answered the way GitHub answers it *and* recorded in
`violations`, so a test fails even when the bot swallows the error.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import inspect
import json
import re
import secrets
import traceback
from collections.abc import Callable, Iterator
from typing import Any

from aiohttp import web

from .auth import scheme_and_credentials, unauthorized, verify_app_jwt
from .manifests import ManifestRoutes
from .openapi import spec
from .routing import Call, Refusal, Reply
from .state import Fault, Installation, Recorded
from .webhooks import Webhooks

API_VERSIONS = frozenset({"2022-11-28"})
# Operations GitHub only accepts with the app's JWT; everything else needs an installation token.
JWT_OPERATIONS = frozenset({"apps/get-authenticated", "apps/create-installation-access-token",
                            "apps/list-webhook-deliveries", "apps/redeliver-webhook-delivery"})
# Operations GitHub answers without credentials (the manifest code is the credential).
OPEN_OPERATIONS = frozenset({"apps/create-from-manifest"})
# GitHub Enterprise Server serves the REST API under this prefix of its host.
GHES_PREFIX = "/api/v3"
SECONDARY_LIMIT = ("You have exceeded a secondary rate limit. Please wait a few minutes before "
                   "you try again. If you reach out to GitHub Support for help, please include "
                   "the request ID {rid}.")
FAULT_MESSAGES = {404: "Not Found", 422: "Validation Failed", 500: "Server Error",
                  502: "Server Error", 503: "Service Unavailable", 504: "Gateway Timeout"}
_SPEC_STATUS = {400: "Problems parsing JSON", 404: "Not Found", 422: "Invalid request."}


def etag_of(body: bytes) -> str:
    return 'W/"' + hashlib.sha1(body, usedforsecurity=False).hexdigest() + '"'


def _etag_matches(header: str | None, etag: str) -> bool:
    if not header:
        return False
    bare = etag.removeprefix("W/")
    return any(t.strip() in ("*", bare) or t.strip().removeprefix("W/") == bare
               for t in header.split(","))


class Emulator(Webhooks, ManifestRoutes):
    """GitHub for one test: build state, point the bot at `await start()`, then inspect."""

    def __init__(self, *, check_responses: bool = False) -> None:
        """check_responses: also validate the emulator's own answers (slow; for its tests)."""
        super().__init__()
        self.check_responses = check_responses
        self._routes: dict[str, Callable[[Call], Reply]] = {
            fn.__operation__: getattr(self, name)
            for name, fn in inspect.getmembers(type(self), inspect.isfunction)
            if hasattr(fn, "__operation__")
        }
        self._runner: web.AppRunner | None = None

    # --- lifecycle

    async def start(self) -> str:
        """Serve on a free port; returns the base URL to give the bot instead of api.github.com."""
        spec()  # parse once per process, before the first request is timed
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_get("/_blob/{owner}/{repo}/{id}.zip", self.serve_blob)
        # The web pages of the manifest flow; GitHub Enterprise Server's API under /api/v3.
        app.router.add_post("/settings/apps/new", self.new_app_form)
        app.router.add_post("/organizations/{org}/settings/apps/new", self.new_app_form)
        app.router.add_route("*", "/{tail:.*}", self._serve)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.api = f"http://127.0.0.1:{port}"
        return self.api

    async def close(self) -> None:
        await self.close_hooks()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    # --- test controls

    def inject(self, method: str, path_regex: str, *, status: int | None = 502, times: int = 1,
               headers: dict[str, str] | None = None, body: Any = None, delay: float = 0.0,
               after: bool = False) -> Fault:
        """Make the next `times` matching requests fail (status None: only `delay` them).

        after=True applies the request to state first and then answers with the fault: GitHub
        did the work but the bot never saw the response.
        """
        fault = Fault(method.upper(), re.compile(path_regex), status, times, dict(headers or {}),
                      body, delay, after)
        self.faults.append(fault)
        return fault

    def revoke_tokens(self, installation_id: int) -> int:
        """Revoke every token of an installation (as an owner or a leaked-token scan does);
        requests with them are then answered 401. Returns how many were revoked."""
        gone = [v for v, t in self.tokens.items() if t.installation_id == installation_id]
        for value in gone:
            del self.tokens[value]
        return len(gone)

    @contextlib.contextmanager
    def expect_violations(self, *fragments: str) -> Iterator[list[str]]:
        """Permit the violations a deliberate misuse causes (the block must cause at least one).

        The yielded list holds them after the block; each of `fragments` must occur in one.
        """
        start = len(self.violations)
        caught: list[str] = []
        yield caught
        caught.extend(self.violations[start:])
        del self.violations[start:]
        if not caught:
            raise AssertionError("expected GitHub to reject a request, but it accepted them all")
        missing = [f for f in fragments if not any(f in v for v in caught)]
        if missing:
            raise AssertionError(f"no violation mentions {missing}; got {caught}")

    # --- the request pipeline

    async def _serve(self, request: web.Request) -> web.StreamResponse:
        raw = await request.read()
        path = request.path
        if path.startswith(GHES_PREFIX + "/"):
            path = path.removeprefix(GHES_PREFIX)
        rec = Recorded(request.method, path, dict(request.query), 0, None, True, None)
        self.requests.append(rec)
        jwt_call = False
        call: Call | None = None
        try:
            call = self._admit(request, raw, rec)
            jwt_call = call.op in JWT_OPERATIONS
            self._check_budget(call)
            reply = await self._answer(call)
        except Refusal as refusal:
            if refusal.violation:
                self._violate(rec, refusal.status, refusal.detail)
            reply = refusal.reply()
        except Exception:  # an emulator bug must fail the test, not hang the bot
            self._violate(rec, 500, "EMULATOR BUG\n" + traceback.format_exc())
            reply = Reply(500, {"message": "Server Error"})
        return self._respond(request, rec, reply, call, jwt_call)

    def _violate(self, rec: Recorded, status: int | None, detail: str) -> None:
        op = f" ({rec.operation_id})" if rec.operation_id else ""
        answer = "accepted" if status is None else str(status)
        self.violations.append(f"{rec.method} {rec.path}{op} -> {answer}: {detail}")

    def _admit(self, request: web.Request, raw: bytes, rec: Recorded) -> Call:
        """Validate against the description, authenticate, and find the repository."""
        headers = request.headers
        if not headers.get("User-Agent"):
            raise Refusal(403, "Request forbidden by administrative rules. Please make sure "
                          "your request has a User-Agent header.")
        version = headers.get("X-GitHub-Api-Version")
        if version is not None and version not in API_VERSIONS:
            raise Refusal(400, f"API version {version!r} is not supported.")
        raw_path = request.rel_url.raw_path
        if raw_path.startswith(GHES_PREFIX + "/"):
            raw_path = raw_path.removeprefix(GHES_PREFIX)
        verdict = spec().check(request.method, raw_path, request.query,
                               headers, raw, request.content_type)
        rec.operation_id, rec.body = verdict.operation_id, verdict.body
        if verdict.status:
            message = _SPEC_STATUS[verdict.status]
            if verdict.status == 422:
                message += "\n\n" + "\n".join(verdict.errors)
            raise Refusal(verdict.status, message, detail="; ".join(verdict.errors))
        for field in verdict.ignored:
            self._violate(rec, None, f"GitHub silently ignores {field} (not in the description)")
        assert verdict.operation_id is not None
        call = Call(verdict.operation_id, request.method, verdict.params, dict(request.query),
                    verdict.body, request.url, verdict=verdict)
        credentials = scheme_and_credentials(headers.get("Authorization"))
        if call.op in OPEN_OPERATIONS:
            return call
        if call.op in JWT_OPERATIONS:
            if credentials is None or credentials[0] != "bearer":
                raise unauthorized("A JSON web token could not be decoded")
            call.app = verify_app_jwt(credentials[1], self.apps, self.time())
            return call
        self._authenticate(call, credentials)
        rec.installation_id = call.installation.id if call.installation else None
        return call

    def _authenticate(self, call: Call, credentials: tuple[str, str] | None) -> None:
        if credentials is None:
            raise Refusal(401, "Requires authentication")
        token = self.tokens.get(credentials[1]) if credentials[0] in ("token", "bearer") else None
        if token is None or token.expires_at <= self.time():
            why = "expired installation token" if token else (
                "an app JWT cannot call this endpoint" if credentials[1].count(".") == 2
                else "unknown token")
            raise Refusal(401, "Bad credentials", detail=f"Bad credentials ({why})")
        inst = self.installations.get(token.installation_id)
        if inst is None:
            raise Refusal(401, "Bad credentials")
        call.token, call.installation, call.app = token, inst, self.apps.get(inst.app_id)
        if "owner" in call.params and "repo" in call.params:
            name = f"{call.params['owner']}/{call.params['repo']}"
            repo = self.repos.get(name.lower())
            if repo is None or not self.token_sees(token, repo):
                # Reading a file is also how an app learns that a repository (an org's
                # `.github`, an `extends` target) does not exist or is not shared with it.
                probe = call.op == "repos/get-content"
                raise Refusal(404, "Not Found", detail=f"repository {name} is not accessible "
                              f"to installation {inst.id}", violation=not probe)
            call.repo = repo

    def _budget(self, call: Call | None) -> tuple[str, Installation | None]:
        inst = call.installation if call else None
        resource = "search" if call and call.op.startswith("search/") else "core"
        if inst is not None:
            now = int(self.time())
            if now >= inst.rate_reset:
                inst.rate_remaining, inst.rate_reset = inst.rate_limit, now + 3600
            if now >= inst.search_reset:
                inst.search_remaining, inst.search_reset = 30, now + 60
        return resource, inst

    def _check_budget(self, call: Call) -> None:
        resource, inst = self._budget(call)
        if inst is None:
            return
        left = inst.search_remaining if resource == "search" else inst.rate_remaining
        if left <= 0:
            raise Refusal(403, f"API rate limit exceeded for installation ID {inst.id}.",
                          violation=False)

    async def _answer(self, call: Call) -> Reply:
        fault = next((f for f in self.faults if f.matches(call.method, call.url.path)), None)
        if fault is not None:
            fault.times -= 1
            if not fault.after:
                await asyncio.sleep(fault.delay)
                if fault.status is not None:
                    return self._fault_reply(fault)
        handler = self._routes.get(call.op)
        if handler is None:
            raise Refusal(501, f"the emulator does not implement {call.op}")
        reply = handler(call)
        if fault is not None and fault.after:
            await asyncio.sleep(fault.delay)
            if fault.status is not None:
                return self._fault_reply(fault)
        return reply

    def _fault_reply(self, fault: Fault) -> Reply:
        assert fault.status is not None
        body = fault.body
        if body is None:
            if fault.status in (403, 429):
                body = {"message": SECONDARY_LIMIT.format(rid=secrets.token_hex(8).upper()),
                        "documentation_url": "https://docs.github.com/rest/overview/"
                        "rate-limits-for-the-rest-api#about-secondary-rate-limits"}
            else:
                body = {"message": FAULT_MESSAGES.get(fault.status, "Injected failure")}
        return Reply(fault.status, body, dict(fault.headers))

    def _respond(self, request: web.Request, rec: Recorded, reply: Reply, call: Call | None,
                 jwt_call: bool) -> web.Response:
        headers = {"X-GitHub-Media-Type": "github.v3; format=json",
                   "X-GitHub-Request-Id": secrets.token_hex(8).upper(),
                   "X-GitHub-Api-Version-Selected": "2022-11-28",
                   "Vary": "Accept, Authorization, Cookie, X-GitHub-OTP"}
        body: bytes | None = None
        if isinstance(reply.data, (bytes, str)):
            body = reply.data.encode() if isinstance(reply.data, str) else reply.data
            headers["Content-Type"] = "text/html; charset=utf-8"
        elif reply.data is not None:
            body = json.dumps(reply.data).encode()
            headers["Content-Type"] = "application/json; charset=utf-8"
        status = reply.status
        if request.method == "GET" and status == 200 and body is not None:
            headers["ETag"] = etag_of(body)
            headers["Cache-Control"] = "private, max-age=60, s-maxage=60"
            if _etag_matches(request.headers.get("If-None-Match"), headers["ETag"]):
                status, body = 304, None
                headers.pop("Content-Type")
        if self.check_responses and call and body is not None and 200 <= status < 300:
            for error in spec().response_errors(call.verdict, status, body, headers):
                self._violate(rec, status, f"EMULATOR BUG, answer breaks the description: {error}")
        rec.status = status
        rec.charged = status != 304 and not jwt_call
        resource, inst = self._budget(call)
        if inst is not None and rec.charged:
            if resource == "search":
                inst.search_remaining = max(inst.search_remaining - 1, 0)
            else:
                inst.rate_remaining = max(inst.rate_remaining - 1, 0)
        if inst is None:
            limit, left, reset = 5000, 5000, int(self.time()) + 3600
        elif resource == "search":
            limit, left, reset = 30, inst.search_remaining, inst.search_reset
        else:
            limit, left, reset = inst.rate_limit, inst.rate_remaining, inst.rate_reset
        headers.update({"x-ratelimit-limit": str(limit), "x-ratelimit-remaining": str(left),
                        "x-ratelimit-reset": str(reset), "x-ratelimit-used": str(limit - left),
                        "x-ratelimit-resource": resource})
        headers.update(reply.headers)
        return web.Response(status=status, body=body, headers=headers)
