"""The store's tables, in SQLAlchemy Core: the same definitions on SQLite and PostgreSQL.

Times are epoch seconds (``Double``) so one clock, which tests can replace, governs every
lease, retry and expiry, whatever the database's own idea of now.
"""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

# The durable queue. One row per X-GitHub-Delivery: its primary key is the dedupe.
# state: "queued" (waiting, due at not_before), "leased" (a process works on it until
# lease_expires), "done" (body dropped, the row kept for dedupe until pruned), "failed"
# (every attempt failed: kept, with its body and last error, for an operator).
deliveries = sa.Table(
    "perfbot_deliveries",
    metadata,
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
    sa.Index("perfbot_deliveries_due", "state", "not_before"),
)

# Named leases: singleton jobs and cross-process locks. ``token`` grows on every
# acquisition (a fencing token): a holder can check it still holds the lease.
leases = sa.Table(
    "perfbot_leases",
    metadata,
    sa.Column("name", sa.String(400), primary_key=True),
    sa.Column("owner", sa.String(100), nullable=False),
    sa.Column("token", sa.BigInteger, nullable=False),
    sa.Column("expires", sa.Double, nullable=False),
)

# Small facts other parts keep across restarts and replicas: JSON values by
# (namespace, key), optionally expiring.
facts = sa.Table(
    "perfbot_facts",
    metadata,
    sa.Column("namespace", sa.String(100), primary_key=True),
    sa.Column("key", sa.String(400), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
    sa.Column("updated_at", sa.Double, nullable=False),
    sa.Column("expires", sa.Double, nullable=True),
)
