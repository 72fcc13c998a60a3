"""Alembic's environment for perfbot's store: always run on a connection the App passes in
(``bot.store.migrate``), never from a URL in a config file."""

from __future__ import annotations

from alembic import context

from bot.store.schema import metadata

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata,
                  version_table="perfbot_alembic_version")
with context.begin_transaction():
    context.run_migrations()
