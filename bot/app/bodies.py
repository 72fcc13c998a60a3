"""Reading webhook bodies before their signature is checked, within bounds a stranger
cannot lift: a deadline for the whole body, and a cap on the bytes that every body not
yet verified holds at once.

Anyone can send ``POST /webhooks``, and the signature covers the whole body, so a body is
read before perfbot knows whether to trust it. Unbounded, 24 unsigned 24 MB uploads at
once held 600 MB, and an upload that never finished kept its connection open. Here a body
waits for room under the cap (within the same deadline) before it is read; once it is
verified or refused, its bytes no longer count.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import AsyncIterator

from aiohttp import web

from bot.app.delivery import Refused

MB = 1024 * 1024
BUSY = "busy reading other deliveries; GitHub can redeliver this later"


class Unverified:
    """The bytes of request bodies read but not yet verified: at most ``limit`` at once."""

    def __init__(self, *, limit: int, timeout: float, max_size: int) -> None:
        if limit < max_size:
            raise ValueError("the cap must leave room for one body of the largest size")
        self.limit, self.timeout, self.max_size = limit, timeout, max_size
        self.used = 0
        self.peak = 0  # the most ever held at once
        self._waiting: deque[asyncio.Future[None]] = deque()

    @contextlib.asynccontextmanager
    async def body(self, request: web.Request) -> AsyncIterator[bytes]:
        """The request's body, read within ``timeout``; it counts until the block ends.

        Raises ``Refused``: 413 above ``max_size``; 503 when other unverified bodies left
        no room for it in time; 408 when the body itself did not arrive in time.
        """
        declared = request.content_length
        if declared is not None and declared > self.max_size:
            raise Refused(413, f"payload larger than {self.max_size // MB} MB")
        held, waiting = 0, False
        chunks: list[bytes] = []
        try:
            async with asyncio.timeout(self.timeout):
                if declared:
                    waiting = True
                    await self._take(declared)
                    held, waiting = declared, False
                size = 0
                async for chunk in request.content.iter_any():
                    size += len(chunk)
                    if size > self.max_size:
                        raise Refused(413, f"payload larger than {self.max_size // MB} MB")
                    if size > held:  # no length was given, or more came than it said
                        waiting = True
                        await self._take(size - held)
                        held, waiting = size, False
                    chunks.append(chunk)
        except TimeoutError:
            self._give(held)
            if waiting:
                raise Refused(503, BUSY) from None
            raise Refused(408, f"the body did not arrive within {self.timeout:g} s") from None
        except BaseException:
            self._give(held)
            raise
        try:
            yield b"".join(chunks)
        finally:
            self._give(held)

    async def _take(self, size: int) -> None:
        while self.used + size > self.limit:
            room = asyncio.get_running_loop().create_future()
            self._waiting.append(room)
            try:
                await room
            finally:
                with contextlib.suppress(ValueError):
                    self._waiting.remove(room)
        self.used += size
        self.peak = max(self.peak, self.used)

    @property
    def waiting(self) -> int:
        """Bodies waiting for room before they are read."""
        return sum(not room.done() for room in self._waiting)

    def _give(self, size: int) -> None:
        if not size:
            return
        self.used -= size
        for room in self._waiting:  # each looks again; whoever fits goes on
            if not room.done():
                room.set_result(None)
