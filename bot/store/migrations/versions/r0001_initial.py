"""The durable delivery queue, named leases and facts.

Revision ID: 0001
Revises:
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "perfbot_deliveries",
        sa.Column("id", sa.String(100), primary_key=True),
        sa.Column("event", sa.String(100), nullable=False),
        sa.Column("body", sa.LargeBinary, nullable=True),
        sa.Column("state", sa.String(10), nullable=False),
        sa.Column("received_at", sa.Double, nullable=False),
        sa.Column("not_before", sa.Double, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("lease_owner", sa.String(100), nullable=True),
        sa.Column("lease_expires", sa.Double, nullable=True),
        sa.Column("finished_at", sa.Double, nullable=True),
        sa.Column("error", sa.Text, nullable=True),
    )
    op.create_index("perfbot_deliveries_due", "perfbot_deliveries", ["state", "not_before"])
    op.create_table(
        "perfbot_leases",
        sa.Column("name", sa.String(400), primary_key=True),
        sa.Column("owner", sa.String(100), nullable=False),
        sa.Column("token", sa.BigInteger, nullable=False),
        sa.Column("expires", sa.Double, nullable=False),
    )
    op.create_table(
        "perfbot_facts",
        sa.Column("namespace", sa.String(100), primary_key=True),
        sa.Column("key", sa.String(400), primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
        sa.Column("updated_at", sa.Double, nullable=False),
        sa.Column("expires", sa.Double, nullable=True),
    )


def downgrade() -> None:
    op.drop_table("perfbot_facts")
    op.drop_table("perfbot_leases")
    op.drop_index("perfbot_deliveries_due", "perfbot_deliveries")
    op.drop_table("perfbot_deliveries")
