"""Turn an HTTP request into a verified event, as cheaply as the acknowledgement path needs.

The signature is checked with gidgethub's constant-time ``validate_event`` before the
body is even parsed; parsing uses orjson because, under a burst of deliveries, JSON
decoding is most of what acknowledging costs (measured in benchmarks/webhooks.py).
"""

from __future__ import annotations

from collections.abc import Mapping

import orjson
from gidgethub import ValidationFailure
from gidgethub.sansio import Event, validate_event

PAYLOAD_TYPES = ("application/json",)


class Refused(Exception):
    """The delivery is not one to act on; ``status`` is the HTTP answer."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


def parse(headers: Mapping[str, str], body: bytes, secret: str) -> Event:
    signature = headers.get("x-hub-signature-256")
    if not signature:
        raise Refused(401, "missing X-Hub-Signature-256")
    try:
        validate_event(body, signature=signature, secret=secret)
    except ValidationFailure:
        raise Refused(401, "invalid X-Hub-Signature-256") from None
    content_type = headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type not in PAYLOAD_TYPES:
        raise Refused(415, "expected Content-Type: application/json")
    event = headers.get("x-github-event")
    if not event:
        raise Refused(400, "missing X-GitHub-Event")
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError:
        raise Refused(400, "body is not valid JSON") from None
    if not isinstance(data, dict):
        raise Refused(400, "body is not a JSON object")
    return Event(data, event=event, delivery_id=headers.get("x-github-delivery", ""))
