"""Webhook bodies from strangers: read within a deadline, and only so many bytes at once
before their signature is checked."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from types import SimpleNamespace

import pytest
from emulator import Emulator
from harness import World, open_pr, running_bot

from bot.app.bodies import Unverified
from bot.app.delivery import Refused
from bot.app.server import UNVERIFIED

MB = 1024 * 1024
GUARD = 30.0  # seconds: only so that a broken build fails instead of hanging


class Upload:
    """A POST /webhooks sent by hand: headers that announce ``declared`` bytes, then
    only what the test sends. Unsigned: the signature is all zeros."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    @classmethod
    async def start(cls, server: object, declared: int, first: bytes) -> Upload:
        host, port = server.host, server.port  # type: ignore[attr-defined]
        reader, writer = await asyncio.open_connection(host, port)
        head = (f"POST /webhooks HTTP/1.1\r\nHost: {host}\r\n"
                "Content-Type: application/json\r\nX-GitHub-Event: pull_request\r\n"
                f"X-Hub-Signature-256: sha256={'0' * 64}\r\n"
                f"Content-Length: {declared}\r\n\r\n").encode()
        writer.write(head + first)
        await writer.drain()
        return cls(reader, writer)

    async def send(self, data: bytes) -> None:
        self.writer.write(data)
        await self.writer.drain()

    async def status(self) -> int:
        line = await asyncio.wait_for(self.reader.readline(), GUARD)
        self.writer.close()
        return int(line.split()[1])


async def until(condition: Callable[[], bool]) -> None:
    async with asyncio.timeout(GUARD):
        while not condition():  # noqa: ASYNC110 - polls the server's own counters
            await asyncio.sleep(0.005)


async def test_a_body_that_never_finishes_is_answered_408(emulator: Emulator, world: World):
    async with running_bot(emulator, settings={"body_timeout": 0.5}) as bot:
        stalled = await Upload.start(bot.client.server, 1_000, b'{"action": ')
        assert await stalled.status() == 408
        assert bot.client.app[UNVERIFIED].used == 0


async def test_unsigned_bodies_share_a_bounded_room_and_real_deliveries_go_through(
        emulator: Emulator, world: World):
    pr = open_pr(world, {"src/a.py": "a = 1\n"})
    async with running_bot(emulator, settings={"unverified_mb": 25}) as bot:
        room = bot.client.app[UNVERIFIED]
        first = await Upload.start(bot.client.server, 20 * MB, b"x" * 1024)
        await until(lambda: room.used == 20 * MB)
        second = await Upload.start(bot.client.server, 20 * MB, b"x" * 1024)
        await until(lambda: room.waiting == 1)  # no room for it: not read meanwhile
        assert await bot.send("pull_request", "opened", pr=pr) == 202  # a few KB still fit
        assert room.used == 20 * MB
        await first.send(b"x" * (20 * MB - 1024))
        assert await first.status() == 401  # read whole, then refused
        await second.send(b"x" * (20 * MB - 1024))
        assert await second.status() == 401
        assert room.peak <= 25 * MB and room.used == 0
    [run] = world.emu.check_runs(world.repo, pr.head_sha)
    assert run.status == "completed"


def request(length: int | None, chunks: list[bytes]) -> object:
    async def iter_any():  # type: ignore[no-untyped-def]
        for chunk in chunks:
            yield chunk

    return SimpleNamespace(content_length=length, content=SimpleNamespace(iter_any=iter_any))


async def test_a_body_that_finds_no_room_in_time_is_answered_503():
    room = Unverified(limit=25 * MB, timeout=0.2, max_size=25 * MB)
    async with room.body(request(20 * MB, [b"x" * MB] * 20)) as body:  # held: being checked
        assert len(body) == 20 * MB
        with pytest.raises(Refused) as refused:
            async with room.body(request(10 * MB, [b"y" * MB] * 10)):
                pass
        assert refused.value.status == 503
    assert room.used == 0


async def test_bodies_without_a_length_count_as_they_arrive_and_stop_at_the_limit():
    room = Unverified(limit=30 * MB, timeout=5, max_size=25 * MB)
    async with room.body(request(None, [b"x" * MB] * 3)) as body:
        assert (len(body), room.used) == (3 * MB, 3 * MB)
    with pytest.raises(Refused) as refused:
        async with room.body(request(None, [b"x" * MB] * 26)):
            pass
    assert refused.value.status == 413 and room.used == 0
