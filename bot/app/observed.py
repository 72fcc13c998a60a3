"""Each delivery's work as the operator sees it: one span, its fields on every log line,
and one line when it ends, with its outcome and duration."""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
from gidgethub import GitHubBroken, RateLimitExceeded
from gidgethub.sansio import Event
from opentelemetry.trace import SpanKind

from bot.telemetry import logs, traces

log = logging.getLogger("bot.app.delivery")
Handler = Callable[[Event], Awaitable[None]]
_tracer = traces.tracer(__name__)
# GitHub down, slow or rationing: the operator needs the one-line reason, not our stack.
OPERATIONAL = (aiohttp.ClientConnectionError, TimeoutError, GitHubBroken, RateLimitExceeded)


def delivery_fields(event: Event) -> dict[str, Any]:
    """What identifies a delivery's work: its id, event, repository, PR and head commit."""
    data: dict[str, Any] = event.data if isinstance(event.data, dict) else {}
    repository = _get(data, "repository", "full_name")
    pr = _get(data, "pull_request", "number") or _get(data, "issue", "number")
    head_sha = _get(data, "pull_request", "head", "sha")
    for holder in ("check_suite", "check_run", "workflow_run"):
        if holder in data:
            head_sha = head_sha or _get(data, holder, "head_sha")
            pulls = _get(data, holder, "pull_requests")
            if not pr and isinstance(pulls, list) and pulls and isinstance(pulls[0], dict):
                pr = pulls[0].get("number")
    return {
        "delivery_id": event.delivery_id or None,
        "event": event.event,
        "action": data.get("action") if isinstance(data.get("action"), str) else None,
        "repository": repository if isinstance(repository, str) else None,
        "pr": pr if isinstance(pr, int) else None,
        "head_sha": head_sha if isinstance(head_sha, str) else None,
        "installation": _get(data, "installation", "id"),
    }


def observed(handler: Handler) -> Handler:
    """``handler`` in a span, with the delivery's fields bound for every line it logs."""

    async def handle(event: Event) -> None:
        fields = delivery_fields(event)
        name = f"{event.event}.{fields['action']}" if fields["action"] else event.event
        attributes = {f"perfbot.{k}": v for k, v in fields.items() if v is not None}
        started = time.perf_counter()
        with logs.bind(**fields), _tracer.start_as_current_span(
            f"webhook {name}", kind=SpanKind.CONSUMER, attributes=attributes
        ) as span:
            try:
                await handler(event)
            except Exception as exc:
                span.set_attribute("perfbot.outcome", "failed")
                error = f"{type(exc).__name__}: {exc}"
                log.error("delivery %s (%s) failed: %s", event.delivery_id, name, error,
                          exc_info=not isinstance(exc, OPERATIONAL),
                          extra={**_ended("failed", started), "error": error})
                raise
            span.set_attribute("perfbot.outcome", "processed")
            log.info("delivery %s (%s) processed", event.delivery_id, name,
                     extra=_ended("processed", started))

    return handle


def _ended(outcome: str, started: float) -> dict[str, Any]:
    return {"outcome": outcome, "duration_ms": round((time.perf_counter() - started) * 1000, 1)}


def _get(data: Any, *path: str) -> Any:
    for key in path:
        if not isinstance(data, dict):
            return None
        data = data.get(key)
    return data
