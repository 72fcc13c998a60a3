"""Criterion.rs: ``target/criterion/<id>/new/{estimates,sample,benchmark}.json`` and
cargo-criterion's ``--message-format=json`` stream (``reason: benchmark-complete`` lines).

One Criterion benchmark spans files, so ``read_all`` groups a ``new/`` directory's files
(``base/`` and ``change/`` hold older runs and are ignored). Each sample is a batch of
``iters`` iterations taking ``times`` nanoseconds; the per-iteration time is the sample.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.core.bench.model import Direction, Measurement, Summary
from bot.core.bench.readers._common import (
    Malformed,
    json_lines,
    mapping,
    normalise,
    number,
    sequence,
    text,
)

NAME = "criterion"
CARGO_NAME = "cargo-criterion"
NS = 1e-9
MISMATCH = "benchmark {name!r}: {a} has {n} entries but {b} has {m}"
ZERO_ITERS = "benchmark {name!r}: a sample of zero iterations"
NOT_NEW_DIR = (
    "is not inside a Criterion 'new' directory, so its benchmark has no name; "
    "read target/criterion/<benchmark>/new/"
)
ONLY_ID = (
    "holds only Criterion's benchmark id; its figures are in estimates.json and sample.json "
    "beside it, so read the whole directory"
)
NO_MESSAGES = "holds no cargo-criterion 'benchmark-complete' messages"


def is_estimates(doc: Any) -> bool:
    return (
        isinstance(doc, dict)
        and isinstance(doc.get("mean"), dict)
        and ("point_estimate" in doc["mean"])
    )


def is_sample(doc: Any) -> bool:
    return isinstance(doc, dict) and "iters" in doc and "times" in doc


def is_benchmark_info(doc: Any) -> bool:
    return isinstance(doc, dict) and "full_id" in doc and "directory_name" in doc


def benchmark_dir(path: str) -> str | None:
    """``a/target/criterion/g/f/new/estimates.json`` -> ``a/target/criterion/g/f``."""
    parts = path.replace("\\", "/").split("/")
    if len(parts) >= 2 and parts[-2] == "new":
        return "/".join(parts[:-2])
    return None


def name_from_dir(directory: str) -> str:
    parts = directory.split("/")
    if "criterion" in parts:
        parts = parts[len(parts) - parts[::-1].index("criterion") :]
    return "/".join(parts) or directory


def read_group(directory: str, files: Mapping[str, tuple[bytes, Any]]) -> list[Measurement]:
    """One benchmark from its ``new/`` files: parsed documents keyed by file name."""
    info = files.get("benchmark.json")
    name = name_from_dir(directory)
    if info is not None and is_benchmark_info(info[1]):
        name = text(info[1].get("full_id"), "full_id", NAME)
    samples: tuple[float, ...] = ()
    summary = Summary()
    if "sample.json" in files:
        samples = _per_iteration(files["sample.json"][1], name)
    if "estimates.json" in files:
        summary = _summary(files["estimates.json"][1], name, len(samples) or None)
    if not samples and summary == Summary():
        return []
    return [Measurement(name, "time", "s", Direction.LOWER, samples, summary)]


def read_file(path: str, doc: Any) -> list[Measurement]:
    directory = benchmark_dir(path)
    if directory is None:
        raise Malformed(NOT_NEW_DIR)
    leaf = path.replace("\\", "/").rsplit("/", 1)[-1]
    measurements = read_group(directory, {leaf: (b"", doc)})
    if not measurements and is_benchmark_info(doc):
        raise Malformed(ONLY_ID)
    return measurements


def _per_iteration(doc: Any, name: str) -> tuple[float, ...]:
    sample = mapping(doc, "sample.json", NAME)
    iters = sequence(sample.get("iters"), "iters", NAME)
    times = sequence(sample.get("times"), "times", NAME)
    if len(iters) != len(times):
        counts = {"a": "iters", "n": len(iters), "b": "times", "m": len(times)}
        raise Malformed(MISMATCH.format(name=name, **counts))
    out = []
    for n, t in zip(iters, times, strict=True):
        count = number(n, name, "iters")
        if count <= 0:
            raise Malformed(ZERO_ITERS.format(name=name))
        out.append(number(t, name, "times") / count * NS)
    return tuple(out)


def _summary(doc: Any, name: str, count: int | None) -> Summary:
    est = mapping(doc, "estimates.json", NAME)

    def point(key: str) -> float | None:
        value = est.get(key)
        if not isinstance(value, dict):
            return None
        return number(value.get("point_estimate"), name, f"{key}.point_estimate") * NS

    return Summary(count=count, mean=point("mean"), median=point("median"), stddev=point("std_dev"))


# cargo-criterion ---------------------------------------------------------------------


def read_messages(data: bytes) -> list[Measurement]:
    out = []
    for line, message in json_lines(data):
        if isinstance(message, dict) and message.get("reason") == "benchmark-complete":
            out.append(_message(message, line))
    if not out:
        raise Malformed(NO_MESSAGES)
    return out


def _message(message: Mapping[str, Any], line: int) -> Measurement:
    name = text(message.get("id"), "id", CARGO_NAME)
    unit, scale = normalise(str(message.get("unit", "ns")))
    iters = sequence(message.get("iteration_count"), "iteration_count", CARGO_NAME)
    values = sequence(message.get("measured_values"), "measured_values", CARGO_NAME)
    if len(iters) != len(values):
        raise Malformed(
            MISMATCH.format(
                name=name, a="iteration_count", n=len(iters), b="measured_values", m=len(values)
            ),
            line,
        )
    samples = []
    for n, v in zip(iters, values, strict=True):
        count = number(n, name, "iteration_count")
        if count <= 0:
            raise Malformed(ZERO_ITERS.format(name=name), line)
        samples.append(number(v, name, "measured_values") / count * scale)

    def estimate(key: str) -> float | None:
        value = message.get(key)
        if not isinstance(value, dict):
            return None
        _, est_scale = normalise(str(value.get("unit", message.get("unit", "ns"))))
        return number(value.get("estimate"), name, f"{key}.estimate") * est_scale

    summary = Summary(count=len(samples) or None, mean=estimate("mean"), median=estimate("median"))
    metric = "time" if unit == "s" else unit  # other measurements (cycles, ...) keep theirs
    return Measurement(name, metric, unit, Direction.LOWER, tuple(samples), summary, line)
