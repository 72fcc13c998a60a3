"""The web front: verify, acknowledge, hand over. Nothing slow happens before the 202."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator

import aiohttp
from aiohttp import web
from gidgethub import BadRequest, ValidationFailure
from gidgethub.sansio import Event

from bot.app.context import Context
from bot.app.intake import Intake
from bot.app.locks import KeyedLocks
from bot.app.metrics import CONTENT_TYPE, Metrics
from bot.app.review import Reviewer
from bot.app.routers import router
from bot.app.settings import Settings
from bot.github.app import GitHubApp
from bot.github.auth import AppCredentials
from bot.github.retry import RetryPolicy

log = logging.getLogger(__name__)

MAX_PAYLOAD = 25 * 1024 * 1024  # GitHub caps webhook payloads at 25 MB
_PAYLOAD_TYPES = ("application/json", "application/x-www-form-urlencoded")

SETTINGS = web.AppKey("settings", Settings)
METRICS = web.AppKey("metrics", Metrics)
INTAKE = web.AppKey("intake", Intake)
GITHUB = web.AppKey("github", GitHubApp)
POLICY = web.AppKey("policy", RetryPolicy)


def create_app(settings: Settings, *, policy: RetryPolicy = RetryPolicy()) -> web.Application:
    app = web.Application(client_max_size=MAX_PAYLOAD)
    app[SETTINGS] = settings
    app[POLICY] = policy
    app[METRICS] = Metrics()
    app.cleanup_ctx.append(_github)
    app.add_routes(
        [
            web.post("/webhooks", webhook),
            web.get("/healthz", healthz),
            web.get("/metrics", metrics),
        ]
    )
    return app


async def _github(app: web.Application) -> AsyncIterator[None]:
    """One HTTP session and one intake for the life of the process."""
    settings = app[SETTINGS]
    timeout = aiohttp.ClientTimeout(total=60, connect=10)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        github = GitHubApp(
            session,
            base_url=settings.api_url,
            credentials=AppCredentials(settings.app_id, settings.private_key),
            observer=app[METRICS],
            policy=app[POLICY],
        )
        context = Context(github, Reviewer(github.app_id, KeyedLocks()))

        async def handle(event: Event) -> None:
            await router.dispatch(event, context)

        intake = Intake(
            handle,
            app[METRICS],
            concurrency=settings.concurrency,
            queue_size=settings.queue_size,
        )
        app[GITHUB] = github
        app[INTAKE] = intake
        await intake.start()
        try:
            yield
        finally:
            await intake.stop()


async def webhook(request: web.Request) -> web.Response:
    metrics = request.app[METRICS]
    name = request.headers.get("X-GitHub-Event", "unknown")
    try:
        body = await request.read()
    except web.HTTPRequestEntityTooLarge:
        metrics.deliveries.labels(name, "too_large").inc()
        return _answer(413, "payload larger than 25 MB")
    try:
        event = Event.from_http(request.headers, body, secret=request.app[SETTINGS].webhook_secret)
    except ValidationFailure:
        metrics.deliveries.labels(name, "bad_signature").inc()
        return _answer(401, "invalid or missing X-Hub-Signature-256")
    except BadRequest:
        metrics.deliveries.labels(name, "bad_request").inc()
        # gidgethub reports an undecodable body as 415 too; tell the two apart.
        if request.content_type in _PAYLOAD_TYPES:
            return _answer(400, "body is not valid JSON")
        return _answer(415, "expected Content-Type: application/json")
    except KeyError as exc:
        metrics.deliveries.labels(name, "bad_request").inc()
        return _answer(400, f"missing header {exc.args[0]}")
    if event.event == "ping":
        metrics.deliveries.labels("ping", "processed").inc()
        return _answer(200, "pong")
    if not isinstance(event.data, dict):
        metrics.deliveries.labels(name, "bad_request").inc()
        return _answer(400, "body is not a JSON object")
    intake = request.app[INTAKE]
    if intake.seen(event.delivery_id):
        metrics.deliveries.labels(name, "duplicate").inc()
        return _answer(202, "already received")
    if not intake.offer(event):
        metrics.deliveries.labels(name, "overloaded").inc()
        return _answer(503, "busy; GitHub can redeliver this later")
    return _answer(202, "accepted")


async def healthz(request: web.Request) -> web.Response:
    ready = INTAKE in request.app
    return _answer(200 if ready else 503, "ok" if ready else "starting")


async def metrics(request: web.Request) -> web.Response:
    body = request.app[METRICS].exposition()
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE})


def _answer(status: int, message: str) -> web.Response:
    return web.Response(status=status, text=json.dumps({"message": message}),
                        content_type="application/json")
