"""What every event handler is handed: no globals, so tests can give it anything."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from gidgethub.sansio import Event

from bot.app.review import Reviewer
from bot.github.app import GitHubApp
from bot.github.client import GitHub


@dataclass(frozen=True, slots=True)
class Context:
    github: GitHubApp
    reviewer: Reviewer

    async def client(self, event: Event) -> GitHub:
        """A client acting as the installation the event was delivered for."""
        return await self.github.installation(int(event.data["installation"]["id"]))


def repository(event: Event) -> str:
    data: dict[str, Any] = event.data
    return str(data["repository"]["full_name"])
