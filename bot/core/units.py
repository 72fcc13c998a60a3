"""Quantities with units, normalised so an objective and a measurement compare directly.

Objectives are written the way people speak (``250ms``, ``512MiB``, ``1200 rps``); benchmark
tools report in their own units (``ns/op``, ``KB``). Both go through here into one unit per
kind, the units ``bot.core.bench.model`` uses:

============  ==========================================================  ===========
kind          written as (case-insensitive, spaces allowed)               normalised
============  ==========================================================  ===========
time          ``ns``, ``us``/``µs``, ``ms``, ``s``, ``m``/``min``, ``h``  ``s``
              (and ``sec``, ``second(s)``, ``minute(s)``, ``hour(s)``);
              per operation too: ``ns/op``
size          ``B``/``byte(s)``; decimal ``KB``, ``MB``, ``GB``, ``TB``   ``B``
              (1000ⁿ); binary ``KiB``, ``MiB``, ``GiB``, ``TiB`` (1024ⁿ)
rate          ``rps``, ``qps``, ``tps``, ``ops``, ``req/s``, ``ops/min``, ``ops/s``
              ``1200/s``, … (counts per ``s``, ``min`` or ``h``)
byte rate     a size per period: ``MB/s``, ``GiB/min``                    ``B/s``
percent       ``%``                                                       ``%`` (``5%`` is 5.0)
number        no unit                                                     ``""``
============  ==========================================================  ===========

``KB`` is 1000 bytes and ``KiB`` 1024, as SI and IEC define them; ``m`` alone is minutes.
``parse("250ms")`` reads written quantities, ``normalise(3.2, "ms")`` a tool's value and
unit; both raise ``UnitError`` on an unknown unit, while ``normalise_or_keep`` keeps it as
written (kind ``custom``). ``describe`` writes a quantity back for people (``250 ms``).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum


class Kind(StrEnum):
    TIME = "time"
    SIZE = "size"
    RATE = "rate"
    PERCENT = "percent"
    NUMBER = "number"
    CUSTOM = "custom"  # a tool's own unit ("allocs/op"), kept as written


SECONDS = "s"
BYTES = "B"
OPS_PER_SECOND = "ops/s"
BYTES_PER_SECOND = "B/s"
PERCENT = "%"
NUMBER = ""


@dataclass(frozen=True, slots=True)
class Unit:
    """A written unit understood: its kind, the unit it normalises to, and the factor."""

    kind: Kind
    normal: str
    factor: float


@dataclass(frozen=True, slots=True)
class Quantity:
    """A value in its normalised unit (seconds, bytes, per second, percent, or none)."""

    value: float
    unit: str
    kind: Kind

    def __str__(self) -> str:
        return describe(self)


class UnitError(ValueError):
    """Text that is not a number with a known unit; the message says what is accepted."""


_TIMES: dict[str, float] = {
    "ns": 1e-9, "nanosecond": 1e-9, "nanoseconds": 1e-9,
    "us": 1e-6, "µs": 1e-6, "μs": 1e-6, "microsecond": 1e-6, "microseconds": 1e-6,
    "ms": 1e-3, "millisecond": 1e-3, "milliseconds": 1e-3,
    "s": 1.0, "sec": 1.0, "secs": 1.0, "second": 1.0, "seconds": 1.0,
    "m": 60.0, "min": 60.0, "mins": 60.0, "minute": 60.0, "minutes": 60.0,
    "h": 3600.0, "hr": 3600.0, "hrs": 3600.0, "hour": 3600.0, "hours": 3600.0,
}  # fmt: skip
_SIZES: dict[str, float] = {
    "b": 1.0, "byte": 1.0, "bytes": 1.0,
    "kb": 1e3, "mb": 1e6, "gb": 1e9, "tb": 1e12,
    "kib": 2.0**10, "mib": 2.0**20, "gib": 2.0**30, "tib": 2.0**40,
}  # fmt: skip
# What a rate counts: requests, operations, queries, ... (all normalise to "ops").
_COUNTS = frozenset(
    {"", "op", "ops", "req", "reqs", "request", "requests", "query", "queries", "call",
     "calls", "event", "events", "msg", "msgs", "message", "messages", "tx", "txn", "txns",
     "transaction", "transactions", "iter", "iters", "iteration", "iterations"}
)  # fmt: skip
_RATE_WORDS: dict[str, float] = {"rps": 1.0, "qps": 1.0, "tps": 1.0, "ops": 1.0, "rpm": 1 / 60}
_PERIODS: dict[str, float] = {
    "s": 1.0, "sec": 1.0, "second": 1.0, "min": 60.0, "m": 60.0, "minute": 60.0,
    "h": 3600.0, "hr": 3600.0, "hour": 3600.0,
}  # fmt: skip
_PER_OPERATION = frozenset({"op", "iter", "iteration", "call", "req", "request"})

_QUANTITY = re.compile(
    r"^\s*(?P<number>[+-]?(?:\d[\d_]*(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)\s*(?P<unit>.*)$"
)

KNOWN_UNITS = (
    "times ns, us, ms, s, m (minutes), h; sizes B, KB/MB/GB/TB (1000ⁿ), KiB/MiB/GiB/TiB (1024ⁿ); "
    "rates rps, qps, req/s, ops/min, MB/s; % ; or no unit"
)


def unit(written: str) -> Unit:
    """What a written unit means (``"ms"``: time, 0.001 s); ``UnitError`` if unknown."""
    key = written.strip().lower()
    if key == "":
        return Unit(Kind.NUMBER, NUMBER, 1.0)
    if key == "%":
        return Unit(Kind.PERCENT, PERCENT, 1.0)
    if key in _TIMES:
        return Unit(Kind.TIME, SECONDS, _TIMES[key])
    if key in _SIZES:
        return Unit(Kind.SIZE, BYTES, _SIZES[key])
    if key in _RATE_WORDS:
        return Unit(Kind.RATE, OPS_PER_SECOND, _RATE_WORDS[key])
    if "/" in key:
        top, _, bottom = (part.strip() for part in key.partition("/"))
        if bottom in _PERIODS:
            per = _PERIODS[bottom]
            if top in _SIZES:
                return Unit(Kind.RATE, BYTES_PER_SECOND, _SIZES[top] / per)
            if top in _COUNTS:
                return Unit(Kind.RATE, OPS_PER_SECOND, 1.0 / per)
        if bottom in _PER_OPERATION or bottom.rstrip("s") in _PER_OPERATION:
            # Go and friends report cost per operation: "ns/op", "B/op".
            if top in _TIMES:
                return Unit(Kind.TIME, SECONDS, _TIMES[top])
            if top in _SIZES:
                return Unit(Kind.SIZE, BYTES, _SIZES[top])
    raise UnitError(f"unknown unit {written.strip()!r}; use {KNOWN_UNITS}")


def normalise(value: float, written_unit: str) -> Quantity:
    """``value`` in ``written_unit`` as a ``Quantity`` in the normalised unit."""
    known = unit(written_unit)
    inverse = 1.0 / known.factor
    if known.factor < 1 and abs(inverse - round(inverse)) < 1e-6:
        # 800 / 1e6, not 800 * 1e-6: keeps "800us" at exactly 0.0008.
        return Quantity(value / round(inverse), known.normal, known.kind)
    return Quantity(value * known.factor, known.normal, known.kind)


def normalise_or_keep(value: float, written_unit: str) -> Quantity:
    """Like ``normalise``, but a unit perfbot does not know stays as written (``CUSTOM``):
    benchmark readers keep a tool's own metrics (``allocs/op``) rather than drop them."""
    try:
        return normalise(value, written_unit)
    except UnitError:
        return Quantity(value, written_unit.strip(), Kind.CUSTOM)


