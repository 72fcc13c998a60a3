"""Validate a config document against the published JSON Schema, every error at its place.

``config/schema.json`` is the single source of truth: what it accepts, perfbot accepts.
This module runs it (Draft 2020-12, with format checkers for the regular expressions
and path globs perfbot will later compile) and turns jsonschema's errors into
``Problem``s that name the setting, say what it must be, and point at its line.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterator
from functools import cache
from importlib import resources
from pathlib import Path as FilePath
from typing import Any

import pathspec
import regex
from jsonschema import Draft202012Validator, FormatChecker, ValidationError, validators

from bot.core import globs
from bot.core.bench import budgets
from bot.core.binding import SHAPES, Problem, dotted
from bot.core.yamldoc import Document, Path

UNKNOWN_KEY = "{key}: unknown key{suggestion}; known keys: {known}"
WRONG_TYPE = "{key}: must be {expected}, not {value!r}"
NOT_A_CHOICE = "{key}: must be one of {choices}, not {value!r}"
BAD_REGEX = "{key}: invalid regular expression {value!r}: {why}"
BAD_GLOB = "{key}: invalid path pattern {value!r}: {why}"
BAD_LIMIT = "{key}: {why}"
OUT_OF_RANGE = "{key}: must be {expected}, not {value!r}"
EMPTY = "{key}: must be a non-empty string"
MISSING = "{key}: missing required key {name!r}"

_TYPE_WORDS = {
    "boolean": "true or false",
    "integer": "a whole number",
    "number": "a number",
    "string": "a string",
    "object": "a mapping of settings",
    "array": "a list",
    "null": "empty",
}

_formats = FormatChecker(formats=())


@_formats.checks("regex", raises=(regex.error, re.error))
def _is_regex(value: object) -> bool:
    if isinstance(value, str):
        regex.compile(value, regex.VERSION0)
    return True


@_formats.checks("glob", raises=(ValueError, TypeError, re.error))
def _is_glob(value: object) -> bool:
    if isinstance(value, str):
        problem = globs.syntax_problem(value)
        if problem:
            raise ValueError(problem)
        pathspec.GitIgnoreSpec.from_lines([value])
    return True


@_formats.checks("limit", raises=budgets.LimitError)
def _is_limit(value: object) -> bool:
    if isinstance(value, str):
        budgets.parse_limit(value)
    return True


def _is_integer(checker: Any, value: object) -> bool:
    # JSON Schema counts 1.0 as an integer; a setting that wants a count does not.
    return isinstance(value, int) and not isinstance(value, bool)


_Validator = validators.extend(  # type: ignore[no-untyped-call]
    Draft202012Validator,
    type_checker=Draft202012Validator.TYPE_CHECKER.redefine("integer", _is_integer),
)


@cache
def published_schema() -> dict[str, Any]:
    """config/schema.json as packaged (or from a source checkout), like the default config."""
    packaged = resources.files("bot").joinpath("_config/schema.json")
    if packaged.is_file():
        text = packaged.read_text(encoding="utf-8")
    else:
        text = (FilePath(__file__).parents[2] / "config" / "schema.json").read_text("utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded


@cache
def _validator() -> Any:
    return _Validator(published_schema(), format_checker=_formats)


def problems(doc: Document, schema: dict[str, Any] | None = None) -> tuple[Problem, ...]:
    """Every way ``doc`` breaks the schema, in file order."""
    validator = _validator() if schema is None else _Validator(schema, format_checker=_formats)
    data = doc.data if doc.data is not None else {}
    errors = list(validator.iter_errors(data))
    # A regex that does not compile cannot be asked for its groups as well.
    unreadable = {tuple(e.absolute_path) for e in errors if e.validator == "format"}
    errors = [
        e for e in errors
        if not (e.validator == "pattern" and tuple(e.absolute_path) in unreadable)
    ]
    found = [p for error in errors for p in _explain(doc, error)]
    unique = dict.fromkeys(found)
    return tuple(sorted(unique, key=lambda p: (p.file, p.position.line, p.position.column)))


def _explain(doc: Document, error: ValidationError) -> Iterator[Problem]:
    path: Path = tuple(error.absolute_path)
    key = dotted(path)
    value = error.instance
    schema = error.schema if isinstance(error.schema, dict) else {}

    def at(where: Path, message: str, *, at_key: bool = False) -> Problem:
        position = doc.key_position(where) if at_key else doc.position(where)
        return Problem(message, position, doc.file(where))

    if error.validator == "additionalProperties" and isinstance(value, dict):
        known = list(schema.get("properties", {}))
        for name in value:
            if name in known:
                continue
            close = difflib.get_close_matches(name, known, n=1)
            suggestion = f" (did you mean {close[0]!r}?)" if close else ""
            message = UNKNOWN_KEY.format(
                key=dotted((*path, name)), suggestion=suggestion, known=", ".join(known)
            )
            yield at((*path, name), message, at_key=True)
    elif error.validator == "type":
        yield at(path, WRONG_TYPE.format(key=key, expected=_expected(schema), value=value))
    elif error.validator == "enum":
        choices = ", ".join("null" if c is None else str(c) for c in schema.get("enum", ()))
        yield at(path, NOT_A_CHOICE.format(key=key, choices=choices, value=value))
    elif error.validator == "format":
        why = str(error.cause) if error.cause else "not valid"
        template = {"regex": BAD_REGEX, "limit": BAD_LIMIT}.get(str(schema.get("format")),
                                                                BAD_GLOB)
        yield at(path, template.format(key=key, value=value, why=why))
    elif error.validator in _BOUNDS:
        yield at(path, OUT_OF_RANGE.format(key=key, expected=_in_range(schema), value=value))
    elif error.validator == "pattern":
        pattern = str(schema.get("pattern"))
        expected = SHAPES.get(pattern, f"text matching the pattern {pattern}")
        yield at(path, WRONG_TYPE.format(key=key, expected=expected, value=value))
    elif error.validator == "minLength":
        yield at(path, EMPTY.format(key=key))
    elif error.validator == "required":
        for name in schema.get("required", ()):
            if isinstance(value, dict) and name not in value:
                yield at(path, MISSING.format(key=key, name=name))
    else:
        yield at(path, f"{key}: {error.message}")


_BOUNDS = {
    "exclusiveMinimum": "greater than",
    "minimum": "at least",
    "exclusiveMaximum": "less than",
    "maximum": "at most",
}


def _in_range(schema: dict[str, Any]) -> str:
    """The whole range, whichever bound was broken: ``a number greater than 0 and less than 1``."""
    kinds = schema.get("type")
    whole = "integer" in (kinds if isinstance(kinds, list) else [kinds])
    kind = "a whole number" if whole else "a number"
    bounds = " and ".join(
        f"{words} {_number(schema[keyword])}" for keyword, words in _BOUNDS.items()
        if keyword in schema
    )
    bounds = f"of {bounds}" if bounds.startswith("at ") else bounds
    fraction = schema.get("exclusiveMinimum") == 0 and schema.get("exclusiveMaximum") == 1
    return f"{kind} {bounds}" + (" (a fraction: 0.1 is 10 %)" if fraction else "")


def _number(value: Any) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def _expected(schema: dict[str, Any]) -> str:
    kinds = schema.get("type")
    kinds = kinds if isinstance(kinds, list) else [kinds]
    if "array" in kinds and "string" in kinds:
        words = ["a list of strings (or one string)"]
        kinds = [k for k in kinds if k not in ("array", "string")]
    elif "array" in kinds and schema.get("items", {}).get("type") == "object":
        words = ["a list of mappings"]
        kinds = [k for k in kinds if k != "array"]
    else:
        words = []
    words += [_TYPE_WORDS.get(str(k), str(k)) for k in kinds]
    return " or ".join(words)
