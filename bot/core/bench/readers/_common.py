"""What every reader shares: the size cap, strict JSON, units, direction and line numbers.

Readers raise ``Malformed(problem, line)``; ``read`` adds the path and turns it into a
``BenchFileError``, so a reader never needs to know where its bytes came from.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Mapping
from typing import Any

import orjson

from bot.core.bench.model import Direction, Summary

MAX_BYTES = 100 * 1024 * 1024  # a result file larger than this is refused unread

TOO_LARGE = "is {size:,} bytes; perfbot reads result files of at most {cap:,} bytes"
EMPTY = "is empty; the benchmark run wrote no results (did it fail or time out?)"
TRUNCATED = "ends in the middle of its JSON (line {line}); the file looks truncated"
NOT_JSON = "is not valid JSON: {detail} (line {line})"
NAN_LITERAL = (
    "contains NaN or Infinity (line {line}), which JSON does not allow and no comparison can "
    "use; fix the benchmark so it reports a finite number"
)
NON_FINITE = "benchmark {name!r}: {what} is {value}, not a finite number"
NOT_A_NUMBER = "benchmark {name!r}: {what} should be a number, found {found}"
NO_BENCHMARKS = "holds no benchmarks; was the benchmark run filtered to nothing or cut short?"
WRONG_SHAPE = "is not {format} output: {detail}"


class Malformed(Exception):
    """A reader's complaint about its input, before the path is attached."""

    def __init__(self, problem: str, line: int | None = None) -> None:
        super().__init__(problem)
        self.problem = problem
        self.line = line


SPACE = re.compile(rb"\s*")


def only_space_after(data: bytes, pos: int) -> bool:
    """Whether nothing but whitespace follows ``pos`` (without copying the rest)."""
    match = SPACE.match(data, pos)
    return match is not None and match.end() >= len(data)


def first_non_space(data: bytes, pos: int = 0) -> int:
    match = SPACE.match(data, pos)
    return match.end() if match else pos


def line_of(data: bytes, pos: int) -> int:
    return data.count(b"\n", 0, max(0, min(pos, len(data)))) + 1


def load_json(data: bytes) -> Any:
    """Parse strictly: NaN, Infinity and truncation are errors with the line they sit on."""
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        pos = exc.pos if isinstance(exc.pos, int) else 0
        line = line_of(data, pos)
        rest = data[pos : pos + 9].lstrip(b"-+")
        if rest.startswith((b"NaN", b"Infinity", b"nan", b"inf", b"Inf")):
            raise Malformed(NAN_LITERAL.format(line=line), line) from None
        if only_space_after(data, pos):
            raise Malformed(TRUNCATED.format(line=line), line) from None
        raise Malformed(NOT_JSON.format(detail=exc.msg, line=line), line) from None


def json_lines(data: bytes) -> Iterator[tuple[int, Any]]:
    """(line number, parsed value) of each non-blank line of a JSON-lines stream."""
    start, number_ = 0, 1
    size = len(data)
    while start < size:
        end = data.find(b"\n", start)
        end = size if end < 0 else end
        if not only_space_after(data[start:end], 0):
            try:
                yield number_, load_json(data[start:end])
            except Malformed as exc:
                problem = exc.problem.replace("(line 1)", f"(line {number_})")
                raise Malformed(problem, number_) from None
        start, number_ = end + 1, number_ + 1


