"""perfbot's durable state: the delivery queue, named leases and facts (``Store``).

    store = await Store.open(url)          # sqlite:///PATH or postgresql://…, migrated
    await store.record(id, event, body)    # before acknowledging a delivery
    async with store.leased("job", 300) as lease:   # a singleton job: lease or None
        ...
    async with store.lock("pr:o/r#1"):    # serialise one key across replicas
        ...
    await store.put("ns", "key", {"a": 1}, ttl=3600); await store.get("ns", "key")
"""

from bot.store.store import (
    Backoff,
    Delivery,
    Failure,
    Lease,
    QueueCounts,
    Recorded,
    Store,
    default_url,
    engine_for,
)

__all__ = [
    "Backoff",
    "Delivery",
    "Failure",
    "Lease",
    "QueueCounts",
    "Recorded",
    "Store",
    "default_url",
    "engine_for",
]
