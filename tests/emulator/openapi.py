"""Judge each request by GitHub's published OpenAPI description (parsed once per process)."""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from openapi_core import Config, OpenAPI
from openapi_core.datatypes import RequestParameters
from openapi_core.templating.paths.exceptions import PathError
from openapi_core.templating.paths.finders import APICallPathFinder
from openapi_core.validation.request.exceptions import RequestBodyValidationError

from .spec import load_spec

Json = dict[str, Any]
# GitHub routes `contents/{path}` greedily; openapi-core matches one segment per parameter.
_GREEDY = re.compile(r"^(/repos/[^/]+/[^/]+/contents/)(.+)$")


@dataclass
class _Request:
    """openapi-core's Request protocol, fed from an aiohttp request."""

    host_url: str
    path: str
    method: str
    body: bytes | None
    content_type: str
    parameters: RequestParameters


@dataclass
class Verdict:
    """What the description says about one request."""

    operation_id: str | None = None
    params: dict[str, str] = field(default_factory=dict)
    status: int = 0  # 0 when accepted, else the status GitHub answers
    errors: list[str] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)  # fields GitHub silently drops
    body: Any = None
    request: _Request | None = None


@dataclass
class _Response:
    """openapi-core's Response protocol, for checking the emulator's own answers."""

    data: bytes
    status_code: int
    content_type: str
    headers: Mapping[str, str]


def _clip(text: str, limit: int = 300) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


def _schema_error(err: Any) -> str:
    """One jsonschema error; for oneOf/anyOf, the deepest reason inside it."""
    if err.context:
        err = max(err.context, key=lambda e: len(e.absolute_path))
    where = "/".join(str(p) for p in err.absolute_path) or "value"
    message = err.message
    if len(message) > 200:  # jsonschema leads with the (possibly huge) offending value
        message = f"fails {err.validator}: {_clip(repr(err.validator_value), 80)}"
    return f"{where}: {message}"


def describe(exc: Exception) -> str:
    """Flatten openapi-core's nested errors into one readable line."""
    cause = exc.__cause__
    details = getattr(cause, "schema_errors", None)
    if details:
        label = "body" if isinstance(exc, RequestBodyValidationError) else _clip(str(exc), 100)
        return f"{label}: " + "; ".join(_schema_error(e) for e in details)
    return _clip(f"{exc}" + (f": {cause}" if cause else ""))


class Spec:
    """The parsed description plus helpers to route, validate and walk its schemas."""

    def __init__(self, raw: Json) -> None:
        self.raw = raw
        self.host: str = raw["servers"][0]["url"]
        self.api = OpenAPI.from_dict(raw, config=Config(spec_validator_cls=None))
        self._finder = APICallPathFinder(self.api.spec)
        self.operations: dict[str, Json] = {
            op["operationId"]: op
            for item in raw["paths"].values()
            for op in item.values()
            if isinstance(op, dict) and "operationId" in op
        }

    def resolve(self, node: Json) -> Json:
        while "$ref" in node:
            target: Any = self.raw
            for part in node["$ref"].removeprefix("#/").split("/"):
                target = target[part]
            node = target
        return node

    def check(self, method: str, raw_path: str, query: Mapping[str, str],
              headers: Mapping[str, str], body: bytes, content_type: str) -> Verdict:
        verdict = Verdict()
        path = _GREEDY.sub(lambda m: m[1] + m[2].replace("/", "%2F"), raw_path)
        try:
            found = self._finder.find(method.lower(), self.host + path)
        except PathError:
            verdict.status = 404
            verdict.errors.append("no such endpoint in GitHub's REST API description")
            return verdict
        operation = found.operation.read_value()
        verdict.operation_id = operation["operationId"]
        verdict.params = {k: unquote(v) for k, v in found.path_result.variables.items()}
        if body:
            try:
                verdict.body = json.loads(body)
            except ValueError:
                verdict.status = 400
                verdict.errors.append("Problems parsing JSON")
                return verdict
        request = _Request(
            host_url=self.host, path=path, method=method.lower(), body=body or None,
            # GitHub parses bodies as JSON whatever the Content-Type says.
            content_type="application/json" if body else content_type,
            parameters=RequestParameters(query=query, header=headers, path=verdict.params),
        )
        verdict.request = request
        verdict.errors = [describe(e) for e in self.api.iter_request_errors(request)]
        if verdict.errors:
            verdict.status = 422
            return verdict
        verdict.ignored = list(self._ignored(operation, query, verdict.body))
        return verdict

    def response_errors(self, verdict: Verdict, status: int, body: bytes,
                        headers: Mapping[str, str]) -> list[str]:
        """Where an emulator answer strays from the description (an emulator bug)."""
        assert verdict.request is not None
        if verdict.operation_id == "repos/get-content" and body.startswith(b"["):
            return []  # openapi-core mis-judges arrays inside this oneOf; GitHub sends them
        response = _Response(body, status, "application/json", headers)
        out = []
        for exc in self.api.iter_response_errors(verdict.request, response):
            details = getattr(exc.__cause__, "schema_errors", None) or ()
            # Known gaps in GitHub's description, where GitHub itself sends null: enums marked
            # nullable without listing null, and issue bodies in search results.
            if details and all(e.instance is None and (
                    e.validator == "enum" or list(e.absolute_path)[-1:] == ["body"])
                    for e in details):
                continue
            out.append(describe(exc))
        return out

    def _ignored(self, operation: Json, query: Mapping[str, str], body: Any) -> Iterator[str]:
        declared = {self.resolve(p)["name"] for p in operation.get("parameters", [])
                    if self.resolve(p)["in"] == "query"}
        yield from (f"query parameter {k!r}" for k in query if k not in declared)
        content = operation.get("requestBody", {})
        schema = self.resolve(content).get("content", {}).get("application/json", {})
        if body is not None and "schema" in schema:
            yield from (f"body field {p!r}" for p in self._unknown(schema["schema"], body, ""))

    def _variants(self, schema: Json) -> list[Json]:
        schema = self.resolve(schema)
        out = [schema]
        for key in ("allOf", "oneOf", "anyOf"):
            for sub in schema.get(key, []):
                out.extend(self._variants(sub))
        return out

    def _unknown(self, schema: Json, value: Any, where: str) -> Iterator[str]:
        variants = self._variants(schema)
        if isinstance(value, dict):
            props: dict[str, Json] = {}
            for v in variants:
                props.update(v.get("properties", {}))
            if any(v.get("additionalProperties") not in (None, False) for v in variants):
                return
            if not props:
                return
            for key, item in value.items():
                if key not in props:
                    yield f"{where}{key}"
                else:
                    yield from self._unknown(props[key], item, f"{where}{key}.")
        elif isinstance(value, list):
            items = [v["items"] for v in variants if "items" in v]
            if items:
                for i, item in enumerate(value):
                    yield from self._unknown({"anyOf": items}, item, f"{where}{i}.")


@functools.cache
def spec() -> Spec:
    """Parse once per process: building openapi-core's objects is the expensive part."""
    return Spec(load_spec())