def number(value: Any, name: str, what: str) -> float:
    """A finite float from JSON, or a Malformed naming the benchmark and field."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise Malformed(NOT_A_NUMBER.format(name=name, what=what, found=_describe(value)))
    result = float(value)
    if not math.isfinite(result):
        raise Malformed(NON_FINITE.format(name=name, what=what, value=value))
    return result


def optional_number(
    obj: Mapping[str, Any], key: str, name: str, scale: float = 1.0
) -> float | None:
    """``obj[key]`` as a finite float times ``scale``; None when the key is absent."""
    value = obj.get(key)
    return None if value is None else number(value, name, key) * scale


SUMMARY_KEYS = ("mean", "median", "min", "max", "stddev")


def summary(
    stats: Mapping[str, Any], name: str, count: int | None,
    keys: tuple[str, str, str, str, str] = SUMMARY_KEYS, scale: float = 1.0,
) -> Summary:
    """The statistics a tool reports under ``keys``: mean, median, minimum, maximum and
    standard deviation, in that order, each times ``scale``."""
    mean, median, minimum, maximum, stddev = (
        optional_number(stats, key, name, scale) for key in keys
    )
    return Summary(count, mean, median, minimum, maximum, stddev)


def numbers(values: Any, name: str, what: str, scale: float = 1.0) -> tuple[float, ...]:
    if not isinstance(values, list):
        raise Malformed(NOT_A_NUMBER.format(name=name, what=what, found=_describe(values)))
    return tuple(number(v, name, what) * scale for v in values)


def mapping(value: Any, what: str, fmt: str) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise Malformed(WRONG_SHAPE.format(format=fmt, detail=f"{what} is not an object"))
    return value


def sequence(value: Any, what: str, fmt: str) -> list[Any]:
    if not isinstance(value, list):
        raise Malformed(WRONG_SHAPE.format(format=fmt, detail=f"{what} is not a list"))
    return value


def entries(
    doc: Any, key: str, fmt: str, what: str = "benchmark"
) -> Iterator[tuple[int, Mapping[str, Any]]]:
    """``(index, object)`` for each item of the list under ``key`` at the top of ``doc``,
    each checked to be an object (named ``what`` and its position when it is not)."""
    top = mapping(doc, "the top level", fmt)
    for index, item in enumerate(sequence(top.get(key), f'"{key}"', fmt)):
        yield index, mapping(item, f"{what} {index + 1}", fmt)


def text(value: Any, what: str, fmt: str) -> str:
    if not isinstance(value, str) or not value:
        raise Malformed(WRONG_SHAPE.format(format=fmt, detail=f"{what} is not a name"))
    return value


def _describe(value: Any) -> str:
    if value is None:
        return "null"
    shown = repr(value)
    return shown if len(shown) <= 40 else shown[:37] + "..."


# Units, normalised: times to seconds, sizes to bytes, rates to per second.
TIME_SCALE = {
    "ns": 1e-9,
    "us": 1e-6,
    "µs": 1e-6,
    "μs": 1e-6,
    "ms": 1e-3,
    "s": 1.0,
    "sec": 1.0,
    "second": 1.0,
    "seconds": 1.0,
    "min": 60.0,
    "h": 3600.0,
}
SIZE_SCALE = {
    "b": 1.0,
    "byte": 1.0,
    "bytes": 1.0,
    "kb": 1e3,
    "mb": 1e6,
    "gb": 1e9,
    "kib": 1024.0,
    "mib": 1024.0**2,
    "gib": 1024.0**3,
}


def normalise(unit: str) -> tuple[str, float]:
    """``(canonical unit, factor)`` so that ``value * factor`` is in the canonical unit.

    Times become "s", sizes "B", per-time rates "<thing>/s" (``ops/ms`` -> ``ops/s``,
    ``MB/s`` -> ``B/s``) and per-op times "s" (``us/op``). Unknown units pass unchanged.
    """
    raw = unit.strip()
    if raw in TIME_SCALE:
        return "s", TIME_SCALE[raw]
    if raw.lower() in SIZE_SCALE and raw != "b":  # a lone "b" may be bits
        return "B", SIZE_SCALE[raw.lower()]
    if "/" in raw:
        top, _, bottom = raw.partition("/")
        top, bottom = top.strip(), bottom.strip()
        if bottom in TIME_SCALE or bottom.lower() in ("sec", "second"):
            per = TIME_SCALE.get(bottom, 1.0)
            if top.lower() in SIZE_SCALE:
                return "B/s", SIZE_SCALE[top.lower()] / per
            return f"{top}/s", 1.0 / per
        if bottom in ("op", "ops", "operation", "call", "iter", "iteration"):
            if top in TIME_SCALE:
                return "s", TIME_SCALE[top]
            if top.lower() in SIZE_SCALE:
                return "B", SIZE_SCALE[top.lower()]
    return raw, 1.0


HIGHER_HINTS = ("throughput", "per_second", "per second", "ops/s", "rate", "speed", "score")


LOWER_HINTS = ("fail", "error", "miss", "drop", "loss", "alloc", "gc", "latency", "time")


def direction_for(unit: str, metric: str = "") -> Direction:
    """Rates (per second, throughput) are better higher; all else lower. Costs measured
    per second (allocation rate, error rate, GC time) stay lower-is-better."""
    lowered = metric.lower()
    if any(w in lowered for w in LOWER_HINTS) or unit in ("s", "B"):
        return Direction.LOWER  # a duration or a size is a cost, whatever its name says
    if unit.endswith("/s") or any(h in lowered for h in HIGHER_HINTS):
        return Direction.HIGHER
    return Direction.LOWER


OUT_OF_ORDER_SEARCH_LIMIT = 4 * 1024 * 1024


class LineFinder:
    """Finds where each benchmark name appears, walking forward through the file once.

    Tools write benchmarks in file order, so each search starts where the last one ended
    and newlines are counted only across the gap: one pass over the bytes in all.
    """

    def __init__(self, data: bytes) -> None:
        self._data = data
        self._pos = 0
        self._line = 1

    def find(self, needle: str, quoted: bool = True) -> int | None:
        token = orjson.dumps(needle) if quoted else needle.encode()
        at = self._data.find(token, self._pos)
        if at < 0:
            if len(self._data) > OUT_OF_ORDER_SEARCH_LIMIT:
                return None  # searching from the top for every name would be quadratic
            at = self._data.find(token)
            return None if at < 0 else line_of(self._data, at)
        self._line += self._data.count(b"\n", self._pos, at)
        self._pos = at + len(token)  # the next search (even for the same name) looks further
        return self._line
