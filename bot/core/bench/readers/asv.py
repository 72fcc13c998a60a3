"""asv (airspeed velocity) result files, ``results/<machine>/<commit>-<env>.json`` (v2).

Each benchmark's row follows ``result_columns``: ``result`` holds one value per
parameter combination (the cartesian product of ``params``), ``samples`` the raw
samples per combination when run with ``--record-samples``. asv names the kind by
prefix: ``time_`` (seconds), ``mem_``/``peakmem_`` (bytes), ``track_`` (the
benchmark's own unit, assumed lower-is-better). A ``null`` result is a failure.
"""

from __future__ import annotations

import itertools
from typing import Any

from bot.core.bench.model import Direction, Measurement, Summary
from bot.core.bench.readers._common import (
    LineFinder,
    Malformed,
    mapping,
    number,
    sequence,
)

NAME = "asv"
UNSUPPORTED = "asv result file version {version!r}; perfbot reads version 2 (asv 0.5 and later)"
FAILED = "{name}: failed (no result)"
KINDS = {"time": ("time", "s"), "mem": ("memory", "B"), "peakmem": ("peak memory", "B")}


def looks_like(doc: Any) -> bool:
    return (
        isinstance(doc, dict)
        and isinstance(doc.get("results"), dict)
        and ("result_columns" in doc or "commit_hash" in doc)
    )


def is_index(path: str, doc: Any) -> bool:
    """asv's ``benchmarks.json`` and ``machine.json`` sit beside results but are not results."""
    leaf = path.replace("\\", "/").rsplit("/", 1)[-1]
    return isinstance(doc, dict) and (
        (leaf == "benchmarks.json" and "version" in doc and "results" not in doc)
        or (leaf == "machine.json" and "machine" in doc)
    )


def read(doc: Any, data: bytes) -> tuple[list[Measurement], list[str]]:
    top = mapping(doc, "the top level", NAME)
    if top.get("version") != 2:
        raise Malformed(UNSUPPORTED.format(version=top.get("version")))
    columns = sequence(top.get("result_columns"), "result_columns", NAME)
    lines = LineFinder(data)
    out, errors = [], []
    for name, row in mapping(top.get("results"), '"results"', NAME).items():
        fields = dict(zip(columns, sequence(row, f"result {name!r}", NAME), strict=False))
        line = lines.find(name)
        result = fields.get("result")
        if result is None:
            errors.append(FAILED.format(name=name))
            continue
        metric, unit = KINDS.get(name.rsplit(".", 1)[-1].split("_", 1)[0], ("value", ""))
        params = fields.get("params") or []
        combos = (
            [
                "(" + ", ".join(str(p) for p in combo) + ")"
                for combo in itertools.product(*sequence(params, "params", NAME))
            ]
            if params
            else [""]
        )
        values = sequence(result, f"result {name!r}", NAME)
        samples_per = fields.get("samples") or [None] * len(values)
        for index, value in enumerate(values):
            label = name + (combos[index] if index < len(combos) else f"[{index}]")
            if value is None:
                errors.append(FAILED.format(name=label))
                continue
            samples_raw = samples_per[index] if index < len(samples_per) else None
            samples = (
                tuple(number(s, label, "samples") for s in samples_raw)
                if isinstance(samples_raw, list)
                else ()
            )
            v = number(value, label, "result")
            out.append(
                Measurement(
                    label,
                    metric,
                    unit,
                    Direction.LOWER,
                    samples,
                    Summary(count=len(samples) or None, median=v),
                    line,
                )
            )
    return out, errors
