"""What perfbot remembers about a pull request, kept in its own checklist comment.

perfbot has no database. The review state (sign-offs, accepted ticks, the variances of
the last evaluation) travels in a hidden block at the end of the checklist comment,
signed with an HMAC whose key is derived from the webhook secret and bound to the
repository and pull request. Anyone who can edit the comment can delete the block but
cannot forge or transplant one: a block that does not verify is ignored, which fails
safe (the sign-off is gone and the check fails again until someone signs off anew).
GitHub keeps every revision of a comment, so the history of decisions stays auditable.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
from dataclasses import asdict, dataclass, fields
from typing import Any

from bot.core.results import Reading

VERSION = 1
APPLIED_KEPT = 50
_BLOCK = re.compile(r"<!-- perfbot:state v1 ([A-Za-z0-9_=-]+) ([0-9a-f]{64}) -->")
_KEY_LABEL = b"perfbot review state v1"


@dataclass(frozen=True, slots=True)
class SignOffRecord:
    variance: str
    rule: str
    by: str
    at: str  # ISO 8601 UTC
    reason: str
    mitigation: str
    head_sha: str
    owner: str | None = None
    due: str | None = None  # YYYY-MM-DD
    magnitude: float | None = None
    comment_id: int | None = None


@dataclass(frozen=True, slots=True)
class TickRecord:
    item: str
    by: str
    at: str


@dataclass(frozen=True, slots=True)
class VarianceRecord:
    id: str
    rule: str
    summary: str
    magnitude: float | None = None
    # Where a measured regression started (see ``results.Variance``): a mitigation issue
    # records these at merge, and a later reading within threshold of ``baseline`` shows
    # recovery.
    baseline: float | None = None
    value: float | None = None
    unit: str = ""
    direction: str = ""
    threshold: float | None = None


@dataclass(frozen=True, slots=True)
class ReviewState:
    signoffs: tuple[SignOffRecord, ...] = ()
    ticks: tuple[TickRecord, ...] = ()
    # The last evaluation, so a merge can open issues without evaluating again. No head
    # SHA: the block is part of the checklist's text, which a push must not change when
    # the verdict stays the same (each rewrite costs a request).
    variances: tuple[VarianceRecord, ...] = ()
    passed_rules: tuple[str, ...] = ()
    check_url: str = ""  # the pull request's checks, a link that stays the same
    # What the last evaluation measured (benchmark values by variance id), so a merge can
    # tell whether it brought an earlier regression back.
    readings: tuple[Reading, ...] = ()
    # Counts writes, so an old block pasted back over a newer one is recognised as old.
    revision: int = 0
    # Command comment revisions already applied (``conversation.answer_key``, the latest
    # APPLIED_KEPT): GitHub may redeliver one after a later revoke, which it must not undo.
    applied: tuple[str, ...] = ()

    def signoff(self, variance: str) -> SignOffRecord | None:
        return next((s for s in self.signoffs if s.variance == variance), None)

    def ticked(self) -> frozenset[str]:
        return frozenset(t.item for t in self.ticks)


def derive_key(webhook_secret: str) -> bytes:
    """A key for the state block only: knowing it reveals nothing about the secret."""
    return hmac.new(webhook_secret.encode(), _KEY_LABEL, hashlib.sha256).digest()


def encode(state: ReviewState, key: bytes, repo: str, number: int) -> str:
    data = {
        "v": VERSION,
        "signoffs": [asdict(s) for s in state.signoffs],
        "ticks": [asdict(t) for t in state.ticks],
        "variances": [_compact(v) for v in state.variances],
        "readings": [_compact(r) for r in state.readings],
        "passed_rules": list(state.passed_rules),
        "check_url": state.check_url,
        "revision": state.revision,
        "applied": list(state.applied),
    }
    payload = base64.urlsafe_b64encode(
        json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode()
    ).decode()
    return f"<!-- perfbot:state v1 {payload} {_sign(key, repo, number, payload)} -->"


def decode(body: str, key: bytes, repo: str, number: int) -> ReviewState | None:
    """The state in a comment body; None when there is none or it does not verify."""
    found = _BLOCK.findall(body or "")
    if len(found) != 1:
        return None
    payload, signature = found[0]
    if not hmac.compare_digest(signature, _sign(key, repo, number, payload)):
        return None
    try:
        data = json.loads(base64.urlsafe_b64decode(payload.encode()))
        return ReviewState(
            signoffs=tuple(_record(SignOffRecord, s) for s in data["signoffs"]),
            ticks=tuple(_record(TickRecord, t) for t in data["ticks"]),
            variances=tuple(_record(VarianceRecord, v) for v in data["variances"]),
            passed_rules=tuple(str(r) for r in data["passed_rules"]),
            check_url=str(data.get("check_url", "")),
            readings=tuple(_record(Reading, r) for r in data.get("readings", [])),
            revision=int(data.get("revision", 0)),
            applied=tuple(str(a) for a in data.get("applied", [])),
        )
    except (ValueError, KeyError, TypeError, binascii.Error):
        return None


def _compact(record: Any) -> dict[str, Any]:
    """A record's fields without the empty ones (their defaults restore them): the state
    shares one comment's 65,536 characters with the checklist."""
    return {k: v for k, v in asdict(record).items() if v not in (None, "")}


def _record(cls: type[Any], data: dict[str, Any]) -> Any:
    names = {f.name for f in fields(cls)}
    return cls(**{k: v for k, v in data.items() if k in names})


def _sign(key: bytes, repo: str, number: int, payload: str) -> str:
    message = f"{repo.lower()}#{number}\n{payload}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()
