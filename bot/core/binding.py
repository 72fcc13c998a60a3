"""Bind a YAML document to frozen settings dataclasses, reporting every problem with its place.

Rules declare their settings as plain dataclasses with defaults; this module is the
one place that turns user YAML into them, so every rule gets the same checking
(unknown keys with suggestions, types, patterns) and the same line-precise errors.
"""

from __future__ import annotations

import dataclasses
import difflib
import re
import types
from dataclasses import dataclass
from enum import Enum
from typing import Annotated, Any, TypeVar, Union, get_args, get_origin, get_type_hints

import pathspec

from bot.core.yamldoc import Document, Path, Position

T = TypeVar("T")


class Glob:
    """Marker: a gitignore-style path pattern (``!`` negates)."""


class Regex:
    """Marker: a Python regular expression."""


Globs = Annotated[tuple[str, ...], Glob]
Regexes = Annotated[tuple[str, ...], Regex]


_SCALARS: dict[Any, str] = {bool: "true or false", int: "a whole number", str: "a string"}


@dataclass(frozen=True, slots=True)
class Problem:
    message: str
    position: Position


def dotted(path: Path) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out or "(top level)"


class _Binder:
    def __init__(self, doc: Document) -> None:
        self.doc = doc
        self.problems: list[Problem] = []

    def fail(self, path: Path, message: str, *, at_key: bool = False) -> None:
        where = self.doc.key_position(path) if at_key else self.doc.position(path)
        self.problems.append(Problem(f"{dotted(path)}: {message}", where))

    def bind(self, hint: Any, value: Any, path: Path, default: Any) -> Any:
        marker = None
        if get_origin(hint) is Annotated:
            hint, *extras = get_args(hint)
            marker = extras[0] if extras else None
        if dataclasses.is_dataclass(hint) and isinstance(hint, type):
            return self.bind_dataclass(hint, value, path, default)
        if isinstance(hint, type) and issubclass(hint, Enum):
            choices = [m.value for m in hint]
            if value in choices:
                return hint(value)
            self.fail(path, f"must be one of {', '.join(map(str, choices))}, not {value!r}")
            return default
        if hint in _SCALARS:
            # type(), not isinstance(): YAML's true is not the number 1 here.
            if type(value) is hint:
                return value
            self.fail(path, f"must be {_SCALARS[hint]}, not {value!r}")
            return default
        if get_origin(hint) is tuple:
            return self.bind_strings(value, path, default, marker)
        if get_origin(hint) in (Union, types.UnionType):
            options = [a for a in get_args(hint) if a is not type(None)]
            if value is None:
                return None
            return self.bind(options[0], value, path, default)
        raise TypeError(f"unsupported settings type {hint!r} at {dotted(path)}")

    def bind_strings(self, value: Any, path: Path, default: Any, marker: Any) -> Any:
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list):
            self.fail(path, f"must be a list of strings, not {value!r}")
            return default
        items: list[str] = []
        for i, item in enumerate(value):
            if not isinstance(item, str) or not item:
                self.fail((*path, i), f"must be a non-empty string, not {item!r}")
                continue
            if marker is Regex:
                try:
                    re.compile(item)
                except re.error as exc:
                    self.fail((*path, i), f"invalid regular expression {item!r}: {exc}")
                    continue
            if marker is Glob:
                try:
                    pathspec.GitIgnoreSpec.from_lines([item])
                except (ValueError, TypeError) as exc:
                    self.fail((*path, i), f"invalid path pattern {item!r}: {exc}")
                    continue
            items.append(item)
        return tuple(items)

    def bind_dataclass(self, cls: type[Any], value: Any, path: Path, default: Any) -> Any:
        if default is None:
            default = cls()
        if value is None:
            return default
        if not isinstance(value, dict):
            self.fail(path, f"must be a mapping of settings, not {value!r}")
            return default
        hints = get_type_hints(cls, include_extras=True)
        names = [f.name for f in dataclasses.fields(cls)]
        for key in value:
            if key not in names:
                close = difflib.get_close_matches(key, names, n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                allowed = ", ".join(names)
                self.fail((*path, key), f"unknown key{hint}; known keys: {allowed}", at_key=True)
        changes = {
            name: self.bind(hints[name], value[name], (*path, name), getattr(default, name))
            for name in names
            if name in value
        }
        return dataclasses.replace(default, **changes)


def bind(cls: type[T], doc: Document) -> tuple[T, tuple[Problem, ...]]:
    """Settings of type ``cls`` from ``doc``, defaults filling what it leaves out."""
    binder = _Binder(doc)
    data = doc.data if doc.data is not None else {}
    result = binder.bind(cls, data, (), None)
    return result, tuple(binder.problems)
