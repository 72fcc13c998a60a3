"""perfbot's words on GitHub: the checklist comment, replies, permission checks, issues.

Writes converge like check runs do (see ``publish``): each attempt reads what is there
and sends only what is missing, so a write GitHub applied but answered with a 5xx is
found, not repeated.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import quote, urlencode

from gidgethub import BadRequest, GitHubBroken

from bot.core.review.settings import Permission, SignoffSettings
from bot.github.client import GitHub, converge

log = logging.getLogger(__name__)
T = TypeVar("T")
REPLY_MARKER = "<!-- perfbot:reply {key} -->"
NO_MEMBERS_ACCESS = (
    "perfbot could not check membership of {teams}: GitHub refused (403), so the App lacks "
    "the `members: read` organisation permission. An organisation owner accepts it in the "
    "App's installation settings."
)


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


@dataclass(frozen=True, slots=True)
class Authority:
    """Whether someone may sign off, and what perfbot was not allowed to check."""

    allowed: bool
    unchecked_teams: tuple[str, ...] = ()

    def note(self) -> str:
        """Why a refusal may be perfbot's missing permission rather than the person's."""
        if self.allowed or not self.unchecked_teams:
            return ""
        return NO_MEMBERS_ACCESS.format(teams=", ".join(f"`{t}`" for t in self.unchecked_teams))


async def may_sign_off(
    gh: GitHub, repo: str, login: str, settings: SignoffSettings, author: str
) -> bool:
    """Asked of GitHub at the time of the command: users, teams, then repository role."""
    return (await authority(gh, repo, login, settings, author)).allowed


async def authority(
    gh: GitHub, repo: str, login: str, settings: SignoffSettings, author: str
) -> Authority:
    """``may_sign_off``, naming the teams GitHub would not let perfbot look into."""
    if login.lower() == author.lower() and not settings.allow_author_signoff:
        return Authority(False)
    if login.lower() in {u.lstrip("@").lower() for u in settings.users}:
        return Authority(True)
    unchecked: list[str] = []
    for team in settings.teams:
        org, _, slug = team.lstrip("@").partition("/")
        if not slug:
            continue
        try:
            member = await gh.getitem(
                f"/orgs/{quote(org)}/teams/{quote(slug)}/memberships/{quote(login)}"
            )
        except BadRequest as exc:
            if int(exc.status_code) == 403:  # not "not a member": perfbot may not look
                log.warning("%s: no access to the members of %s (members: read)", repo, team)
                unchecked.append(team.lstrip("@"))
                continue
            if int(exc.status_code) == 404:
                continue
            raise
        if member.get("state") == "active":  # "pending": invited, not yet a member
            return Authority(True)
    return Authority(await _has_role(gh, repo, login, settings), tuple(unchecked))


async def _has_role(gh: GitHub, repo: str, login: str, settings: SignoffSettings) -> bool:
    try:
        data = await gh.getitem(f"/repos/{repo}/collaborators/{quote(login)}/permission")
    except BadRequest as exc:
        if int(exc.status_code) in (403, 404):
            return False
        raise
    role = data.get("role_name") or data.get("permission") or "read"
    if "none" in (role, data.get("permission")):  # no access at all is below every role
        return False
    try:
        return Permission(role).rank >= settings.permission.rank
    except ValueError:  # a custom role: judge by its base permission
        base = data.get("permission") or "read"
        legacy = {"admin": Permission.ADMIN, "write": Permission.WRITE}.get(base, Permission.READ)
        return legacy.rank >= settings.permission.rank


async def issues_labelled(
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

