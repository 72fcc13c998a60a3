"""The App's webhook deliveries as GitHub recorded them: listed, and asked for again.

Both calls authenticate with the App's JWT (``GitHubApp.jwt``), not an installation token.
GitHub lists deliveries newest first, a hundred a page at most, and redelivers only those
of the last three days.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.github.client import GitHub

Json = dict[str, Any]
PER_PAGE = 100


async def deliveries_since(gh: GitHub, jwt: str, since: float) -> list[Json]:
    """Every delivery attempt made at or after ``since`` (epoch seconds), newest first."""
    found: list[Json] = []
    async for item in gh.getiter(f"/app/hook/deliveries?per_page={PER_PAGE}", jwt=jwt):
        if delivered_at(item) < since:
            break
        found.append(item)
    return found


async def redeliver(gh: GitHub, jwt: str, delivery_id: int) -> None:
    """Ask GitHub to send one delivery again; it answers 202 and sends it soon after, with
    the same ``X-GitHub-Delivery``."""
    await gh.post(f"/app/hook/deliveries/{int(delivery_id)}/attempts", data={}, jwt=jwt)


def delivered_at(item: Json) -> float:
    return datetime.fromisoformat(str(item["delivered_at"]).replace("Z", "+00:00")).timestamp()
