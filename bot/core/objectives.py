"""The repository's performance objectives: journeys, their targets, paths and owners.

The file (by default ``docs/performance/objectives.yml``) names the critical user
journeys, what each promises (``p95 latency <= 250ms``) and who answers for it. The
``objectives`` rule shows what a change puts at stake; benchmark rules hold results to
the same targets as budgets. Everything here is parsed once, with the line of each
value, so a mistake is reported where it was made::

    journeys:
      - name: checkout
        sli: Server-side latency of POST /checkout, measured at the load balancer
        targets:
          - p95 latency <= 250ms
          - throughput >= 1200 rps
          - rss <= 512MiB
        paths: ["services/checkout/**", "!services/checkout/docs/**"]
        owners: ["@octo-org/payments", "alice"]
        benchmarks: ["benchmarks/bench_checkout.py::*"]   # optional
        metric: http_server_request_duration_seconds      # optional

``benchmarks`` are shell-style patterns (``*``, ``?``, ``[...]``) over benchmark names as
their tool reports them; they say which benchmarks a journey's targets bind as budgets.

A target is ``[statistic] metric op value``: the statistic is ``pNN`` (``p95``, ``p99.9``),
``mean`` (or ``avg``), ``median``, ``min`` or ``max``, or left out; the op is ``<=``, ``<``,
``>=`` or ``>``; the value a quantity ``bot.core.units`` understands.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import pathspec

from bot.core import units, yamldoc
from bot.core.bench.model import Direction
from bot.core.binding import Problem, dotted
from bot.core.globs import matching
from bot.core.yamldoc import Path, Position

DEFAULT_PATH = "docs/performance/objectives.yml"
# An objectives file is a page of YAML; anything far larger is a mistake, not objectives.
MAX_BYTES = 1024 * 1024

_JOURNEY_KEYS = ("name", "sli", "targets", "paths", "owners", "benchmarks", "metric")
_TOP_KEYS = ("version", "journeys")
_TARGET = re.compile(
    r"^\s*(?:(?P<statistic>p\d{1,2}(?:\.\d+)?|p100|mean|avg|average|median|min|max)\s+)?"
    # Words apart by spaces, then the op and the rest: nothing two quantifiers could share,
    # so a line that almost matches costs one pass (targets come from a file PRs change).
    r"(?P<metric>[A-Za-z_][\w.\-]*(?: +[\w.\-]+)*)\s*(?P<op><=|>=|<|>|≤|≥)\s*"
    r"(?P<value>\S.*)$",
    re.IGNORECASE,
)
_STATISTIC = re.compile(r"^(?:p\d{1,3}(?:\.\d+)?|mean|avg|average|median|min|max)$", re.I)
# Prometheus names (``[a-zA-Z_:][a-zA-Z0-9_:]*``) and Datadog's dotted ones, both.
METRIC_NAME = re.compile(r"^[A-Za-z_:][A-Za-z0-9_:.]*$")
_OWNER = re.compile(r"^@?[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})(?:/[A-Za-z0-9._-]+)?$")
_STATISTIC_ALIASES = {"avg": "mean", "average": "mean"}
TARGET_FORMAT = "write targets as `[statistic] metric op value`, e.g. `p95 latency <= 250ms`"


class Op(StrEnum):
    LE = "<="
    LT = "<"
    GE = ">="
    GT = ">"


_OPS = {"≤": Op.LE, "≥": Op.GE}


@dataclass(frozen=True, slots=True)
class Target:
    """One promise, its value normalised (``250ms`` → 0.25 with unit ``"s"``)."""

    statistic: str | None  # "p95", "p99.9", "mean", "median", "min", "max", or None
    metric: str  # "latency", "throughput", "rss", ... as written, lower-cased
    op: Op
    value: float  # in ``unit``
    unit: str  # the normalised unit: "s", "B", "ops/s", "B/s", "%" or ""
    kind: units.Kind
    text: str  # as written in the file
    position: Position

    @property
    def quantity(self) -> units.Quantity:
        return units.Quantity(self.value, self.unit, self.kind)

    @property
    def direction(self) -> Direction:
        """Which way is better for this metric, as the target's op says."""
        return Direction.LOWER if self.op in (Op.LE, Op.LT) else Direction.HIGHER

    def holds(self, measured: float) -> bool:
        """Whether ``measured`` (in ``unit``) meets the target."""
        if self.op is Op.LE:
            return measured <= self.value
        if self.op is Op.LT:
            return measured < self.value
        if self.op is Op.GE:
            return measured >= self.value
        return measured > self.value

    def describe(self) -> str:
        """The target with its value written for people: ``p95 latency <= 250 ms``."""
        named = f"{self.statistic} {self.metric}" if self.statistic else self.metric
        return f"{named} {self.op.value} {self.quantity}"


