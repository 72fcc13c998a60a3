"""Serialise work on one key (a commit, a pull request) while unrelated keys run in parallel.

Within a process an ``asyncio.Lock`` per key does it; with a store, the key is also held
as a store lease (``Store.lock``), so replicas sharing the store serialise too. The local
lock comes first: waiters in one process queue on it, not on the database.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator, Hashable
from contextlib import asynccontextmanager
from weakref import WeakValueDictionary

from bot.store import Store

# A lease outlives a process that stopped holding it by at most this long.
LOCK_SECONDS = 30.0


class KeyedLocks:
    def __init__(self, store: Store | None = None, ttl: float = LOCK_SECONDS) -> None:
        # Weak values: a lock lives only while someone holds or waits for it.
        self._locks: WeakValueDictionary[Hashable, asyncio.Lock] = WeakValueDictionary()
        self._store = store
        self._ttl = ttl

    @asynccontextmanager
    async def hold(self, key: Hashable) -> AsyncIterator[None]:
        lock = self._locks.get(key)
        if lock is None:
            lock = asyncio.Lock()
            self._locks[key] = lock
        async with lock:
            if self._store is None:
                yield
            else:
                async with self._store.lock(lease_name(key), self._ttl):
                    yield


def lease_name(key: Hashable) -> str:
    """The store's name for a key: readable, and short enough for the leases table."""
    parts = key if isinstance(key, tuple) else (key,)
    name = "lock:" + "/".join(str(part) for part in parts)
    if len(name) <= 200:
        return name
    return "lock:sha256:" + hashlib.sha256(name.encode()).hexdigest()
