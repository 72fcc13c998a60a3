"""Issues: perfbot's mitigation and instrumentation issues, found before they are opened."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from bot.github.client import GitHub

Json = dict[str, Any]


async def labelled(
    gh: GitHub, repo: str, labels: tuple[str, ...], state: str = "all"
) -> list[dict[str, Any]]:
    query = {"state": state, "per_page": 100}
    if labels:
        query["labels"] = ",".join(labels)
    found = []
    async for item in gh.getiter(f"/repos/{repo}/issues?{urlencode(query)}"):
        if "pull_request" not in item:
            found.append(item)
    return found


async def get(gh: GitHub, repo: str, number: int) -> Json:
    item: Json = await gh.getitem(f"/repos/{repo}/issues/{number}")
    return item


async def create(gh: GitHub, repo: str, data: Json) -> Json:
    """Open an issue; callers find before they create (see ``bot.app.mitigations``)."""
    item: Json = await gh.post(f"/repos/{repo}/issues", data=data)
    return item


async def close_completed(gh: GitHub, repo: str, number: int) -> None:
    await gh.patch(f"/repos/{repo}/issues/{number}",
                   data={"state": "closed", "state_reason": "completed"})
