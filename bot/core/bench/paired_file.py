"""perfbot's paired result file: a whole comparison of base and head, round by round.

``perfbot bench run --output FILE`` writes it; ``perfbot bench compare FILE`` and the App
(from a CI artifact) read it as a complete comparison, with no baseline to find. It keeps
everything the verdicts rest on, so they can be recomputed under any policy: both
sides' raw samples (or the tool's summary) per round, the order each round ran in, the
commits, the machine and the command. The schema is ``SCHEMA`` below and the README's
"Benchmark result formats"; ``version`` changes only when a reader of the previous
version would misread a file.

Pure: ``PairedRun`` to bytes and back; a file that does not parse is a
``BenchFileError`` naming the file and what is wrong.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson
from jsonschema import Draft202012Validator

from bot.core.bench.model import BenchFileError, Direction, Measurement, Results, Summary
from bot.core.bench.paired import Order, Round
from bot.core.bench.readers._common import MAX_BYTES, Malformed, load_json

KIND = "perfbot-paired"
VERSION = 1
MAX_ROUNDS = 1000

NOT_PAIRED = "is not a perfbot paired result file"
NEWER = (
    "is a paired result file of version {version}; this perfbot reads version {known}: "
    "upgrade perfbot"
)
INVALID = "is not a valid paired result file: {where}{problem}"
TOO_LARGE = "is {size:,} bytes; perfbot reads paired result files of at most {cap:,} bytes"
NO_ROUNDS = "holds no rounds; did perfbot bench run stop before the first round finished?"

_NUMBER = {"type": "number"}
_OPTIONAL_NUMBER = {"type": ["number", "null"]}
_MEASUREMENT = {
    "type": "object",
    "required": ["name", "metric", "unit", "direction"],
    "properties": {
        "name": {"type": "string"},
        "metric": {"type": "string"},
        "unit": {"type": "string"},
        "direction": {"enum": ["lower", "higher"]},
        "samples": {"type": "array", "items": _NUMBER},
        "count": {"type": ["integer", "null"], "minimum": 0},
        "mean": _OPTIONAL_NUMBER,
        "median": _OPTIONAL_NUMBER,
        "min": _OPTIONAL_NUMBER,
        "max": _OPTIONAL_NUMBER,
        "stddev": _OPTIONAL_NUMBER,
        "line": {"type": ["integer", "null"]},
    },
}
_FILE = {
    "type": "object",
    "required": ["path", "format", "benchmarks"],
    "properties": {
        "path": {"type": "string"},
        "format": {"type": "string"},
        "benchmarks": {"type": "array", "items": _MEASUREMENT},
        "errors": {"type": "array", "items": {"type": "string"}},
    },
}
_SIDE = {
    "type": "object",
    "required": ["files"],
    "properties": {
        "seconds": _OPTIONAL_NUMBER,
        "files": {"type": "array", "items": _FILE},
    },
}
_REVISION = {
    "type": "object",
    "required": ["sha"],
    "properties": {"ref": {"type": "string"}, "sha": {"type": "string"}},
}
SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["perfbot", "version", "base", "head", "rounds_planned", "rounds"],
    "properties": {
        "perfbot": {"const": KIND},
        "version": {"const": VERSION},
        "base": _REVISION,
        "head": _REVISION,
        "machine": {"type": "object"},
        "command": {"type": "array", "items": {"type": "string"}},
        "setup": {"type": ["string", "null"]},
        "format": {"type": "string"},
        "rounds_planned": {"type": "integer", "minimum": 1, "maximum": MAX_ROUNDS},
        "max_time": _OPTIONAL_NUMBER,
        "stopped": {"type": "string"},
        "started": {"type": "string"},
        "seconds": _OPTIONAL_NUMBER,
        "rounds": {
            "type": "array",
            "maxItems": MAX_ROUNDS,
            "items": {
                "type": "object",
                "required": ["order", "base", "head"],
                "properties": {
                    "order": {"enum": [o.value for o in Order]},
                    "base": _SIDE,
                    "head": _SIDE,
                },
            },
        },
    },
}
_VALIDATOR = Draft202012Validator(SCHEMA)


@dataclass(frozen=True, slots=True)
class Revision:
    sha: str
    ref: str = ""


@dataclass(frozen=True, slots=True)
class PairedRun:
    """One ``perfbot bench run``: what ran, where, and every round's results."""

    base: Revision
    head: Revision
    rounds: tuple[Round, ...]
    planned: int
    machine: Mapping[str, Any] = field(default_factory=dict)
    command: tuple[str, ...] = ()
    setup: str | None = None
    format: str = "auto"
    max_time: float | None = None
    stopped: str = ""  # why the rounds ended: "decided", "rounds", "time"
    started: str = ""  # ISO 8601, UTC
    seconds: float | None = None  # the whole job, setup included
    # Per round, the seconds each side's command took: (base, head).
    timings: tuple[tuple[float | None, float | None], ...] = ()
    path: str = ""  # where it was read from


def is_paired(doc: Any) -> bool:
    return isinstance(doc, dict) and doc.get("perfbot") == KIND


