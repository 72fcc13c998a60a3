"""``go test -bench`` text output, streamed line by line.

Each ``-count`` repeat is a sample. Every value/unit pair on a line is its own metric:
ns/op becomes "time" in seconds, B/op "bytes/op", allocs/op "allocs/op", MB/s
"throughput" in bytes per second, and custom ``b.ReportMetric`` units keep their unit.
The ``-N`` GOMAXPROCS suffix is dropped when every benchmark line carries the same one
(with ``-cpu 1`` Go prints none, and ``-cpu 1,4`` runs must stay apart). A name that
two packages of one file share is prefixed with its package. ``go test -json`` event
streams are joined back into this text first.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from bot.core.bench.model import Direction, Measurement
from bot.core.bench.readers._common import (
    Malformed,
    direction_for,
    first_non_space,
    json_lines,
    normalise,
)

NAME = "go"

BENCH_LINE = re.compile(rb"^(Benchmark\S*)\s+(\d+)\s+(.*)$")
SUFFIX = re.compile(r"-(\d+)$")
FAIL_LINE = re.compile(rb"^\s*--- FAIL: (Benchmark\S*)")
BAD_VALUE = "benchmark {name!r}: {value!r} {unit} is not a finite number"
CUT_OFF = "the last line (benchmark {name!r}) is cut off; the file looks truncated"
ODD_PAIRS = "benchmark {name!r}: expected value/unit pairs after the iteration count"
KNOWN = {
    "ns/op": ("time", "s", 1e-9),
    "B/op": ("bytes/op", "B", 1.0),
    "allocs/op": ("allocs/op", "allocs", 1.0),
    "MB/s": ("throughput", "B/s", 1e6),
}


@dataclass
class _Series:
    unit: str
    line: int
    samples: list[float] = field(default_factory=list)


GO_HEADER = re.compile(rb"^(goos|goarch|pkg): \S", re.MULTILINE)


def looks_like(data: bytes) -> bool:
    """Benchmark lines, or the goos/goarch/pkg header ``go test -bench`` prints first."""
    head = data[:65536]
    return bool(GO_HEADER.search(head)) or any(
        BENCH_LINE.match(line.strip(b"\r")) for line in head.split(b"\n")
    )


def _lines(data: bytes) -> Iterator[tuple[int, int, bytes]]:
    """(number, offset, text) of each line, without copying the whole file into a list."""
    start, number = 0, 1
    size = len(data)
    while start < size:
        end = data.find(b"\n", start)
        if end < 0:
            end = size
        yield number, start, data[start:end].rstrip(b"\r")
        start, number = end + 1, number + 1


def from_test2json(data: bytes) -> tuple[bytes, list[int]]:
    """``go test -json`` events -> the text they carry, and each text line's file line.

    Go splits a benchmark's line across events (the name, then the figures), so the
    output is joined before parsing; a line is annotated where its first piece is.
    """
    chunks: list[bytes] = []
    origins: list[int] = []
    at_line_start = True
    for number, event in json_lines(data):
        if not isinstance(event, dict) or event.get("Action") != "output":
            continue
        output = event.get("Output")
        if not isinstance(output, str) or not output:
            continue
        encoded = output.encode()
        if at_line_start:
            origins.append(number)
        origins.extend([number] * encoded[:-1].count(b"\n"))
        at_line_start = encoded.endswith(b"\n")
        chunks.append(encoded)
    return b"".join(chunks), origins


def is_test2json(head: object) -> bool:
    return isinstance(head, dict) and "Action" in head


def read(data: bytes) -> tuple[list[Measurement], list[str]]:
    """Measurements and failures from ``go test -bench`` text or ``go test -json`` events."""
    origins: list[int] | None = None
    if data[first_non_space(data) : first_non_space(data) + 1] == b"{":
        data, origins = from_test2json(data)
        if data and not data.endswith(b"\n"):
            data += b"\n"  # a cut-off event stream fails as JSON; a last line is complete

    def at(number: int) -> int:
        return origins[number - 1] if origins and number <= len(origins) else number

    try:
        return _read_text(data, at)
    except Malformed as exc:
        raise Malformed(exc.problem, at(exc.line) if exc.line else None) from None


def _read_text(data: bytes, at: Callable[[int], int]) -> tuple[list[Measurement], list[str]]:
    series: dict[tuple[str, str, str], _Series] = {}  # (package, raw name, metric)
    names: dict[str, set[str]] = {}  # raw benchmark name -> packages it ran in
    failed: dict[tuple[str, str], int] = {}
    package = ""
    # A run that was killed leaves its last line unterminated and possibly half written.
    cut_at = data.rfind(b"\n") + 1 if not data.endswith(b"\n") else -1
    for number, start, line in _lines(data):
        if line.startswith(b"pkg: "):
            package = line[5:].strip().decode(errors="replace")
            continue
        fail = FAIL_LINE.match(line)
        if fail:
            failed.setdefault((package, fail.group(1).decode(errors="replace")), at(number))
            continue
        match = BENCH_LINE.match(line)
        if not match:
            continue
        name = match.group(1).decode(errors="replace")
        if start == cut_at:
            raise Malformed(CUT_OFF.format(name=name), number)
        fields = match.group(3).split()
        if len(fields) % 2:
            raise Malformed(ODD_PAIRS.format(name=name), number)
        names.setdefault(name, set()).add(package)
        for value_text, unit_bytes in zip(fields[::2], fields[1::2], strict=True):
            tool_unit = unit_bytes.decode(errors="replace")
            try:
                value = float(value_text)
            except ValueError:
                value = math.nan
            if not math.isfinite(value):
                raise Malformed(
                    BAD_VALUE.format(name=name, value=value_text.decode(), unit=tool_unit),
                    number,
                )
            metric, unit, scale = KNOWN.get(tool_unit) or _custom(tool_unit)
            key = (package, name, metric)
            s = series.get(key)
            if s is None:
                s = series[key] = _Series(unit, at(number))
            s.samples.append(value * scale)
    strip = _common_suffix(list(names))  # "--- FAIL:" lines carry no suffix
    # One file may hold several packages; a name two of them share is qualified by package.
    shared = {_strip(n, strip) for n, packages in names.items() if len(packages) > 1}

    def label(package: str, raw: str) -> str:
        name = _strip(raw, strip)
        return f"{package}.{name}" if name in shared and package else name

    out = [
        Measurement(
            benchmark=label(package, name),
            metric=metric,
            unit=s.unit,
            direction=Direction.HIGHER if metric == "throughput" else direction_for(s.unit, metric),
            samples=tuple(s.samples),
            line=s.line,
        )
        for (package, name, metric), s in series.items()
    ]
    errors = [f"{label(pkg, name)}: failed (line {line})" for (pkg, name), line in failed.items()]
    return out, errors


def _custom(unit: str) -> tuple[str, str, float]:
    canonical, scale = normalise(unit)
    return unit, canonical, scale


def _common_suffix(names: list[str]) -> str | None:
    suffixes = {m.group(0) if (m := SUFFIX.search(n)) else None for n in names}
    if len(suffixes) == 1:
        (only,) = suffixes
        return only
    return None


def _strip(name: str, suffix: str | None) -> str:
    return name[: -len(suffix)] if suffix and name.endswith(suffix) else name
