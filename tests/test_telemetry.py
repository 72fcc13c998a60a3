"""What the App tells its operator about itself: metrics, logs and traces."""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Iterator, Sequence

import aiohttp
import pytest
from emulator import app_keys
from gidgethub.sansio import Event
from harness import INSTALLATION, SECRET, Bot, World, open_pr
from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor, SpanExporter, SpanExportResult
from opentelemetry.trace import SpanKind

from bot.app.observed import observed
from bot.app.settings import SettingsError, from_env
from bot.telemetry import logs, secrets, traces

RATE = "perfbot_github_rate_limit_remaining"
CODE = {"svc/api/routes.py": "@app.get('/orders')\ndef orders():\n    return []\n"}


def samples(exposition: str, name: str) -> list[str]:
    return [line for line in exposition.splitlines()
            if line.startswith(name) and not line.startswith("#")]


async def test_no_rate_limit_figure_until_github_has_given_one(bot: Bot, world: World):
    before = await (await bot.client.get("/metrics")).text()
    assert f"# TYPE {RATE} gauge" in before
    assert samples(before, RATE) == []  # 0 would read as exhausted, and page someone

    pr = open_pr(world, CODE)
    await bot.send("pull_request", "opened", pr=pr)
    after = await (await bot.client.get("/metrics")).text()
    left = world.emu.installations[INSTALLATION].rate_remaining
    assert samples(after, RATE) == [f"{RATE} {float(left)}"]


# --- logs


