"""Benchmark result files in, ``Results`` out: one reader per tool, chosen by name or content.

Pure: bytes in, frozen model out. Every problem with a file (empty, truncated, not the
named format, NaN, no benchmarks, too large) is a ``BenchFileError`` naming the file and,
where known, the line, so the check run can annotate it; nothing here returns "no
results" silently.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Mapping
from typing import Any

from bot.core.bench.model import BenchFileError, Measurement, Results, Summary
from bot.core.bench.readers import (
    asv,
    benchmarkdotnet,
    criterion,
    generic,
    go,
    google_benchmark,
    hyperfine,
    jmh,
    k6,
    pyperf,
    pytest_benchmark,
)
from bot.core.bench.readers._common import (
    EMPTY,
    MAX_BYTES,
    NO_BENCHMARKS,
    TOO_LARGE,
    Malformed,
    first_non_space,
    load_json,
)
from bot.core.bench.readers._common import normalise as normalise_unit

__all__ = [
    "FORMATS",
    "MAX_BYTES",
    "NOT_RESULTS",
    "BenchFileError",
    "detect",
    "normalise_unit",
    "read",
    "read_all",
]

FORMATS = (
    "pytest-benchmark",
    "google-benchmark",
    "hyperfine",
    "go",
    "pyperf",
    "criterion",
    "cargo-criterion",
    "jmh",
    "benchmarkdotnet",
    "k6",
    "asv",
    "generic",
)

UNKNOWN_FORMAT = "unknown benchmark format {name!r}; perfbot reads: auto, {known}"
UNRECOGNISED = (
    "is not a benchmark result file perfbot recognises ({hint}); name its format "
    "(one of {known}) or write perfbot's generic JSON"
)
WRONG_FORMAT = "is not {expected} output{actual}"
LOOKS_LIKE = "; it looks like {actual} output, so set its format to {actual} or auto"
NOTHING_MEASURED = "benchmark {name!r} ({metric}) has neither samples nor statistics"
GZIP_TOO_LARGE = "is gzip that expands beyond {cap:,} bytes; perfbot refuses it"
GZIP_BROKEN = "is gzip that cannot be decompressed ({detail})"
CRITERION_EMPTY = "holds no Criterion estimates or samples"
CRITERION_FILES = ("estimates.json", "sample.json", "benchmark.json")
# What tools write beside their results (Criterion's HTML/SVG reports and raw.csv, asv's
# web pages): never a result any reader reads, so a folder or artifact skips them.
NOT_RESULTS = frozenset({".html", ".htm", ".svg", ".css", ".js", ".png", ".jpg", ".gif",
                         ".csv", ".md"})

Parsed = tuple[list[Measurement], list[str]]
JSON_READERS: dict[str, Callable[[Any, bytes], Parsed]] = {
    "pytest-benchmark": pytest_benchmark.read,
    "google-benchmark": google_benchmark.read,
    "hyperfine": hyperfine.read,
    "pyperf": pyperf.read,
    "jmh": jmh.read,
    "benchmarkdotnet": benchmarkdotnet.read,
    "k6": k6.read,
    "asv": asv.read,
    "generic": generic.read,
}
# Most specific first: several formats share a top-level "benchmarks" list.
JSON_SHAPES: tuple[tuple[str, Callable[[Any], bool]], ...] = (
    ("pytest-benchmark", pytest_benchmark.looks_like),
    ("google-benchmark", google_benchmark.looks_like),
    ("pyperf", pyperf.looks_like),
    ("hyperfine", hyperfine.looks_like),
    ("asv", asv.looks_like),
    ("benchmarkdotnet", benchmarkdotnet.looks_like),
    ("k6", k6.looks_like),
    ("jmh", jmh.looks_like),
    ("criterion", lambda doc: criterion.is_estimates(doc) or criterion.is_sample(doc)),
    ("generic", generic.looks_like),
)


def read(path: str, data: bytes, format: str = "auto") -> Results:
    """Read one result file; ``format`` is a name from ``FORMATS`` or ``"auto"``."""
    try:
        name, measurements, errors = _read(path, data, format)
    except Malformed as exc:
        raise BenchFileError(path, exc.problem, exc.line) from None
    return Results(path, name, tuple(measurements), tuple(errors))


def detect(path: str, data: bytes) -> str:
    """The format of a result file, judged by its content (and its name where that is ambiguous)."""
    try:
        data = _gunzip(_checked(data))
        text_format = _text_format(data)
        if text_format:
            return text_format
        return _json_format(path, load_json(data))
    except Malformed as exc:
        raise BenchFileError(path, exc.problem, exc.line) from None


def read_all(
    files: Mapping[str, bytes], format: str = "auto"
) -> tuple[list[Results], list[BenchFileError]]:
    """Read several files; Criterion's per-benchmark directories become one ``Results`` each.

    Files Criterion keeps for older runs (``base/``, ``change/``), asv's index files
    (``benchmarks.json``, ``machine.json``) and reports (``NOT_RESULTS``) are skipped, not
    reported.
    """
    results: list[Results] = []
    problems: list[BenchFileError] = []
    groups: dict[str, dict[str, str]] = {}
    new_dirs = {d for d in map(criterion.benchmark_dir, files) if d is not None}
    for path in sorted(files):
        leaf = path.replace("\\", "/").rsplit("/", 1)[-1]
        if "." in leaf and "." + leaf.rsplit(".", 1)[-1].lower() in NOT_RESULTS:
            continue
        if format in ("auto", "criterion") and leaf in (*CRITERION_FILES, "tukey.json"):
            directory = criterion.benchmark_dir(path)
            if directory is not None:
                groups.setdefault(directory, {})[leaf] = path
                continue
            if _in_old_criterion_run(path, new_dirs):
                continue
        is_index = leaf in ("benchmarks.json", "machine.json") and _is_asv_index(path, files[path])
        if format in ("auto", "asv") and is_index:
            continue
        try:
            results.append(read(path, files[path], format))
        except BenchFileError as exc:
            problems.append(exc)
    for directory, members in groups.items():
        try:
            results.append(_read_criterion_dir(directory, members, files))
        except BenchFileError as exc:
            problems.append(exc)
    return results, problems


def _read(path: str, data: bytes, format: str) -> tuple[str, list[Measurement], list[str]]:
    if format != "auto" and format not in FORMATS:
        raise Malformed(UNKNOWN_FORMAT.format(name=format, known=", ".join(FORMATS)))
    data = _gunzip(_checked(data))
    text_format = _text_format(data)
    if format == "go" or (format == "auto" and text_format == "go"):
        if text_format != "go":
            raise Malformed(_wrong("go", _safe_detect(path, data)))
        measurements, errors = go.read(data)
        return "go", _validated(measurements, errors), errors
    if format == "cargo-criterion" or (format == "auto" and text_format == "cargo-criterion"):
        if text_format != "cargo-criterion":
            raise Malformed(_wrong("cargo-criterion", _safe_detect(path, data)))
        measurements = criterion.read_messages(data)
        return "cargo-criterion", _validated(measurements, []), []
    if text_format == "unknown text" and format == "auto":
        raise Malformed(
            UNRECOGNISED.format(hint="text without Go benchmark lines", known=", ".join(FORMATS))
        )
    if text_format is not None:
        raise Malformed(_wrong(format, text_format))
    doc = load_json(data)
    actual = _json_format(path, doc, strict=format == "auto")
    name = actual if format == "auto" else format
    # A file that matches no known shape goes to the named reader, whose errors say what is
    # missing; one that matches another tool's shape is named as that tool's.
    if format not in ("auto", actual) and actual != "unknown" and not _compatible(format, doc):
        raise Malformed(_wrong(format, actual))
    if name == "criterion":
        measurements = criterion.read_file(path, doc)
        return name, _validated(measurements, []), []
    measurements, errors = JSON_READERS[name](doc, data)
    return name, _validated(measurements, errors), errors


def _checked(data: bytes) -> bytes:
    if len(data) > MAX_BYTES:
        raise Malformed(TOO_LARGE.format(size=len(data), cap=MAX_BYTES))
    if not data or data.isspace():
        raise Malformed(EMPTY)
    return data


def _gunzip(data: bytes) -> bytes:
    """pyperf writes ``.json.gz``; expand it, refusing anything that grows past the cap."""
    if not data.startswith(b"\x1f\x8b"):
        return data
    inflater = zlib.decompressobj(wbits=31)
    try:
        out = inflater.decompress(data, MAX_BYTES + 1)
    except zlib.error as exc:
        raise Malformed(GZIP_BROKEN.format(detail=exc)) from None
    if len(out) > MAX_BYTES or inflater.unconsumed_tail:
        raise Malformed(GZIP_TOO_LARGE.format(cap=MAX_BYTES))
    return _checked(out)


def _text_format(data: bytes) -> str | None:
    """ "go" or "cargo-criterion" for the line-oriented formats, None for a JSON document."""
    start = first_non_space(data)
    first = data[start : start + 1]
    if first not in (b"{", b"["):
        return "go" if go.looks_like(data) else "unknown text"
    if first == b"{":
        end = data.find(b"\n", start)
        if end > 0 and data[first_non_space(data, end) : first_non_space(data, end) + 1] == b"{":
            try:
                head = load_json(data[:end])
            except Malformed:
                return None
            if isinstance(head, dict) and "reason" in head:
                return "cargo-criterion"
            if go.is_test2json(head):
                return "go"
    return None


def _json_format(path: str, doc: Any, strict: bool = True) -> str:
    for name, looks_like in JSON_SHAPES:
        if looks_like(doc):
            return name
    if criterion.is_benchmark_info(doc) and criterion.benchmark_dir(path):
        return "criterion"  # only the name and place say this id file is Criterion's
    if not strict:
        return "unknown"
    raise Malformed(UNRECOGNISED.format(hint=_hint(doc), known=", ".join(FORMATS)))


def _compatible(format: str, doc: Any) -> bool:
    """A named format may read a file that also matches a more specific shape."""
    if format == "generic":
        return generic.looks_like(doc)
    if format == "criterion":
        return criterion.is_estimates(doc) or criterion.is_sample(doc)
    return False


def _safe_detect(path: str, data: bytes) -> str:
    text_format = _text_format(data)
    if text_format:
        return text_format
    try:
        return _json_format(path, load_json(data), strict=False)
    except Malformed:
        return "unknown"


def _wrong(expected: str, actual: str) -> str:
    if actual in FORMATS:
        return WRONG_FORMAT.format(expected=expected, actual=LOOKS_LIKE.format(actual=actual))
    detail = "; it is JSON" if actual == "unknown" else "; it is text, not JSON"
    if expected == "go" and actual == "unknown text":
        detail = "; it has no 'BenchmarkName  N  value unit' lines"
    return WRONG_FORMAT.format(expected=expected, actual=detail)


def _hint(doc: Any) -> str:
    if isinstance(doc, dict):
        keys = ", ".join(list(doc)[:5]) or "nothing"
        return f"an object with {keys}"
    if isinstance(doc, list):
        return f"a list of {len(doc)} items"
    return f"a JSON {type(doc).__name__}"


def _validated(measurements: list[Measurement], errors: list[str]) -> list[Measurement]:
    if not measurements and not errors:
        raise Malformed(NO_BENCHMARKS)
    for m in measurements:
        if not m.samples and m.summary == Summary():
            raise Malformed(NOTHING_MEASURED.format(name=m.benchmark, metric=m.metric), m.line)
    return measurements


def _in_old_criterion_run(path: str, new_dirs: set[str]) -> bool:
    """In ``base/`` or ``change/`` of a Criterion benchmark: under ``criterion/``, or beside
    a ``new/`` (a copy of ``target/criterion`` saved under another name)."""
    parts = path.replace("\\", "/").split("/")
    if len(parts) < 2 or parts[-2] not in ("base", "change"):
        return False
    return "criterion" in parts or "/".join(parts[:-2]) in new_dirs


def _is_asv_index(path: str, data: bytes) -> bool:
    if len(data) > MAX_BYTES:
        return False
    try:
        return asv.is_index(path, load_json(data))
    except Malformed:
        return False


def _read_criterion_dir(
    directory: str, members: Mapping[str, str], files: Mapping[str, bytes]
) -> Results:
    main = (
        members.get("estimates.json") or members.get("sample.json") or next(iter(members.values()))
    )
    parsed: dict[str, tuple[bytes, Any]] = {}
    for leaf, path in members.items():
        if leaf == "tukey.json":
            continue
        try:
            parsed[leaf] = (b"", load_json(_checked(files[path])))
        except Malformed as exc:
            raise BenchFileError(path, exc.problem, exc.line) from None
    try:
        measurements = criterion.read_group(directory, parsed)
        if not measurements:
            raise Malformed(CRITERION_EMPTY)
    except Malformed as exc:
        raise BenchFileError(main, exc.problem, exc.line) from None
    return Results(main, "criterion", tuple(measurements))
