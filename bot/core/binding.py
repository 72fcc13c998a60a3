"""Bind a YAML document to frozen settings dataclasses.

Rules declare their settings as plain dataclasses with defaults; this module turns
validated YAML into them. Validation proper (unknown keys, types, enums, patterns)
is the published JSON Schema's job (``bot.core.validation``); the checks here only
keep a value of the wrong shape from ever reaching a rule, should the two disagree.
"""

from __future__ import annotations

import dataclasses
import types
from dataclasses import dataclass
from enum import Enum
from typing import Annotated, Any, TypeVar, Union, get_args, get_origin, get_type_hints

from bot.core.results import Finding, Severity
from bot.core.yamldoc import Document, Path, Position

T = TypeVar("T")


class Glob:
    """Marker: a gitignore-style path pattern (``!`` negates)."""


class Regex:
    """Marker: a Python regular expression."""


class BudgetLimit:
    """Marker: a benchmark budget's limit, ``[metric] [statistic] op value`` (``p95 <= 250ms``)."""


@dataclass(frozen=True, slots=True)
class Range:
    """Marker: the bounds a number must lie within.

    Written into the JSON Schema (so editors flag a value out of range as it is typed)
    and read back from it by validation to say the range in the error.
    """

    minimum: float | None = None
    exclusive_minimum: float | None = None
    maximum: float | None = None
    exclusive_maximum: float | None = None


@dataclass(frozen=True, slots=True)
class Shape:
    """Marker: a string that must match ``pattern`` (a JSON Schema ``pattern``, so ECMA-262
    syntax that Python reads alike); ``expected`` says it in words, for the error."""

    pattern: str
    expected: str

    def __post_init__(self) -> None:
        SHAPES[self.pattern] = self.expected


# What each ``Shape`` pattern in the schema means, for validation's messages.
SHAPES: dict[str, str] = {}


def captures(*groups: str) -> Shape:
    """Regexes that must name what they find with one of ``groups`` (``(?P<knob>...)``, or
    ``(?<knob>...)`` as the ``regex`` module also takes it): without the group a pattern
    would report its whole match instead."""
    named = " or ".join(f"(?P<{g}>…)" for g in groups)
    return Shape(r"\(\?P?<(?:" + "|".join(groups) + ")>", f"a pattern with the group {named}")


@dataclass(frozen=True, slots=True)
class OneOf:
    """Marker: a string that must be one of ``choices`` (names another module defines)."""

    choices: tuple[str, ...]


Globs = Annotated[tuple[str, ...], Glob]
Regexes = Annotated[tuple[str, ...], Regex]
# Numbers whose meaningful range the schema states: a relative change or a probability
# strictly between 0 and 1; a positive amount; a margin that 0 turns off; a count or
# duration of at least one; an amount where 0 means "any".
Fraction = Annotated[float, Range(exclusive_minimum=0, exclusive_maximum=1)]
Positive = Annotated[float, Range(exclusive_minimum=0)]
Margin = Annotated[float, Range(minimum=0)]
Count = Annotated[int, Range(minimum=1)]
Amount = Annotated[int, Range(minimum=0)]
# Text that must say something (an empty marker would match every line), and a path
# inside the repository.
Text = Annotated[str, Shape(r"\S", "text that is not blank")]
RepoPath = Annotated[str, Shape(
    r"^(?![/\\])(?!(?:.*/)?\.\.(?:/|$))\s*\S",
    "a path inside the repository (not blank, no leading `/`, no `..`)",
)]
Login = Annotated[str, Shape(
    r"^@?[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$", "a GitHub login such as `alice` or `@alice`"
)]
Team = Annotated[str, Shape(
    r"^@?[A-Za-z0-9][A-Za-z0-9-]*/[A-Za-z0-9][A-Za-z0-9._-]*$",
    "a team written `org/team` or `@org/team`",
)]


_SCALARS: dict[Any, str] = {
    bool: "true or false",
    int: "a whole number",
    float: "a number",
    str: "a string",
}


@dataclass(frozen=True, slots=True)
class Problem:
    message: str
    position: Position
    # The file the problem is in, when not the config's own file (an ``extends`` target).
    file: str = ""

    def finding(self, path: str, severity: Severity, title: str) -> Finding:
        """The problem as an annotation on ``path``, at its line and column."""
        line, column = self.position.line, self.position.column
        return Finding(path, self.message, severity, line, line, column, column, title)


def dotted(path: Path) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out or "(top level)"


def unwrap(hint: Any) -> tuple[Any, Any]:
    """``(type, marker)`` for a possibly ``Annotated`` hint."""
    if get_origin(hint) is Annotated:
        hint, *extras = get_args(hint)
        return hint, (extras[0] if extras else None)
    return hint, None