@dataclass(frozen=True, slots=True)
class Journey:
    name: str
    position: Position
    sli: str = ""
    targets: tuple[Target, ...] = ()
    paths: tuple[str, ...] = ()  # gitignore-style globs of the code the journey runs through
    owners: tuple[str, ...] = ()  # GitHub users or "@org/team"
    benchmarks: tuple[str, ...] = ()  # shell-style patterns over benchmark names
    metrics: tuple[str, ...] = ()  # what dashboards query to show the SLI
    # Where ``metric:`` and ``sli:`` stood (None when absent), for annotations.
    metric_position: Position | None = None
    sli_position: Position | None = None

    def covers(self, paths: Iterable[str]) -> tuple[str, ...]:
        """Which of ``paths`` this journey runs through."""
        return tuple(matching(self.paths, paths))


@dataclass(frozen=True, slots=True)
class Objectives:
    path: str
    journeys: tuple[Journey, ...] = ()

    def at_stake(self, paths: Iterable[str]) -> tuple[tuple[Journey, tuple[str, ...]], ...]:
        """The journeys ``paths`` touch, each with the paths that touch it."""
        listed = tuple(paths)
        found = ((journey, journey.covers(listed)) for journey in self.journeys)
        return tuple((journey, covered) for journey, covered in found if covered)


def parse(text: str, path: str = DEFAULT_PATH) -> tuple[Objectives, tuple[Problem, ...]]:
    """The objectives in ``text``, and every problem found, each at its line and column.

    Journeys with problems are still returned as far as they could be read, so a rule can
    show what it understood beside what it did not.
    """
    if len(text.encode("utf-8", "replace")) > MAX_BYTES:
        message = f"the file is larger than {MAX_BYTES // 1024} KB; objectives fit on a page"
        return Objectives(path), (Problem(message, Position(1, 1)),)
    try:
        doc = yamldoc.parse(text)
    except yamldoc.DocumentError as exc:
        return Objectives(path), (Problem(exc.message, exc.position),)
    reader = _Reader(doc)
    return Objectives(path, reader.journeys()), tuple(reader.problems)


def parse_target(text: str, position: Position | None = None) -> Target:
    """One target such as ``p95 latency <= 250ms``; ``ValueError`` says what is wrong."""
    found = _TARGET.match(text.strip())
    if not found:
        raise ValueError(f"cannot read the target {text!r}; {TARGET_FORMAT}")
    try:
        quantity = units.parse(found.group("value").rstrip())
    except units.UnitError as exc:
        raise ValueError(f"target {text!r}: {exc}") from None
    statistic = found.group("statistic")
    if statistic is None and _STATISTIC.match(found.group("metric")):
        raise ValueError(f"target {text!r} names a statistic but no metric; {TARGET_FORMAT}")
    if statistic:
        statistic = statistic.lower()
        statistic = _STATISTIC_ALIASES.get(statistic, statistic)
    op = found.group("op")
    return Target(
        statistic=statistic,
        metric=" ".join(found.group("metric").lower().split()),
        op=_OPS.get(op) or Op(op),
        value=quantity.value,
        unit=quantity.unit,
        kind=quantity.kind,
        text=text.strip(),
        position=position or Position(1, 1),
    )


