"""perfbot's comments on GitHub: the checklist and links comments, replies, reactions.

Writes converge like check runs do (see ``check_runs``): each attempt reads what is there
and sends only what is missing, so a write GitHub applied but answered with a 5xx is
found, not repeated.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

from gidgethub import BadRequest, GitHubBroken

from bot.github.client import GitHub, converge

log = logging.getLogger(__name__)
REPLY_MARKER = "<!-- perfbot:reply {key} -->"


@dataclass(frozen=True, slots=True)
class Comment:
    id: int
    body: str
    url: str = ""


async def comments(gh: GitHub, repo: str, number: int) -> AsyncIterator[dict[str, Any]]:
    async for item in gh.getiter(f"/repos/{repo}/issues/{number}/comments?per_page=100"):
        yield item


def by_app(item: dict[str, Any], app_id: int) -> bool:
    return bool((item.get("performed_via_github_app") or {}).get("id") == app_id)


async def find_own(gh: GitHub, repo: str, number: int, app_id: int, marker: str) -> Comment | None:
    """perfbot's oldest comment on an issue or pull request that carries ``marker``."""
    async for item in comments(gh, repo, number):
        if by_app(item, app_id) and marker in (item.get("body") or ""):
            return Comment(int(item["id"]), item.get("body") or "", item.get("html_url") or "")
    return None


async def upsert(
    gh: GitHub, repo: str, number: int, app_id: int, marker: str,
    body: Callable[[Comment | None], str | None],
) -> Comment | None:
    """Create or edit perfbot's one comment with ``marker``; ``body`` sees the current one.

    ``body`` returning None leaves things as they are (no comment wanted).
    """

    async def attempt() -> Comment | None:
        current = await find_own(gh, repo, number, app_id, marker)
        text = body(current)
        if text is None:
            return current
        if current is None:
            item = await gh.post(f"/repos/{repo}/issues/{number}/comments", data={"body": text})
        elif current.body != text:
            item = await gh.patch(f"/repos/{repo}/issues/comments/{current.id}",
                                  data={"body": text})
        else:
            return current
        return Comment(int(item["id"]), item.get("body") or "", item.get("html_url") or "")

    return await converge(gh, attempt)


async def reply(
    gh: GitHub, repo: str, number: int, text: str, *, once: str = "", app_id: int = 0
) -> None:
    """A one-off answer; never repeated blindly, so a lost response cannot post it twice.

    With ``once`` (which comment, which revision of it, which answer), an answer perfbot
    already gave is not given again: GitHub redelivers a delivery unchanged, and after a
    restart nothing in memory remembers it.
    """
    if once:
        marker = REPLY_MARKER.format(key=once)
        if await find_own(gh, repo, number, app_id, marker) is not None:
            return
        text = f"{text}\n{marker}"
    await gh.post(f"/repos/{repo}/issues/{number}/comments", data={"body": text})


def answer_key(comment: dict[str, Any]) -> str:
    """Names one revision of a comment: a redelivery repeats it, an edit changes it."""
    when = comment.get("updated_at") or comment.get("created_at") or ""
    text = hashlib.sha256((comment.get("body") or "").encode()).hexdigest()[:12]
    return f"{comment.get('id')}@{when}:{text}"


async def react(gh: GitHub, repo: str, comment_id: int, content: str = "+1") -> None:
    try:
        await gh.post(f"/repos/{repo}/issues/comments/{comment_id}/reactions",
                      data={"content": content})
    except (BadRequest, GitHubBroken) as exc:  # a missing reaction is no reason to fail
        log.info("could not react to comment %s: %s", comment_id, exc)
