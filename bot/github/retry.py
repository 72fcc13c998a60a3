"""When to try a GitHub request again, and after how long.

Pure so the policy can be tested without a clock or a network. It follows
GitHub's guidance: honour ``retry-after``; when the primary limit is spent,
wait for ``x-ratelimit-reset`` only if that is soon, otherwise report; back off
exponentially on server errors. Writes that GitHub may have applied before
failing (a 5xx on POST or PATCH) are never repeated blindly: publishing
reconciles with GitHub's state instead.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    attempts: int = 4  # in all, the first one included
    base_delay: float = 0.5
    max_delay: float = 30.0
    # A secondary limit without retry-after: GitHub asks for at least a minute.
    secondary_default: float = 60.0
    # Longest we wait out an exhausted primary limit before reporting it instead.
    max_primary_wait: float = 60.0


def delay(
    policy: RetryPolicy,
    *,
    method: str,
    status: int | None,
    headers: Mapping[str, str],
    message: str,
    attempt: int,
    now: float,
    repeatable: bool = False,
) -> float | None:
    """Seconds to wait before trying again, or None to give up.

    ``status`` None means the connection failed before any answer.
    ``repeatable`` marks a write that is safe to send twice (minting a token).
    """
    if attempt >= policy.attempts:
        return None
    safe = method.upper() in SAFE_METHODS or repeatable
    retry_after = _number(headers.get("retry-after"))
    remaining = headers.get("x-ratelimit-remaining")
    reset = _number(headers.get("x-ratelimit-reset"))

    if status in (403, 429):
        if remaining == "0" and reset is not None:
            wait = max(0.0, reset - now)
            # A secondary limit can also carry remaining 0; retry-after wins.
            if retry_after is not None:
                return retry_after
            return wait if wait <= policy.max_primary_wait else None
        if retry_after is not None:
            return retry_after
        if status == 429 or "secondary rate limit" in message.lower():
            return float(policy.secondary_default * 2 ** (attempt - 1))
        return None  # a plain 403: permissions, not load
    if status is None or status >= 500:
        return _backoff(policy, attempt) if safe else None
    return None


def _backoff(policy: RetryPolicy, attempt: int) -> float:
    ceiling = min(policy.max_delay, policy.base_delay * (2 ** (attempt - 1)))
    return random.uniform(ceiling / 2, ceiling)  # noqa: S311 - jitter, not secrecy


def _number(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        return float(value)
    except ValueError:
        return None