class _Reader:
    def __init__(self, doc: yamldoc.Document) -> None:
        self.doc = doc
        self.problems: list[Problem] = []

    def fail(self, path: Path, message: str, *, at_key: bool = False) -> None:
        where = self.doc.key_position(path) if at_key else self.doc.position(path)
        self.problems.append(Problem(f"{dotted(path)}: {message}", where))

    def unknown_keys(self, value: dict[str, Any], path: Path, known: tuple[str, ...]) -> None:
        for key in value:
            if key not in known:
                self.fail((*path, key), f"unknown key; known keys: {', '.join(known)}",
                          at_key=True)

    def journeys(self) -> tuple[Journey, ...]:
        data = self.doc.data
        if not isinstance(data, dict):
            self.problems.append(Problem(
                "the file must be a mapping with a `journeys:` list", self.doc.position(())))
            return ()
        self.unknown_keys(data, (), _TOP_KEYS)
        listed = data.get("journeys")
        if not isinstance(listed, list) or not listed:
            self.fail(("journeys",), "must be a list of journeys, each with a name, "
                      "targets, paths and owners")
            return ()
        out: list[Journey] = []
        seen: set[str] = set()
        for i, item in enumerate(listed):
            journey = self.journey(item, ("journeys", i))
            if journey is None:
                continue
            if journey.name in seen:
                self.fail(("journeys", i, "name"), f"a journey named {journey.name!r} is "
                          "already listed; give each journey its own name")
            seen.add(journey.name)
            out.append(journey)
        return tuple(out)

    def journey(self, value: Any, path: Path) -> Journey | None:
        if not isinstance(value, dict):
            self.fail(path, "must be a mapping with name, targets, paths and owners")
            return None
        self.unknown_keys(value, path, _JOURNEY_KEYS)
        name = value.get("name")
        if not isinstance(name, str) or not name.strip():
            self.fail((*path, "name"), "every journey needs a `name:` (a non-empty string)")
            name = f"journey {path[-1]}"
        sli = value.get("sli", "")
        if not isinstance(sli, str):
            self.fail((*path, "sli"), "must be a string describing the indicator")
            sli = ""
        targets = tuple(
            target
            for j, text in self.strings(value, (*path, "targets"), required=True)
            if (target := self.target(text, (*path, "targets", j))) is not None
        )
        return Journey(
            name=name.strip(),
            position=self.doc.position(path),
            sli=sli.strip(),
            targets=targets,
            paths=self.globs(value, (*path, "paths")),
            owners=self.owners(value, (*path, "owners")),
            benchmarks=tuple(text for _, text in self.strings(value, (*path, "benchmarks"))),
            metrics=self.metrics(value, (*path, "metric")),
            metric_position=self.at(value, path, "metric"),
            sli_position=self.at(value, path, "sli"),
        )

    def at(self, journey: dict[str, Any], path: Path, key: str) -> Position | None:
        return self.doc.position((*path, key)) if key in journey else None

    def metrics(self, journey: dict[str, Any], path: Path) -> tuple[str, ...]:
        out = []
        for i, item in self.strings(journey, path):
            if not METRIC_NAME.match(item):
                where = path if isinstance(journey.get("metric"), str) else (*path, i)
                self.fail(where, f"{item!r} is not a metric name; write it as dashboards "
                          "query it, e.g. `http_server_request_duration_seconds` or "
                          "`trace.http.request.duration`, without labels")
                continue
            out.append(item)
        return tuple(out)

    def strings(
        self, journey: dict[str, Any], path: Path, *, required: bool = False
    ) -> list[tuple[int, str]]:
        """A list of strings with their indexes (one string alone counts as a list)."""
        key = path[-1]
        value = journey.get(str(key))
        if value is None:
            if required:
                self.fail(path, f"every journey needs `{key}:` (a list)")
            return []
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list):
            self.fail(path, f"must be a list of strings, not {value!r}")
            return []
        if required and not value:
            self.fail(path, f"must list at least one entry under `{key}:`")
        out = []
        for i, item in enumerate(value):
            if isinstance(item, str) and item.strip():
                out.append((i, item.strip()))
            else:
                self.fail((*path, i), f"must be a non-empty string, not {item!r}")
        return out

    def target(self, text: str, path: Path) -> Target | None:
        try:
            return parse_target(text, self.doc.position(path))
        except ValueError as exc:
            self.fail(path, str(exc))
            return None

    def globs(self, journey: dict[str, Any], path: Path) -> tuple[str, ...]:
        out = []
        for i, item in self.strings(journey, path):
            try:
                pathspec.GitIgnoreSpec.from_lines([item])
            except (ValueError, TypeError) as exc:
                self.fail((*path, i), f"invalid path pattern {item!r}: {exc}")
                continue
            out.append(item)
        return tuple(out)

    def owners(self, journey: dict[str, Any], path: Path) -> tuple[str, ...]:
        out = []
        for i, item in self.strings(journey, path, required=True):
            if not _OWNER.match(item):
                self.fail((*path, i), f"{item!r} is not a GitHub user or `@org/team`")
                continue
            out.append(item)
        return tuple(out)
