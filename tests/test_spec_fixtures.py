"""The vendored GitHub spec and webhook payloads load and behave as the emulator expects.

These guard the fixtures themselves (a bad regeneration, a trimmed-away operation) so that
emulator tests failing later point at the emulator, not at its contract.
"""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from emulator.spec import SPEC_PATH, WEBHOOKS_DIR, load_spec, load_webhook
from emulator.spec.regenerate import OPERATIONS, WEBHOOKS
from openapi_core import Config, OpenAPI
from openapi_core.testing import MockRequest
from openapi_core.validation.request.exceptions import (
    InvalidParameter,
    InvalidRequestBody,
    MissingRequiredParameter,
)
from openapi_core.validation.schemas.exceptions import InvalidSchemaValue

HOST = "http://127.0.0.1"


@pytest.fixture(scope="module")
def api() -> OpenAPI:
    started = time.perf_counter()
    api = OpenAPI.from_dict(load_spec(server=HOST), config=Config(spec_validator_cls=None))
    # Building is lazy (refs resolve on first use); keep it cheap enough to do per test module.
    assert time.perf_counter() - started < 1.0
    return api


def _send(method: str, path: str, body: Any) -> MockRequest:
    return MockRequest(HOST, method, path, data=json.dumps(body).encode())


def _annotation(line: int) -> dict[str, Any]:
    return {
        "path": "bench.py",
        "start_line": line,
        "end_line": line,
        "annotation_level": "warning",
        "message": "slower than baseline",
    }


def test_spec_is_trimmed_and_untouched_by_loader() -> None:
    assert SPEC_PATH.stat().st_size < 1_000_000
    assert load_spec()["servers"] == [{"url": "https://api.github.com"}]
    assert load_spec(server=HOST)["servers"][0] == {"url": HOST}


def test_every_listed_operation_is_present() -> None:
    paths = load_spec()["paths"]
    methods = ("get", "put", "post", "delete", "patch")
    found = {item[m]["operationId"] for item in paths.values() for m in methods if m in item}
    assert found == set(OPERATIONS)


def test_valid_check_run_create_passes(api: OpenAPI) -> None:
    body = {
        "name": "perfbot",
        "head_sha": "a" * 40,
        "output": {"title": "t", "summary": "s", "annotations": [_annotation(1)]},
    }
    api.validate_request(_send("POST", "/repos/o/r/check-runs", body))


def test_check_run_create_without_head_sha_is_rejected(api: OpenAPI) -> None:
    with pytest.raises(InvalidRequestBody) as exc:
        api.validate_request(_send("POST", "/repos/o/r/check-runs", {"name": "perfbot"}))
    cause = exc.value.__cause__
    assert isinstance(cause, InvalidSchemaValue)
    messages = [getattr(e, "message", "") for e in cause.schema_errors]
    assert "'head_sha' is a required property" in messages


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/repos/o/r/check-runs", {"name": "perfbot", "head_sha": "a" * 40}),
        ("PATCH", "/repos/o/r/check-runs/1", {}),
    ],
)
def test_annotations_are_capped_at_50(api: OpenAPI, method: str, path: str, body: Any) -> None:
    def output(n: int) -> dict[str, Any]:
        return {"title": "t", "summary": "s", "annotations": [_annotation(1)] * n}

    api.validate_request(_send(method, path, {**body, "output": output(50)}))
    with pytest.raises(InvalidRequestBody):
        api.validate_request(_send(method, path, {**body, "output": output(51)}))


def test_query_parameters_are_validated(api: OpenAPI) -> None:
    query = {"q": "is:pr repo:o/r", "per_page": "100"}
    api.validate_request(MockRequest(HOST, "GET", "/search/issues", args=query))
    with pytest.raises(MissingRequiredParameter):
        api.validate_request(MockRequest(HOST, "GET", "/search/issues"))


@pytest.mark.parametrize("name", WEBHOOKS)
def test_webhook_payload_loads_with_expected_action(name: str) -> None:
    event, _, action = name.partition(".")
    payload = load_webhook(event, action or None)
    assert payload.get("action") == (action or None)
    payload["mutated"] = True
    assert "mutated" not in load_webhook(event, action or None)


def test_no_unlisted_webhook_files() -> None:
    assert {p.stem for p in WEBHOOKS_DIR.glob("*.json")} == set(WEBHOOKS)


def test_app_webhook_deliveries_and_manifest_conversion_are_described(api: OpenAPI) -> None:
    # Missed deliveries are found and redelivered with these; `perfbot register` needs the last.
    api.validate_request(MockRequest(HOST, "GET", "/app/hook/deliveries",
                                     args={"per_page": "100", "status": "failure"}))
    with pytest.raises(InvalidParameter):  # GitHub only filters by success or failure
        api.validate_request(MockRequest(HOST, "GET", "/app/hook/deliveries",
                                         args={"status": "pending"}))
    api.validate_request(MockRequest(HOST, "POST", "/app/hook/deliveries/12345/attempts"))
    api.validate_request(MockRequest(HOST, "POST", "/app-manifests/a1b2c3/conversions"))
