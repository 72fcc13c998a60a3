"""``perfbot serve`` as a real process: what it says when it starts, and when it cannot."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import socket
import sys
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from emulator import Emulator, app_keys
from harness import APP_ID, SECRET, World, open_pr
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)

WAIT = 60.0  # generous: the machine is shared; nothing here measures time


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Served:
    process: asyncio.subprocess.Process
    port: int
    lines: list[str] = field(default_factory=list)
    _reader: asyncio.Task[None] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def events(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.lines]

    async def line(self, matches: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
        """The first log event that ``matches``, waiting for it to be written."""
        for _ in range(int(WAIT / 0.05)):
            found = [e for e in self.events() if matches(e)]
            if found:
                return found[0]
            if self.process.returncode is not None and self._reader and self._reader.done():
                break
            await asyncio.sleep(0.05)
        raise AssertionError("no such line; perfbot wrote:\n" + "\n".join(self.lines))

    async def stopped(self) -> int:
        """SIGTERM, then the exit status once it has finished."""
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
        return await self.exited()

    async def exited(self) -> int:
        status = await asyncio.wait_for(self.process.wait(), WAIT)
        if self._reader is not None:
            await asyncio.wait_for(self._reader, WAIT)
        return status


def serve_env(api_url: str, port: int, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("GITHUB_", "PERFBOT_", "OTEL_"))}
    env.update({"GITHUB_APP_ID": str(APP_ID), "GITHUB_PRIVATE_KEY": app_keys().private_pem,
                "GITHUB_WEBHOOK_SECRET": SECRET, "GITHUB_API_URL": api_url,
                "HOST": "127.0.0.1", "PORT": str(port), **extra})
    return env


@contextlib.asynccontextmanager
async def serving(api_url: str, port: int | None = None, **extra: str) -> AsyncIterator[Served]:
    port = port or free_port()
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "serve", env=serve_env(api_url, port, **extra),
        stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE)
    served = Served(process, port)

    async def read() -> None:
        assert process.stderr is not None
        async for raw in process.stderr:
            served.lines.append(raw.decode().rstrip("\n"))

    served._reader = asyncio.create_task(read())
    try:
        yield served
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
        served._reader.cancel()


def listening(event: dict[str, Any]) -> bool:
    return "listening on" in event["message"]


async def test_serve_says_where_it_listens_and_as_which_app(emulator: Emulator, world: World):
    async with serving(emulator.api) as served:
        where = await served.line(listening)
        assert (where["level"], where["url"]) == ("info", served.url)
        assert where["message"].startswith("perfbot ")
        github = await served.line(lambda e: e.get("github_url") == emulator.api)
        assert github["level"] == "info" and "authenticated" in github["message"]
        async with aiohttp.ClientSession() as session, session.get(
                served.url + "/healthz") as reply:
            assert reply.status == 200
        assert await served.stopped() == 0
    assert not any("exporting traces" in e["message"] for e in served.events())
    assert "Traceback" not in "\n".join(served.lines)


async def test_a_port_in_use_is_one_clear_line(emulator: Emulator, world: World):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        async with serving(emulator.api, port) as served:
            assert await served.exited() == 1
    text = "\n".join(served.lines)
    assert "Traceback" not in text
    [error] = [e for e in served.events() if e["level"] == "error"]
    assert error["message"] == f"cannot listen on 127.0.0.1:{port}: address already in use"
    assert not any(listening(e) for e in served.events())


async def test_an_unreachable_github_is_one_clear_line(world: World):
    nowhere = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    async with serving(nowhere) as served:
        await served.line(listening)
        problem = await served.line(lambda e: e.get("github_url") == nowhere)
        assert problem["level"] == "error"
        assert problem["message"].startswith(f"cannot reach GitHub at {nowhere} (")
        assert "GITHUB_API_URL" in problem["message"]
        async with aiohttp.ClientSession() as session, session.get(
                served.url + "/healthz") as reply:
            assert reply.status == 200  # it keeps serving: GitHub may come back
        assert await served.stopped() == 0
    assert "Traceback" not in "\n".join(served.lines)
    assert [e["message"] for e in served.events() if e["level"] == "error"] == [
        problem["message"]]


async def test_credentials_github_refuses_are_one_clear_line(emulator: Emulator):
    emulator.register_app(app_keys("someone-else").public_pem, app_id=APP_ID)
    with emulator.expect_violations("Signature verification failed"):
        async with serving(emulator.api) as served:
            problem = await served.line(lambda e: e.get("github_url") == emulator.api)
            assert await served.stopped() == 0
    assert problem["level"] == "error"
    assert "refused the App's credentials (401)" in problem["message"]
    assert "Traceback" not in "\n".join(served.lines)


@pytest.fixture
async def receiver() -> AsyncIterator[tuple[str, list[ExportTraceServiceRequest]]]:
    """An OTLP/HTTP trace receiver on loopback, as a collector would listen on 4318."""
    received: list[ExportTraceServiceRequest] = []

    async def traces(request: web.Request) -> web.Response:
        assert request.content_type == "application/x-protobuf"
        export = ExportTraceServiceRequest()
        export.ParseFromString(await request.read())
        received.append(export)
        return web.Response(body=ExportTraceServiceResponse().SerializeToString(),
                            content_type="application/x-protobuf")

    app = web.Application()
    app.router.add_post("/v1/traces", traces)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        yield f"http://127.0.0.1:{port}", received
    finally:
        await runner.cleanup()


async def test_traces_reach_an_otlp_http_receiver(emulator: Emulator, world: World, receiver):
    endpoint, received = receiver
    pr = open_pr(world, {"svc/api/routes.py": "@app.get('/orders')\ndef orders():\n"
                                              "    return []\n"})
    async with serving(emulator.api, OTEL_EXPORTER_OTLP_ENDPOINT=endpoint,
                       OTEL_SERVICE_NAME="perfbot-under-test") as served:
        exporting = await served.line(lambda e: "exporting traces" in e["message"])
        assert exporting["url"] == endpoint
        await served.line(listening)
        headers, body = emulator.sign(
            "pull_request", emulator.webhook_payload("pull_request", "opened", pr=pr), SECRET)
        async with aiohttp.ClientSession() as session, session.post(
                served.url + "/webhooks", data=body, headers=dict(headers)) as reply:
            assert reply.status == 202
        done = await served.line(lambda e: e.get("outcome") == "processed")
        assert await served.stopped() == 0  # stopping flushes what is still buffered

    key_lines = [line for line in app_keys().private_pem.splitlines() if "-----" not in line]
    written = "\n".join(served.lines)
    assert all(secret not in written for secret in (SECRET, *key_lines, *emulator.tokens))
    spans = [(resource, span) for export in received for resource in export.resource_spans
             for scope in resource.scope_spans for span in scope.spans]
    services = {a.value.string_value for resource, _ in spans
                for a in resource.resource.attributes if a.key == "service.name"}
    assert services == {"perfbot-under-test"}
    names = [span.name for _, span in spans]
    [root] = [span for _, span in spans if span.name == "webhook pull_request.opened"]
    attributes = {a.key: a.value for a in root.attributes}
    assert attributes["perfbot.delivery_id"].string_value == done["delivery_id"]
    assert attributes["perfbot.pr"].int_value == pr.number
    assert "rule instrumentation" in names and "GitHub POST" in names
    delivery_trace = [span for _, span in spans if span.trace_id == root.trace_id]
    assert {"GitHub GET", "GitHub POST", "rule design_record"} <= {s.name for s in delivery_trace}
    assert done["trace_id"] == root.trace_id.hex()
