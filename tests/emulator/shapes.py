"""Response bodies: builders give the meaningful fields, the description supplies the rest.

`shape(name, **fields)` walks component schema `name` alongside `fields` and fills every
required property the builder left out with a neutral value (null where nullable). Builders
stay tiny, and no response lacks a field GitHub documents as always present.
"""

from __future__ import annotations

from typing import Any

from .openapi import Json, spec

EPOCH = "2011-01-26T19:01:12Z"


def _parts(schema: Json) -> list[Json]:
    """allOf flattened into the list of schemas an object must satisfy at once."""
    schema = spec().resolve(schema)
    out = [schema]
    for part in schema.get("allOf", []):
        out.extend(_parts(part))
    return out


def _object(schema: Json, value: Json) -> tuple[Json, list[str]] | None:
    """Properties and required names for an object `value`, choosing the best oneOf/anyOf."""
    props: Json = {}
    required: list[str] = []
    for part in _parts(schema):
        variants = [spec().resolve(v) for v in part.get("oneOf") or part.get("anyOf") or []]
        objects = [v for v in variants if "properties" in v]
        if objects:
            part = max(objects, key=lambda v: len(value.keys() & v["properties"].keys()))
        props.update(part.get("properties", {}))
        required.extend(part.get("required", []))
    return (props, required) if props else None


def skeleton(schema: Json, depth: int = 0) -> Any:
    """The neutral value of a required field nobody set."""
    schema = spec().resolve(schema)
    if schema.get("nullable") or depth > 10:
        return None
    if "enum" in schema:
        return next(v for v in schema["enum"] if v is not None)
    for key in ("oneOf", "anyOf"):
        if key in schema:
            return skeleton(schema[key][0], depth + 1)
    kind = schema.get("type", "object")
    if kind == "object":
        view = _object(schema, {})
        if view is None:
            return {}
        props, required = view
        return {k: skeleton(props[k], depth + 1) for k in required if k in props}
    if kind == "string":
        return {"date-time": EPOCH, "uri": "https://github.com"}.get(schema.get("format", ""), "")
    return {"array": [], "integer": 0, "number": 0, "boolean": False}.get(kind)


def complete(schema: Json, value: Any) -> Any:
    """`value` with every missing required property (recursively) filled in."""
    if isinstance(value, dict):
        view = _object(schema, value)
        if view is None:
            return value
        props, required = view
        out = {k: skeleton(props[k]) for k in required if k in props and k not in value}
        out.update({k: complete(props[k], v) if k in props else v for k, v in value.items()})
        return out
    if isinstance(value, list):
        items = [p["items"] for p in _parts(schema) if "items" in p]
        return [complete(items[0], v) for v in value] if items else value
    return value


def shape(name: str, /, **fields: Any) -> Json:
    """A complete instance of component schema `name` built around `fields`."""
    out: Json = complete({"$ref": f"#/components/schemas/{name}"}, fields)
    return out


def merge(base: Any, patch: Any) -> Any:
    """Recursively overlay `patch` onto `base` (dicts merge; anything else replaces)."""
    if isinstance(base, dict) and isinstance(patch, dict):
        out = dict(base)
        for key, value in patch.items():
            out[key] = merge(base.get(key), value)
        return out
    return patch
