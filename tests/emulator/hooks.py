"""The App's webhook as GitHub runs it: deliveries sent over HTTP, recorded, listed, redelivered.

A test points the App's webhook at the bot (`hook_url`, `hook_secret`) and sends events with
`deliver`; each attempt is recorded as GitHub records it (`deliveries`): the guid (the
`X-GitHub-Delivery` header, shared by every attempt of one event), whether it was a
redelivery, and what the bot answered. A bot that is down or too slow leaves a failed
delivery behind, as on GitHub, where nothing is retried by itself.

Two REST operations, authenticated with the App's JWT, read and act on that record:
`GET /app/hook/deliveries` (newest first, cursor-paginated, optionally only successes or
failures) and `POST /app/hook/deliveries/{delivery_id}/attempts`, which answers 202 and
sends the same event again a moment later, with the same guid and `redelivery: true`.

What GitHub records for an attempt that got no HTTP answer is not in its description; the
emulator uses status code 0 with the status "failed to connect to host" or "timed out".
GitHub redelivers only deliveries made in the last three days; older ones are refused.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

import aiohttp

from .openapi import Json
from .routing import Call, Refusal, Reply, route
from .world import World, iso

HOOK_TIMEOUT = 10.0  # GitHub.com counts a delivery failed when no answer came within 10 s
REDELIVERY_WINDOW = 3 * 24 * 3600.0
_CURSOR = "v1_"


@dataclass
class Delivery:
    """One attempt to deliver an event to the App's webhook, as GitHub lists it."""

    id: int
    guid: str
    app_id: int
    event: str
    action: str | None
    installation_id: int | None
    repository_id: int | None
    redelivery: bool
    delivered_at: float  # emulated epoch seconds
    payload: Json = field(repr=False)
    status_code: int = 0
    status: str = "pending"
    duration: float = 0.0

    @property
    def ok(self) -> bool:
        return 200 <= self.status_code < 300


class HookRoutes(World):
    """Sends deliveries to `hook_url` and serves the App's record of them (signing them
    with `sign`, which `Webhooks` provides)."""

    hook_url: str | None = None  # where the App's webhook points; None: nowhere yet
    hook_secret: str = ""
    hook_timeout: float = HOOK_TIMEOUT

    def reset(self) -> None:
        super().reset()
        self.deliveries: list[Delivery] = []
        self._sending: set[asyncio.Task[Delivery]] = set()
        self._hook_session: aiohttp.ClientSession | None = None

    # --- sending, for tests

    async def deliver(self, event: str, payload: Json, *,
                      delivery_id: str | None = None) -> Delivery:
        """Send `event` to the App's webhook now, as GitHub does, and record the attempt."""
        headers, _ = self.sign(event, payload, self.hook_secret, delivery_id)
        target = (payload.get("installation") or {}).get("id")
        installation = self.installations.get(target) if isinstance(target, int) else None
        app_id = installation.app_id if installation else next(iter(self.apps), 0)
        attempt = self._attempt(headers["X-GitHub-Delivery"], app_id, event, payload, False)
        return await self._send(attempt)

    async def delivered(self) -> None:
        """Wait until every redelivery GitHub was asked for has been attempted."""
        while self._sending:
            await asyncio.gather(*list(self._sending), return_exceptions=True)

    def attempts(self, guid: str) -> list[Delivery]:
        """Every attempt to deliver one event, oldest first."""
        return [d for d in self.deliveries if d.guid == guid]

    async def close_hooks(self) -> None:
        for task in list(self._sending):
            task.cancel()
        await asyncio.gather(*self._sending, return_exceptions=True)
        if self._hook_session is not None:
            await self._hook_session.close()
            self._hook_session = None

    def _attempt(self, guid: str, app_id: int, event: str, payload: Json,
                 redelivery: bool) -> Delivery:
        action = payload.get("action")
        delivery = Delivery(
            self.next_id(), guid, app_id, event, action if isinstance(action, str) else None,
            (payload.get("installation") or {}).get("id"),
            (payload.get("repository") or {}).get("id"), redelivery, self.time(), payload)
        self.deliveries.append(delivery)
        return delivery

    async def _send(self, delivery: Delivery) -> Delivery:
        headers, body = self.sign(delivery.event, delivery.payload, self.hook_secret,
                                  delivery.guid)
        if self._hook_session is None:
            self._hook_session = aiohttp.ClientSession()
        started = time.perf_counter()
        try:
            if self.hook_url is None:
                raise aiohttp.ClientConnectionError("no webhook URL")
            async with self._hook_session.post(
                    self.hook_url, data=body, headers=dict(headers),
                    timeout=aiohttp.ClientTimeout(total=self.hook_timeout)) as answer:
                await answer.read()
                delivery.status_code = answer.status
                delivery.status = ("OK" if delivery.ok
                                   else f"Invalid HTTP Response: {answer.status}")
        except TimeoutError:
            delivery.status = "timed out"
        except aiohttp.ClientConnectionError:
            delivery.status = "failed to connect to host"
        delivery.duration = round(time.perf_counter() - started, 3)
        return delivery

    # --- the App's record, over REST

    def _render_delivery(self, d: Delivery) -> Json:
        return {"id": d.id, "guid": d.guid, "delivered_at": iso(d.delivered_at),
                "redelivery": d.redelivery, "duration": d.duration, "status": d.status,
                "status_code": d.status_code, "event": d.event, "action": d.action,
                "installation_id": d.installation_id, "repository_id": d.repository_id,
                "throttled_at": None}

    @route("apps/list-webhook-deliveries")
    def list_deliveries(self, call: Call) -> Reply:
        assert call.app is not None
        app_id = call.app.id
        found = [d for d in reversed(self.deliveries)
                 if d.app_id == app_id and d.status != "pending"]
        wanted = call.query.get("status")
        if wanted is not None:
            low, high = (200, 399) if wanted == "success" else (400, 599)
            found = [d for d in found if low <= d.status_code <= high]
        cursor = call.query.get("cursor")
        if cursor is not None:
            start = cursor.removeprefix(_CURSOR)
            if not cursor.startswith(_CURSOR) or not start.isdigit():
                raise Refusal(400, "Invalid cursor")
            found = [d for d in found if d.id <= int(start)]
        per_page = min(max(int(call.query.get("per_page", 30)), 1), 100)
        page, rest = found[:per_page], found[per_page:]
        headers = {}
        if rest:
            after = call.url.update_query(cursor=f"{_CURSOR}{rest[0].id}")
            headers["Link"] = f'<{after}>; rel="next"'
        return Reply(200, [self._render_delivery(d) for d in page], headers)

    @route("apps/redeliver-webhook-delivery")
    def redeliver(self, call: Call) -> Reply:
        assert call.app is not None
        wanted = call.number("delivery_id")
        original = next((d for d in self.deliveries
                         if d.id == wanted and d.app_id == call.app.id), None)
        if original is None:
            raise Refusal(404, "Not Found", detail=f"no delivery {wanted} of this app")
        if self.time() - original.delivered_at > REDELIVERY_WINDOW:
            raise Refusal(422, "Validation Failed", detail=f"delivery {wanted} is older than "
                          "three days: GitHub no longer redelivers it")
        attempt = self._attempt(original.guid, original.app_id, original.event,
                                original.payload, True)
        task = asyncio.get_running_loop().create_task(self._later(attempt))
        self._sending.add(task)
        task.add_done_callback(self._sending.discard)
        return Reply(202, {})

    async def _later(self, attempt: Delivery) -> Delivery:
        await asyncio.sleep(0)  # after the 202: GitHub queues the attempt
        return await self._send(attempt)
