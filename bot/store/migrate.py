"""Bring a database to the newest schema with the Alembic migrations packaged here."""

from __future__ import annotations

import asyncio
import logging
import weakref
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).parent / "migrations"
# Alembic's migration context is process-global: within a process, one upgrade at a time.
_LOCKS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
    weakref.WeakKeyDictionary()
)


def config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def _upgrade(connection: Connection) -> None:
    cfg = config()
    cfg.attributes["connection"] = connection
    command.upgrade(cfg, "head")


async def upgrade(engine: AsyncEngine, attempts: int = 5) -> None:
    """Apply every migration not yet applied. Replicas starting together race to create
    the same tables; the loser's transaction fails and it tries again, finding them."""
    lock = _LOCKS.setdefault(asyncio.get_running_loop(), asyncio.Lock())
    for attempt in range(1, attempts + 1):
        try:
            async with lock, engine.begin() as connection:
                await connection.run_sync(_upgrade)
            return
        except DBAPIError:
            if attempt == attempts:
                raise
            log.info("schema migration raced another process; trying again")
            await asyncio.sleep(0.2 * attempt)