def looks_paired(data: bytes) -> bool:
    """Cheaply, whether these bytes are a paired result file (its marker near the start)."""
    start = data[:200]
    return any(f'"perfbot":{space}"{KIND}"'.encode() in start for space in ("", " "))


def dumps(run: PairedRun) -> bytes:
    timings = run.timings or tuple((None, None) for _ in run.rounds)
    doc = {
        "perfbot": KIND,
        "version": VERSION,
        "base": {"ref": run.base.ref, "sha": run.base.sha},
        "head": {"ref": run.head.ref, "sha": run.head.sha},
        "machine": dict(run.machine),
        "command": list(run.command),
        "setup": run.setup,
        "format": run.format,
        "rounds_planned": run.planned,
        "max_time": run.max_time,
        "stopped": run.stopped,
        "started": run.started,
        "seconds": run.seconds,
        "rounds": [
            {
                "order": r.order.value,
                "base": {"seconds": t[0], "files": [_file(f) for f in r.base]},
                "head": {"seconds": t[1], "files": [_file(f) for f in r.head]},
            }
            for r, t in zip(run.rounds, timings, strict=True)
        ],
    }
    return orjson.dumps(doc, option=orjson.OPT_INDENT_2) + b"\n"


def _file(results: Results) -> dict[str, Any]:
    return {
        "path": results.path,
        "format": results.format,
        "benchmarks": [_measurement(m) for m in results.measurements],
        "errors": list(results.errors),
    }


def _measurement(m: Measurement) -> dict[str, Any]:
    out: dict[str, Any] = {
        "name": m.benchmark, "metric": m.metric, "unit": m.unit,
        "direction": m.direction.value,
    }
    if m.samples:
        out["samples"] = list(m.samples)
    s = m.summary
    for key, value in (("count", s.count), ("mean", s.mean), ("median", s.median),
                       ("min", s.minimum), ("max", s.maximum), ("stddev", s.stddev)):
        if value is not None:
            out[key] = value
    if m.line is not None:
        out["line"] = m.line
    return out


def loads(path: str, data: bytes) -> PairedRun:
    """Read a paired result file, or raise a ``BenchFileError`` saying what is wrong."""
    if len(data) > MAX_BYTES:
        raise BenchFileError(path, TOO_LARGE.format(size=len(data), cap=MAX_BYTES))
    try:
        doc = load_json(data)
    except Malformed as exc:
        raise BenchFileError(path, exc.problem, exc.line) from None
    if not is_paired(doc):
        raise BenchFileError(path, NOT_PAIRED)
    version = doc.get("version")
    if isinstance(version, int) and not isinstance(version, bool) and version > VERSION:
        raise BenchFileError(path, NEWER.format(version=version, known=VERSION))
    error = next(iter(sorted(_VALIDATOR.iter_errors(doc), key=lambda e: list(e.path))), None)
    if error is not None:
        where = "/".join(str(p) for p in error.absolute_path)
        raise BenchFileError(
            path, INVALID.format(where=f"at {where}: " if where else "", problem=error.message)
        )
    if not doc["rounds"]:
        raise BenchFileError(path, NO_ROUNDS)
    rounds, timings = [], []
    for r in doc["rounds"]:
        rounds.append(Round(
            Order(r["order"]),
            tuple(_results(f) for f in r["base"]["files"]),
            tuple(_results(f) for f in r["head"]["files"]),
        ))
        timings.append((r["base"].get("seconds"), r["head"].get("seconds")))
    return PairedRun(
        base=Revision(doc["base"]["sha"], doc["base"].get("ref", "")),
        head=Revision(doc["head"]["sha"], doc["head"].get("ref", "")),
        rounds=tuple(rounds),
        planned=doc["rounds_planned"],
        machine=doc.get("machine") or {},
        command=tuple(doc.get("command") or ()),
        setup=doc.get("setup"),
        format=doc.get("format", "auto"),
        max_time=doc.get("max_time"),
        stopped=doc.get("stopped", ""),
        started=doc.get("started", ""),
        seconds=doc.get("seconds"),
        timings=tuple(timings),
        path=path,
    )


def _results(doc: Mapping[str, Any]) -> Results:
    return Results(
        doc["path"], doc["format"],
        tuple(_read_measurement(m) for m in doc["benchmarks"]),
        tuple(doc.get("errors") or ()),
    )


def _read_measurement(doc: Mapping[str, Any]) -> Measurement:
    return Measurement(
        benchmark=doc["name"], metric=doc["metric"], unit=doc["unit"],
        direction=Direction(doc["direction"]),
        samples=tuple(float(v) for v in doc.get("samples") or ()),
        summary=Summary(
            count=doc.get("count"), mean=_float(doc.get("mean")), median=_float(doc.get("median")),
            minimum=_float(doc.get("min")), maximum=_float(doc.get("max")),
            stddev=_float(doc.get("stddev")),
        ),
        line=doc.get("line"),
    )


def _float(value: Any) -> float | None:
    return None if value is None else float(value)