def markers(hint: Any) -> tuple[Any, ...]:
    """Every marker of a possibly ``Annotated`` hint (a pattern list may carry several)."""
    return tuple(get_args(hint)[1:]) if get_origin(hint) is Annotated else ()


def optional_of(hint: Any) -> Any | None:
    """``X`` for ``X | None``, else None."""
    if get_origin(hint) in (Union, types.UnionType):
        options = [a for a in get_args(hint) if a is not type(None)]
        if len(options) == 1:
            return options[0]
        raise TypeError(f"unsupported union {hint!r}: only X | None")
    return None


def item_type(hint: Any) -> Any:
    """The item type of ``tuple[X, ...]``."""
    args = get_args(hint)
    if len(args) != 2 or args[1] is not Ellipsis:
        raise TypeError(f"unsupported tuple {hint!r}: only tuple[X, ...]")
    return args[0]


def is_settings(hint: Any) -> bool:
    return isinstance(hint, type) and dataclasses.is_dataclass(hint)


class _Binder:
    def __init__(self, doc: Document) -> None:
        self.doc = doc
        self.problems: list[Problem] = []

    def fail(self, path: Path, message: str, *, at_key: bool = False) -> None:
        where = self.doc.key_position(path) if at_key else self.doc.position(path)
        self.problems.append(Problem(f"{dotted(path)}: {message}", where, self.doc.file(path)))

    def bind(self, hint: Any, value: Any, path: Path, default: Any) -> Any:
        hint, _ = unwrap(hint)
        inner = optional_of(hint)
        if inner is not None:
            return None if value is None else self.bind(inner, value, path, default)
        if is_settings(hint):
            return self.bind_dataclass(hint, value, path, default)
        if isinstance(hint, type) and issubclass(hint, Enum):
            choices = [m.value for m in hint]
            if value in choices:
                return hint(value)
            self.fail(path, f"must be one of {', '.join(map(str, choices))}, not {value!r}")
            return default
        if hint is float and type(value) is int:
            return float(value)
        if hint in _SCALARS:
            # type(), not isinstance(): YAML's true is not the number 1 here.
            if type(value) is hint:
                return value
            self.fail(path, f"must be {_SCALARS[hint]}, not {value!r}")
            return default
        if get_origin(hint) is tuple:
            return self.bind_items(item_type(hint), value, path, default)
        raise TypeError(f"unsupported settings type {hint!r} at {dotted(path)}")

    def bind_items(self, item: Any, value: Any, path: Path, default: Any) -> Any:
        item, _ = unwrap(item)
        if item is str and isinstance(value, str):
            value = [value]
        if not isinstance(value, list):
            self.fail(path, f"must be a list, not {value!r}")
            return default
        if is_settings(item):
            bound = (self.bind_dataclass(item, v, (*path, i), None) for i, v in enumerate(value))
            return tuple(b for b in bound if b is not None)
        items: list[Any] = []
        for i, v in enumerate(value):
            if item is str and (not isinstance(v, str) or not v):
                self.fail((*path, i), f"must be a non-empty string, not {v!r}")
                continue
            items.append(self.bind(item, v, (*path, i), None))
        return tuple(items)

    def bind_dataclass(self, cls: type[Any], value: Any, path: Path, default: Any) -> Any:
        if value is None and default is not None:
            return default
        if value is None:
            value = {}
        if not isinstance(value, dict):
            self.fail(path, f"must be a mapping of settings, not {value!r}")
            return default
        hints = get_type_hints(cls, include_extras=True)
        fields = dataclasses.fields(cls)
        names = [f.name for f in fields]
        for key in value:
            if key not in names:
                self.fail((*path, key), "unknown key", at_key=True)
        values: dict[str, Any] = {}
        for f in fields:
            fallback = getattr(default, f.name) if default is not None else field_default(f)
            if f.name in value:
                values[f.name] = self.bind(hints[f.name], value[f.name], (*path, f.name), fallback)
            elif fallback is dataclasses.MISSING:
                self.fail(path, f"missing required key {f.name!r}")
                return default
            else:
                values[f.name] = fallback
        return cls(**values)


def field_default(f: dataclasses.Field[Any]) -> Any:
    """A field's default value, or ``dataclasses.MISSING`` when the key is required."""
    if f.default is not dataclasses.MISSING:
        return f.default
    if f.default_factory is not dataclasses.MISSING:
        return f.default_factory()
    return dataclasses.MISSING


def bind(cls: type[T], doc: Document) -> tuple[T, tuple[Problem, ...]]:
    """Settings of type ``cls`` from ``doc``, defaults filling what it leaves out."""
    binder = _Binder(doc)
    data = doc.data if doc.data is not None else {}
    result = binder.bind(cls, data, (), None)
    return result, tuple(binder.problems)
