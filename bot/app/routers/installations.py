"""Installations come and go; perfbot keeps no per-installation state beyond its caches."""

from __future__ import annotations

import logging

from gidgethub import routing
from gidgethub.sansio import Event

from bot.app.context import Context

log = logging.getLogger(__name__)
router = routing.Router()


@router.register("installation", action="created")
async def on_created(event: Event, context: Context) -> None:
    installation = event.data["installation"]
    repos = event.data.get("repositories") or []
    log.info(
        "installed on %s (installation %s, %d repositories)",
        installation["account"]["login"], installation["id"], len(repos),
    )


@router.register("installation", action="deleted")
async def on_deleted(event: Event, context: Context) -> None:
    installation = event.data["installation"]
    context.github.tokens.forget(int(installation["id"]))
    log.info("uninstalled from %s (installation %s)",
             installation["account"]["login"], installation["id"])