def parse(text: str) -> Quantity:
    """``"250ms"`` → 0.25 s, ``"512MiB"`` → 536870912 B, ``"1200 rps"`` → 1200 ops/s."""
    found = _QUANTITY.match(text.strip())
    if not found:
        raise UnitError(f"{text.strip()!r} is not a number with a unit (e.g. 250ms, 512MiB)")
    value = float(found.group("number").replace("_", ""))
    if not math.isfinite(value):
        raise UnitError(f"{text.strip()!r} is not a finite number")
    return normalise(value, found.group("unit"))  # ``unit`` strips the blanks around it


_TIME_STEPS = ((3600.0, "h"), (60.0, "min"), (1.0, "s"), (1e-3, "ms"), (1e-6, "µs"), (1e-9, "ns"))
_SIZE_STEPS = ((2.0**40, "TiB"), (2.0**30, "GiB"), (2.0**20, "MiB"), (2.0**10, "KiB"), (1.0, "B"))
_DECIMAL_STEPS = ((1e12, "TB"), (1e9, "GB"), (1e6, "MB"), (1e3, "KB"), (1.0, "B"))


def describe(quantity: Quantity) -> str:
    """A normalised quantity written for people: 0.25 s → ``250 ms``, 2**29 B → ``512 MiB``."""
    value, kind = quantity.value, quantity.kind
    if kind is Kind.TIME:
        return _scaled(value, _TIME_STEPS)
    if kind is Kind.SIZE:
        return _size(value)
    if kind is Kind.RATE:
        if quantity.unit == BYTES_PER_SECOND:
            return _size(value) + "/s"
        return f"{_number(value)} {quantity.unit}"
    if kind is Kind.PERCENT:
        return f"{_number(value)}%"
    return _number(value) + (f" {quantity.unit}" if quantity.unit else "")


def shown(value: float | None, written: str, plain: Callable[[str], str] = str) -> str:
    """A tool's value in its unit for people: described when the unit is known, else as
    written, the unit through ``plain`` (e.g. escaped for Markdown); "n/a" for no value."""
    if value is None:
        return "n/a"
    try:
        kind = unit(written).kind
    except UnitError:
        return f"{value:.4g} {plain(written)}".strip()
    return describe(Quantity(value, written, kind))


def _size(value: float) -> str:
    """In binary or decimal units, whichever writes the value more simply (512 MiB, 1.5 GB)."""
    return min(_scaled(value, _SIZE_STEPS), _scaled(value, _DECIMAL_STEPS), key=len)


def _scaled(value: float, steps: tuple[tuple[float, str], ...]) -> str:
    for size, name in steps:
        if abs(value) >= size:
            return f"{_number(value / size)} {name}"
    size, name = steps[-1]
    return f"{_number(value / size)} {name}"


def _number(value: float) -> str:
    return f"{value:.4g}" if value != int(value) or abs(value) >= 1e15 else str(int(value))
