"""GitHub's answers kept for conditional requests: one cache for every installation,
bounded by the bytes GitHub sent, not by a count per installation.

A 304 answer to a conditional request costs no rate limit, so every answer kept is a
request that may come free next time. A fixed 256 entries per installation held the
working set of a few dozen active pull requests (each keeps its pull request, its files,
its comments); past that, entries were evicted before they were asked for again. Here the
entries of all installations share one least-recently-used budget in bytes, so the cache
holds whatever is active, wherever it is, up to what the operator allows.

gidgethub keys its cache by URL alone, so each installation sees its own view
(``for_installation``): one installation's token is never answered from another's data.
The size of an entry is the length of the body GitHub sent, noted by the client
(``note_size``) just before gidgethub stores what it parsed; the parsed form takes a few
times that in memory.
"""

from __future__ import annotations

from collections.abc import Iterator, MutableMapping
from typing import Any

from cachetools import LRUCache

DEFAULT_BYTES = 32 * 1024 * 1024
ENTRY_OVERHEAD = 512  # headers, the key and the tuple, beside the body


class ETagCache:
    """Every installation's cached answers, least recently used first out."""

    def __init__(self, max_bytes: int = DEFAULT_BYTES) -> None:
        self.max_bytes = max_bytes
        self._entries: LRUCache[tuple[int, str], tuple[Any, int]] = LRUCache(
            maxsize=max_bytes, getsizeof=lambda entry: entry[1])
        self._noted: dict[tuple[int, str], int] = {}

    def for_installation(self, installation_id: int) -> InstallationCache:
        return InstallationCache(self, installation_id)

    @property
    def bytes(self) -> int:
        return int(self._entries.currsize)

    def __len__(self) -> int:
        return len(self._entries)


class InstallationCache(MutableMapping[str, Any]):
    """One installation's view of the shared cache, as gidgethub uses it (by URL)."""

    def __init__(self, shared: ETagCache, installation_id: int) -> None:
        self.shared, self.installation_id = shared, installation_id

    def note_size(self, url: str, size: int) -> None:
        """The body GitHub just sent for ``url``, which gidgethub may store next."""
        noted = self.shared._noted
        if len(noted) > 1_000:  # answers that were not stored (errors, uncacheable)
            noted.clear()
        noted[(self.installation_id, url)] = size

    def __getitem__(self, url: str) -> Any:
        return self.shared._entries[(self.installation_id, url)][0]

    def __setitem__(self, url: str, value: Any) -> None:
        key = (self.installation_id, url)
        size = self.shared._noted.pop(key, 0) + ENTRY_OVERHEAD
        if size > self.shared.max_bytes:
            self.shared._entries.pop(key, None)  # too large to keep: ask in full next time
            return
        self.shared._entries[key] = (value, size)

    def __delitem__(self, url: str) -> None:
        del self.shared._entries[(self.installation_id, url)]

    def __iter__(self) -> Iterator[str]:
        return iter([url for (owner, url) in list(self.shared._entries)
                     if owner == self.installation_id])

    def __len__(self) -> int:
        return sum(1 for _ in self)
