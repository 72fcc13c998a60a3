"""The web front: verify, acknowledge, hand over. Nothing slow happens before the 202."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import aiohttp
import orjson
from aiohttp import web
from gidgethub.sansio import Event

from bot.app import delivery
from bot.app.bodies import MB, Unverified
from bot.app.context import Context
from bot.app.deadlines import Deadlines
from bot.app.intake import Intake
from bot.app.locks import KeyedLocks
from bot.app.metrics import CONTENT_TYPE, Metrics, event_label
from bot.app.observed import observed
from bot.app.review import Reviewer
from bot.app.routers import router
from bot.app.settings import Settings
from bot.app.steward import Steward
from bot.app.sweeper import Sweeper
from bot.core.review.state import derive_key
from bot.github.app import GitHubApp
from bot.github.auth import AppCredentials
from bot.github.retry import RetryPolicy
from bot.store import Backoff, Recorded, Store

log = logging.getLogger(__name__)

MAX_PAYLOAD = 25 * 1024 * 1024  # GitHub caps webhook payloads at 25 MB

SETTINGS = web.AppKey("settings", Settings)
METRICS = web.AppKey("metrics", Metrics)
INTAKE = web.AppKey("intake", Intake)
GITHUB = web.AppKey("github", GitHubApp)
POLICY = web.AppKey("policy", RetryPolicy)
DEADLINES = web.AppKey("deadlines", Deadlines)
UNVERIFIED = web.AppKey("unverified", Unverified)
STORE = web.AppKey("store", Store)
BACKOFF = web.AppKey("backoff", Backoff)
# A refused request's headers are anyone's words: they never become a metric label,
# or a stranger could grow the metrics without bound.
REFUSED = "(refused)"
OUTCOMES = {401: "bad_signature", 408: "timeout", 413: "too_large", 503: "busy"}


def create_app(settings: Settings, *, policy: RetryPolicy = RetryPolicy(),
               backoff: Backoff = Backoff()) -> web.Application:
    """The App. ``policy`` retries one GitHub request; ``backoff`` retries a whole
    delivery whose work failed (minutes apart, from the store)."""
    app = web.Application(client_max_size=MAX_PAYLOAD)
    app[SETTINGS] = settings
    app[POLICY] = policy
    app[BACKOFF] = backoff
    app[METRICS] = Metrics()
    app[UNVERIFIED] = Unverified(limit=settings.unverified_mb * MB,
                                 timeout=settings.body_timeout, max_size=MAX_PAYLOAD)
    app.cleanup_ctx.append(_store)
    app.cleanup_ctx.append(_github)
    app.add_routes(
        [
            web.post("/webhooks", webhook),
            web.get("/healthz", healthz),
            web.get("/metrics", metrics),
        ]
    )
    return app


async def _store(app: web.Application) -> AsyncIterator[None]:
    """The store, migrated, before anything that records or reads state starts."""
    store = await Store.open(app[SETTINGS].store_url(), backoff=app[BACKOFF])
    app[STORE] = store
    try:
        yield
    finally:
        await store.close()


async def _github(app: web.Application) -> AsyncIterator[None]:
    """One HTTP session and one intake for the life of the process."""
    settings = app[SETTINGS]
    store = app[STORE]
    timeout = aiohttp.ClientTimeout(total=60, connect=10)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        intake = Intake(
            store, app[METRICS], concurrency=settings.concurrency,
            queue_size=settings.queue_size,
        )
        github = GitHubApp(
            session,
            base_url=settings.api_url,
            credentials=AppCredentials(settings.app_id, settings.private_key),
            observer=app[METRICS],
            policy=app[POLICY],
            before_request=intake.yield_to_acknowledgements,
        )
        steward = Steward(github.app_id, derive_key(settings.webhook_secret))
        deadlines = Deadlines(github)
        reviewer = Reviewer(github.app_id, KeyedLocks(store), steward, deadlines)
        context = Context(github, reviewer)

        sweeper = Sweeper(github)

        async def handle(event: Event) -> None:
            sweeper.saw(event)
            await router.dispatch(event, context)

        app[GITHUB] = github
        app[INTAKE] = intake
        app[DEADLINES] = deadlines
        await intake.start(observed(handle))
        sweeper.start()
        try:
            yield
        finally:
            await sweeper.stop()
            await intake.stop()
            await deadlines.close()


async def webhook(request: web.Request) -> web.Response:
    intake = request.app[INTAKE]
    intake.acknowledging()
    metrics = request.app[METRICS]
    try:
        # Read within a deadline, and counted against the bytes strangers may hold, until
        # the signature says whose it is.
        async with request.app[UNVERIFIED].body(request) as body:
            event = delivery.parse(request.headers, body, request.app[SETTINGS].webhook_secret)
    except delivery.Refused as refused:
        metrics.deliveries.labels(REFUSED, OUTCOMES.get(refused.status, "bad_request")).inc()
        return _answer(refused.status, refused.reason)
    name = event_label(event.event)
    if event.event == "ping":
        metrics.deliveries.labels("ping", "processed").inc()
        return _answer(200, "pong")
    try:
        recorded = await intake.accept(event, body)
    except Exception:
        # Not recorded, so not acknowledged: GitHub (or the redelivery scan) sends it again.
        log.exception("could not record delivery %s", event.delivery_id)
        metrics.deliveries.labels(name, "unrecorded").inc()
        return _answer(503, "cannot record the delivery now; GitHub can redeliver it later")
    if recorded is Recorded.DUPLICATE:
        metrics.deliveries.labels(name, "duplicate").inc()
        return _answer(202, "already received")
    return _answer(202, "accepted")


async def healthz(request: web.Request) -> web.Response:
    ready = INTAKE in request.app
    return _answer(200 if ready else 503, "ok" if ready else "starting")


async def metrics(request: web.Request) -> web.Response:
    registry = request.app[METRICS]
    if STORE in request.app:
        try:
            counts = await request.app[STORE].counts()
        except Exception:
            log.warning("could not count the delivery queue for /metrics", exc_info=True)
        else:
            registry.queue_due.set(counts.due)
            registry.queue_unfinished.set(counts.unfinished)
            registry.queue_failed.set(counts.failed)
    body = registry.exposition()
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE})


def _answer(status: int, message: str) -> web.Response:
    body = orjson.dumps({"message": message})
    return web.Response(status=status, body=body, content_type="application/json")
