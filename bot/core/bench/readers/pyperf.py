"""pyperf JSON (``-o``/``--append``): every run's ``values`` are samples; warmups and
calibration runs (which hold only warmups) are skipped."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.core.bench.model import Measurement
from bot.core.bench.readers._common import (
    LineFinder,
    Malformed,
    direction_for,
    mapping,
    number,
    sequence,
    text,
)

NAME = "pyperf"
UNITS = {"second": ("time", "s"), "byte": ("bytes", "B"), "integer": ("value", "")}
UNKNOWN_UNIT = "benchmark {name!r}: unknown pyperf unit {unit!r}"


def looks_like(doc: Any) -> bool:
    if not isinstance(doc, dict) or not isinstance(doc.get("benchmarks"), list):
        return False
    return "version" in doc and all(
        isinstance(b, dict) and "runs" in b for b in doc["benchmarks"][:3]
    )


def read(doc: Any, data: bytes) -> tuple[list[Measurement], list[str]]:
    top = mapping(doc, "the top level", NAME)
    common = _metadata(top)
    lines = LineFinder(data)
    out = []
    for index, item in enumerate(sequence(top.get("benchmarks"), '"benchmarks"', NAME)):
        bench = mapping(item, f"benchmark {index + 1}", NAME)
        own = _metadata(bench)
        meta = {**common, **own}
        name = text(meta.get("name"), f"benchmark {index + 1} name", NAME)
        raw_unit = meta.get("unit", "second")
        if raw_unit not in UNITS:
            raise Malformed(UNKNOWN_UNIT.format(name=name, unit=raw_unit))
        metric, unit = UNITS[raw_unit]
        samples: list[float] = []
        for run in sequence(bench.get("runs"), f"benchmark {name!r} runs", NAME):
            values = mapping(run, f"a run of {name!r}", NAME).get("values")
            if values is None:
                continue  # a calibration run: warmups only
            samples.extend(number(v, name, "values") for v in sequence(values, "values", NAME))
        line = lines.find(name) if name in own.values() else None
        out.append(
            Measurement(name, metric, unit, direction_for(unit, metric), tuple(samples), line=line)
        )
    return out, []


def _metadata(obj: Mapping[str, Any]) -> dict[str, Any]:
    meta = obj.get("metadata")
    return meta if isinstance(meta, dict) else {}