@pytest.fixture
def log_lines() -> Iterator[list[str]]:
    """Every line any logger writes during the test, as ``perfbot serve`` writes it, from
    debug up; the list is filled when the test ends its body (read it after the work)."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logs.JsonFormatter())
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    lines: list[str] = []

    class Lines(list[str]):
        def __iter__(self) -> Iterator[str]:
            return iter(stream.getvalue().splitlines())

        def __len__(self) -> int:
            return len(stream.getvalue().splitlines())

    lines = Lines()
    try:
        yield lines
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


def parsed(lines: Sequence[str]) -> list[dict]:
    return [json.loads(line) for line in lines]


async def test_a_delivery_ends_in_one_json_line_with_its_facts(bot: Bot, world: World,
                                                              log_lines: list[str]):
    pr = open_pr(world, CODE)
    delivery = "6f1d2c3b-0000-4000-8000-000000000001"
    headers, body = world.emu.sign("pull_request",
                                   world.emu.webhook_payload("pull_request", "opened", pr=pr),
                                   SECRET, delivery)
    assert (await bot.client.post("/webhooks", data=body, headers=dict(headers))).status == 202
    await bot.settle()

    events = parsed(list(log_lines))  # every line is one JSON object
    [done] = [e for e in events if e.get("outcome")]
    assert done["level"] == "info" and done["logger"] == "bot.app.delivery"
    assert {k: done[k] for k in ("delivery_id", "event", "action", "repository", "pr",
                                 "head_sha", "outcome")} == {
        "delivery_id": delivery, "event": "pull_request", "action": "opened",
        "repository": "octo-org/service", "pr": pr.number, "head_sha": pr.head_sha,
        "outcome": "processed"}
    assert isinstance(done["duration_ms"], float) and done["duration_ms"] >= 0
    # What the pass logged on the way carries the same delivery.
    verdict = [e for e in events if e["logger"] == "bot.app.source"]
    assert verdict and all(e["delivery_id"] == delivery and e["pr"] == pr.number
                           for e in verdict)


async def test_a_failed_delivery_is_one_line_with_its_error(bot: Bot, world: World,
                                                           log_lines: list[str]):
    pr = open_pr(world, CODE)
    world.emu.inject("POST", r"/check-runs$", status=500, times=50)  # GitHub keeps failing
    await bot.send("pull_request", "opened", pr=pr)
    events = parsed(list(log_lines))
    [ended] = [e for e in events if e.get("outcome")]
    assert (ended["level"], ended["outcome"], ended["pr"]) == ("error", "failed", pr.number)
    assert ended["error"] == "GitHubBroken: Server Error"
    # GitHub's failure, not a bug: the reason is enough, on no line a stack.
    assert not any("traceback" in e for e in events)
    retry = [e for e in events if e["logger"] == "bot.app.intake"]
    assert retry and all((e["delivery_id"], e["pr"]) == (ended["delivery_id"], pr.number)
                         for e in retry)
    for event in events:
        assert "\n" not in json.dumps(event)  # a traceback is a field of its line


@pytest.mark.parametrize(("raised", "traced"), [
    (aiohttp.ClientConnectionError("Cannot connect to host api.github.com:443"), False),
    (TimeoutError(), False),
    (KeyError("check_suite"), True),  # a bug: its stack is what a fix needs
])
async def test_only_a_bug_brings_its_traceback(log_lines: list[str], raised: Exception,
                                               traced: bool):
    async def handler(event: Event) -> None:
        raise raised

    event = Event({"action": "opened", "repository": {"full_name": "o/r"}},
                  event="pull_request", delivery_id="d-1")
    with pytest.raises(type(raised)):
        await observed(handler)(event)
    [line] = [e for e in parsed(list(log_lines)) if e["logger"] == "bot.app.delivery"]
    assert (line["delivery_id"], line["outcome"], line["repository"]) == ("d-1", "failed", "o/r")
    assert line["error"].startswith(type(raised).__name__)
    assert ("traceback" in line) is traced


def secrets_of(world: World) -> list[str]:
    key = app_keys().private_pem
    lines = [line for line in key.splitlines() if "-----" not in line]
    return [SECRET, key, *lines, *world.emu.tokens]


async def test_no_secret_reaches_a_log_line(bot: Bot, world: World, log_lines: list[str]):
    pr = open_pr(world, CODE)
    # Failures make the App log the most: retries, a refused token, a failed delivery.
    world.emu.inject("POST", r"/check-runs$", status=502, times=2)
    world.emu.inject("GET", r"/pulls/\d+/files", status=500, times=30)
    await bot.send("pull_request", "opened", pr=pr)
    world.emu.inject("POST", r"/access_tokens$", status=401, times=1)
    await bot.send("pull_request", "synchronize", pr=pr, before=pr.head_sha)
    # A bad signature and a delivery signed with another secret.
    headers, body = world.emu.sign("pull_request",
                                   world.emu.webhook_payload("pull_request", "opened", pr=pr),
                                   "not-" + SECRET)
    assert (await bot.client.post("/webhooks", data=body, headers=dict(headers))).status == 401

    text = "\n".join(log_lines)
    assert len(log_lines) > 5 and world.emu.tokens
    for value in secrets_of(world):
        assert value not in text
    assert not re.search(r"eyJ[\w-]+\.[\w-]+", text)  # no App JWT


def test_a_secret_logged_by_mistake_is_replaced(log_lines: list[str]):
    token = "v1.0123456789abcdef0123456789abcdef01234567"  # any shape: hidden by value
    secrets.hide(token)
    log = logging.getLogger("bot.test")
    log.warning("minted %s", token)
    log.warning("header Authorization: Bearer %s", "A" * 40)
    log.warning("jwt %s", "eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiIxIn0.c2lnbmF0dXJl")
    try:
        raise RuntimeError(f"refused ghs_{'x' * 36}")
    except RuntimeError:
        log.exception("failed")
    text = "\n".join(log_lines)
    assert token not in text and "A" * 40 not in text and "eyJ" not in text
    assert "ghs_x" not in text and text.count(secrets.MASK) >= 5


# --- traces


class Recording(SpanExporter):
    """Keeps the spans ended while a test records; drops them otherwise."""

    def __init__(self) -> None:
        self.spans: list[ReadableSpan] = []
        self.active = False

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        if self.active:
            self.spans.extend(spans)
        return SpanExportResult.SUCCESS


_RECORDING = Recording()


@pytest.fixture
def spans() -> Iterator[list[ReadableSpan]]:
    """The spans the process ends during the test (an SDK installed once per process, as
    ``perfbot serve`` does when an OTLP endpoint is set)."""
    if not isinstance(trace.get_tracer_provider(), TracerProvider):
        provider = TracerProvider()
        provider.add_span_processor(SimpleSpanProcessor(_RECORDING))
        trace.set_tracer_provider(provider)
    _RECORDING.spans = []
    _RECORDING.active = True
    try:
        yield _RECORDING.spans
    finally:
        _RECORDING.active = False


async def test_a_delivery_is_one_trace_of_its_requests_and_rules(bot: Bot, world: World,
                                                               spans: list[ReadableSpan]):
    pr = open_pr(world, CODE)
    asked = len(world.emu.requests)
    await bot.send("pull_request", "opened", pr=pr)
    made = world.emu.requests[asked:]

    [root] = [s for s in spans if s.kind is SpanKind.CONSUMER]
    assert root.name == "webhook pull_request.opened" and root.parent is None
    assert root.attributes["perfbot.pr"] == pr.number
    assert root.attributes["perfbot.head_sha"] == pr.head_sha
    assert root.attributes["perfbot.outcome"] == "processed"
    trace_id = root.context.trace_id
    assert {s.context.trace_id for s in spans} == {trace_id}

    requests = [s for s in spans if s.kind is SpanKind.CLIENT]
    assert sorted((s.attributes["http.request.method"], s.attributes["url.full"].split(
        "127.0.0.1", 1)[1].split("/", 1)[1]) for s in requests) == sorted(
        (r.method, r.path.lstrip("/")) for r in made)
    assert all(s.attributes["http.response.status_code"] == r.status for s, r in zip(
        sorted(requests, key=lambda s: s.start_time), made, strict=True))

    rules = {s.name: s for s in spans if s.name.startswith("rule ")}
    assert "rule instrumentation" in rules and "rule design_record" in rules
    assert {s.attributes["perfbot.rule.outcome"] for s in rules.values()} <= {
        "passed", "failed", "skipped"}
    assert rules["rule instrumentation"].attributes["perfbot.rule.outcome"] == "failed"


async def test_a_retried_request_is_a_span_per_attempt(bot: Bot, world: World,
                                                      spans: list[ReadableSpan]):
    pr = open_pr(world, CODE)
    world.emu.inject("GET", r"/pulls/\d+/files", status=502, times=1)
    await bot.send("pull_request", "opened", pr=pr)
    files = [s for s in spans if s.kind is SpanKind.CLIENT
             and str(s.attributes["url.full"]).endswith("/files")]
    assert [s.attributes["http.response.status_code"] for s in files] == [502, 200]
    assert not files[0].status.is_ok and files[1].status.is_unset


def test_traces_are_off_without_an_otlp_endpoint(monkeypatch):
    base = {"GITHUB_APP_ID": "1", "GITHUB_PRIVATE_KEY": app_keys().private_pem,
            "GITHUB_WEBHOOK_SECRET": SECRET}
    assert from_env(base).traces_endpoint == ""
    assert traces.configure("") is None
    on = {**base, "OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4318"}
    assert from_env(on).traces_endpoint == "http://127.0.0.1:4318"
    assert from_env({**on, "OTEL_SDK_DISABLED": "true"}).traces_endpoint == ""
    assert from_env({**on, "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "https://c:4318/v1/traces"}
                    ).traces_endpoint == "https://c:4318/v1/traces"


@pytest.mark.parametrize("value", ["collector:4318", "http://[::1", "http://c:port"])
def test_a_malformed_otlp_endpoint_is_reported_with_the_other_settings(value: str):
    with pytest.raises(SettingsError) as caught:
        from_env({"GITHUB_APP_ID": "1", "GITHUB_PRIVATE_KEY": app_keys().private_pem,
                  "OTEL_EXPORTER_OTLP_ENDPOINT": value})
    assert caught.value.problems == (
        "GITHUB_WEBHOOK_SECRET is not set",
        "OTEL_EXPORTER_OTLP_ENDPOINT must be an http(s) URL, e.g. http://collector:4318")


def test_text_lines_carry_the_same_fields_and_no_secret():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logs.TextFormatter())
    log = logging.getLogger("bot.test.text")
    log.addHandler(handler)
    log.propagate = False
    try:
        secrets.hide("text-format-secret-value")
        with logs.bind(delivery_id="d-2", pr=12):
            log.warning("saw text-format-secret-value", extra={"outcome": "processed"})
    finally:
        log.removeHandler(handler)
        log.propagate = True
    [line] = stream.getvalue().splitlines()
    assert line.endswith("WARNING bot.test.text: saw [redacted] delivery_id=d-2 pr=12 "
                         "outcome=processed")
