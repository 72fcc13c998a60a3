"""Structured logs: one JSON object per line, carrying the delivery it belongs to.

Every line has ``time``, ``level``, ``logger`` and ``message``; lines written while a
delivery is worked on also carry that delivery's fields (``delivery_id``, ``event``,
``repository``, ``pr``, ``head_sha``, bound with ``bind``), and the trace and span ids when
a span is recording, so a line leads to its trace. An error's traceback is a field of its
line, not more lines. Every line passes through ``secrets.scrub`` last.

``PERFBOT_LOG_FORMAT=text`` gives the same events as readable lines for a terminal.
"""

from __future__ import annotations

import contextlib
import logging
import sys
import traceback
from collections.abc import Iterator, Mapping
from contextvars import ContextVar
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any, TextIO

import orjson
from opentelemetry import trace

from bot.telemetry import secrets

FORMATS = ("json", "text")
LEVELS = ("debug", "info", "warning", "error")
# Fields a line may carry beyond the basics, in the order they are written. Anything else
# passed as ``extra`` is left out: a log call cannot leak a value by naming a new field.
FIELDS = ("delivery_id", "event", "action", "repository", "pr", "head_sha", "installation",
          "outcome", "duration_ms", "error", "url", "github_url", "app")
_context: ContextVar[Mapping[str, Any]] = ContextVar(
    "perfbot_log_context", default=MappingProxyType({}))


@contextlib.contextmanager
def bind(**fields: Any) -> Iterator[None]:
    """Add ``fields`` to every line logged within (in this task and the tasks it starts)."""
    token = _context.set({**_context.get(), **{k: v for k, v in fields.items() if v}})
    try:
        yield
    finally:
        _context.reset(token)


def bound() -> Mapping[str, Any]:
    return _context.get()


def fields_of(record: logging.LogRecord) -> dict[str, Any]:
    """The structured fields of a record: the bound context, then the record's own."""
    found: dict[str, Any] = dict(_context.get())
    for name in FIELDS:
        value = record.__dict__.get(name)
        if value is not None:
            found[name] = value
    return found


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(
                timespec="milliseconds").replace("+00:00", "Z"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        ordered = fields_of(record)
        line.update((name, ordered[name]) for name in FIELDS if name in ordered)
        span = trace.get_current_span().get_span_context()
        if span.is_valid:
            line["trace_id"] = format(span.trace_id, "032x")
            line["span_id"] = format(span.span_id, "016x")
        if record.exc_info and record.exc_info[1] is not None:
            exc = record.exc_info[1]
            line.setdefault("error", f"{type(exc).__name__}: {exc}")
            line["traceback"] = "".join(traceback.format_exception(*record.exc_info))
        text = orjson.dumps(line, default=str).decode()
        return secrets.scrub(text)


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        found = fields_of(record)
        if found:
            text += " " + " ".join(f"{k}={found[k]}" for k in FIELDS if k in found)
        return secrets.scrub(text)


def configure(fmt: str = "json", level: str = "info", stream: TextIO | None = None) -> None:
    """Send every logger's lines to ``stream`` (stderr) in ``fmt``, from ``level`` up."""
    handler = logging.StreamHandler(sys.stderr if stream is None else stream)
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
