"""Vendored GitHub contracts the emulator is checked against, so tests need no network.

``api.github.com.json`` is a trimmed copy of GitHub's REST OpenAPI description and
``webhooks/*.json`` are schema-valid webhook payloads; ``regenerate.py`` rebuilds both from pinned
npm packages and documents their provenance.

Validating an emulated request with openapi-core 0.23 needs no live server::

    from openapi_core import Config, OpenAPI
    from openapi_core.testing import MockRequest

    api = OpenAPI.from_dict(load_spec(server="http://127.0.0.1"),
                            config=Config(spec_validator_cls=None))
    # Query values are strings, cast per the schema; the body is raw bytes (JSON by default).
    api.validate_request(MockRequest("http://127.0.0.1", "GET", "/repos/o/r/pulls",
                                     args={"state": "open", "per_page": "100"}))
    api.validate_request(MockRequest("http://127.0.0.1", "POST", "/repos/o/r/check-runs",
                                     data=b'{"name": "perf", "head_sha": "abc"}'))

``host_url`` must match a ``servers`` entry exactly, port included (else ``ServerNotFound``);
``server="/"`` matches any host. Path templates match one segment per ``{param}``, so a
``repos/get-content`` path with slashes needs ``%2F``-encoded slashes, or
``path_pattern="/repos/{owner}/{repo}/contents/{path}"`` plus ``view_args`` with the values.

Failures raise ``RequestValidationError`` subclasses, e.g. ``InvalidRequestBody``,
``InvalidParameter``, ``MissingRequiredParameter``, with jsonschema errors in
``exc.__cause__.schema_errors``; ``api.iter_request_errors(request)`` yields them instead.
Responses: ``api.validate_response(request, MockResponse(body_bytes, status_code=200))``.
"""

from __future__ import annotations

import copy
import functools
import json
from pathlib import Path
from typing import Any

SPEC_PATH: Path = Path(__file__).with_name("api.github.com.json")
WEBHOOKS_DIR: Path = Path(__file__).with_name("webhooks")


@functools.cache
def load_spec(server: str | None = None) -> dict[str, Any]:
    """Parsed trimmed REST spec, cached per ``server``; treat it as read-only.

    ``server`` is put first in ``servers`` so openapi-core matches requests sent to the emulator
    (the vendored file only lists https://api.github.com).
    """
    spec: dict[str, Any] = json.loads(SPEC_PATH.read_text())
    if server is not None:
        spec["servers"] = [{"url": server}, *spec["servers"]]
    return spec


@functools.cache
def _webhook(name: str) -> dict[str, Any]:
    payload: dict[str, Any] = json.loads((WEBHOOKS_DIR / f"{name}.json").read_text())
    return payload


def load_webhook(event: str, action: str | None) -> dict[str, Any]:
    """A fresh copy of the vendored payload, so tests may mutate it freely."""
    return copy.deepcopy(_webhook(f"{event}.{action}" if action else event))
