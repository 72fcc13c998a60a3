"""Who may sign off: asked of GitHub at the time of the command (users, teams, role)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from urllib.parse import quote

from gidgethub import BadRequest

from bot.core.review_settings import Permission, SignoffSettings
from bot.github.client import GitHub

log = logging.getLogger(__name__)
NO_MEMBERS_ACCESS = (
    "perfbot could not check membership of {teams}: GitHub refused (403), so the App lacks "
    "the `members: read` organisation permission. An organisation owner accepts it in the "
    "App's installation settings."
)


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
