"""Regenerate the vendored GitHub REST spec subset and webhook payloads the emulator tests use.

Run by hand (needs npm and network unless ``--from`` is given); tests never run it::

    python tests/emulator/spec/regenerate.py [--from DIR]

Provenance of what it writes next to itself:

* ``api.github.com.json``: ``generated/api.github.com.json`` from ``@octokit/openapi`` (GitHub's
  REST description), trimmed to ``OPERATIONS`` plus every component they reach through ``$ref``.
  Example payloads are dropped; schemas are kept whole so request/response validation is exact.
* ``webhooks/<event>.<action>.json``: payloads from ``@octokit/webhooks-examples``, chosen by
  ``_pick_example``, patched by the named ``FIXUPS`` where the old examples lag behind GitHub's
  current schema, and validated against that schema from ``@octokit/openapi-webhooks``.

``--from DIR`` expects each package unpacked as ``DIR/<npm pack tarball stem>/package``, i.e. what
this script produces itself from ``npm pack`` (e.g. ``DIR/octokit-openapi-23.0.2/package``).
Output is deterministic (sorted keys, fixed indent), so re-running with the same pins is a no-op.
"""

from __future__ import annotations

import argparse
import copy
import datetime as dt
import json
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from referencing import Registry
from referencing.jsonschema import DRAFT202012

OPENAPI = ("@octokit/openapi", "23.0.2")
WEBHOOKS_EXAMPLES = ("@octokit/webhooks-examples", "7.6.1")
OPENAPI_WEBHOOKS = ("@octokit/openapi-webhooks", "12.1.0")

HERE = Path(__file__).resolve().parent

# REST operations the emulator serves, by operationId.
OPERATIONS: tuple[str, ...] = (
    "checks/create",
    "checks/update",
    "checks/get",
    "checks/list-for-ref",
    "checks/list-annotations",
    "repos/get-content",
    "repos/get",
    "repos/get-commit",
    "repos/compare-commits",
    "repos/list-pull-requests-associated-with-commit",
    "repos/get-collaborator-permission-level",
    "pulls/get",
    "pulls/list",
    "pulls/list-files",
    "pulls/list-commits",
    "apps/create-installation-access-token",
    "apps/get-authenticated",
    "apps/list-webhook-deliveries",
    "apps/redeliver-webhook-delivery",
    "apps/create-from-manifest",
    "issues/create-comment",
    "issues/update-comment",
    "issues/list-comments",
    "issues/get-comment",
    "issues/delete-comment",
    "issues/create",
    "issues/update",
    "issues/get",
    "issues/list-for-repo",
    "issues/add-labels",
    "issues/remove-label",
    "issues/create-label",
    "reactions/create-for-issue-comment",
    "search/issues-and-pull-requests",
    "teams/get-membership-for-user-in-org",
    "actions/list-workflow-runs",
    "actions/list-workflow-run-artifacts",
    "actions/download-artifact",
    "git/get-tree",
    "git/get-blob",
)

# Webhook deliveries to vendor, as file stems: "<event>.<action>" or a bare "<event>".
WEBHOOKS: tuple[str, ...] = (
    "pull_request.opened",
    "pull_request.synchronize",
    "pull_request.reopened",
    "pull_request.edited",
    "pull_request.labeled",
    "pull_request.unlabeled",
    "pull_request.ready_for_review",
    "pull_request.converted_to_draft",
    "pull_request.closed",
    "check_run.rerequested",
    "check_run.requested_action",
    "check_suite.requested",
    "check_suite.rerequested",
    "installation.created",
    "installation.deleted",
    "issue_comment.created",
    "issue_comment.edited",
    "issue_comment.deleted",
    "workflow_run.completed",
    "ping",
)

Json = dict[str, Any]
Fixup = Callable[[Json], None]


# --- webhook fix-ups: each one must change something, so stale ones fail loudly on a version bump.


def _add(obj: Json, key: str, value: Any) -> None:
    if key in obj:
        raise ValueError(f"fix-up is stale: {key!r} already present")
    obj[key] = value


def _epoch_to_iso(obj: Json, key: str) -> None:
    if not isinstance(obj[key], int):
        raise ValueError(f"fix-up is stale: {key!r} is not an epoch integer")
    obj[key] = dt.datetime.fromtimestamp(obj[key], dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def pr_repos_has_discussions(p: Json) -> None:
    """Examples predate repository.has_discussions, now required on PR base/head repos."""
    for side in ("base", "head"):
        _add(p["pull_request"][side]["repo"], "has_discussions", False)


def installation_app_slug(p: Json) -> None:
    """Old installation examples lack app_slug, which the schema requires."""
    _add(p["installation"], "app_slug", "octoapp")


def installation_iso_timestamps(p: Json) -> None:
    """Old installation examples use epoch seconds; GitHub sends ISO 8601 strings."""
    _epoch_to_iso(p["installation"], "created_at")
    _epoch_to_iso(p["installation"], "updated_at")


def installation_not_suspended(p: Json) -> None:
    """Schema requires suspended_by/suspended_at (null when active); this example omits them."""
    _add(p["installation"], "suspended_by", None)
    _add(p["installation"], "suspended_at", None)


def check_run_node_id_details_url(p: Json) -> None:
    """check_run.node_id and details_url are required but absent from the rerequested example."""
    _add(p["check_run"], "node_id", "CR_kwDOexample")
    _add(p["check_run"], "details_url", "https://example.com/checks/1")


def check_run_app_permissions_events(p: Json) -> None:
    """The embedded GitHub App objects lack the required permissions/events fields."""
    for app in (p["check_run"]["app"], p["check_run"]["check_suite"]["app"]):
        _add(app, "permissions", {"checks": "write", "metadata": "read"})
        _add(app, "events", [])


def repository_disabled(p: Json) -> None:
    """repository.disabled is required by the schema but missing from this example."""
    _add(p["repository"], "disabled", False)


FIXUPS: dict[str, tuple[Fixup, ...]] = {
    "pull_request.synchronize": (pr_repos_has_discussions,),
    "pull_request.labeled": (pr_repos_has_discussions,),
    "pull_request.unlabeled": (pr_repos_has_discussions,),
    "check_run.rerequested": (
        check_run_node_id_details_url,
        check_run_app_permissions_events,
        repository_disabled,
    ),
    "installation.created": (installation_app_slug, installation_iso_timestamps),
    "installation.deleted": (
        installation_app_slug,
        installation_iso_timestamps,
        installation_not_suspended,
    ),
}

# Explicit example choices overriding _pick_example's default, by index into the event's list.
PINNED: dict[str, tuple[int, str]] = {
    "workflow_run.completed": (2, "the only completed run linked to a pull request"),
}


def derive_pull_request_edited(opened: Json) -> Json:
    """No edited example exists; an edit is an opened payload plus what changed."""
    payload = copy.deepcopy(opened)
    payload["action"] = "edited"
    payload["changes"] = {
        "title": {"from": "Old title"},
        "body": {"from": "Old description"},
    }
    return payload


# Deliveries with no example of their own: target -> (source target, derivation).
DERIVED: dict[str, tuple[str, Callable[[Json], Json]]] = {
    "pull_request.edited": ("pull_request.opened", derive_pull_request_edited),
}


# --- obtaining packages


def _stem(name: str, version: str) -> str:
    """Mirror npm pack's tarball naming: @scope/name@v -> scope-name-v."""
    return f"{name.lstrip('@').replace('/', '-')}-{version}"


def fetch_packages(dest: Path) -> None:
    """npm pack the pinned packages into dest and unpack each to dest/<stem>/package."""
    specs = [f"{n}@{v}" for n, v in (OPENAPI, WEBHOOKS_EXAMPLES, OPENAPI_WEBHOOKS)]
    subprocess.run(["npm", "pack", "--pack-destination", str(dest), *specs], check=True)
    for name, version in (OPENAPI, WEBHOOKS_EXAMPLES, OPENAPI_WEBHOOKS):
        stem = _stem(name, version)
        with tarfile.open(dest / f"{stem}.tgz") as tar:
            tar.extractall(dest / stem, filter="data")


def package_dir(root: Path, name: str, version: str) -> Path:
    """Locate an unpacked package and insist it is the pinned version."""
    pkg = root / _stem(name, version) / "package"
    found = json.loads((pkg / "package.json").read_text())
    if (found["name"], found["version"]) != (name, version):
        got = f"{found['name']}@{found['version']}"
        raise SystemExit(f"{pkg}: expected {name}@{version}, found {got}")
    return pkg


# --- REST spec trimming


def _pointer_get(doc: Json, ref: str) -> Any:
    node: Any = doc
    for part in ref.removeprefix("#/").split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def _refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str):
            yield ref
        for value in node.values():
            yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def _drop_examples(node: Any) -> None:
    """Remove `examples` maps from parameters, headers and media types.

    Schema objects are skipped: there `examples` could be a property name, and in OAS 3.0 they
    only appear under a `schema` key (or in components/schemas, which is not walked here).
    """
    if isinstance(node, dict):
        node.pop("examples", None)
        for key, value in node.items():
            if key != "schema":
                _drop_examples(value)
    elif isinstance(node, list):
        for value in node:
            _drop_examples(value)


# Path-item fields that apply to every operation under the path, so they travel with it.
PATH_ITEM_FIELDS = ("parameters", "servers", "summary", "description")


def trim_spec(full: Json, version: str) -> Json:
    """Keep OPERATIONS and the transitive closure of components they reference."""
    wanted = set(OPERATIONS)
    paths: Json = {}
    found: set[str] = set()
    for path, item in full["paths"].items():
        ops = {
            method: op
            for method, op in item.items()
            if isinstance(op, dict) and op.get("operationId") in wanted
        }
        if ops:
            shared = {k: v for k, v in item.items() if k in PATH_ITEM_FIELDS}
            paths[path] = copy.deepcopy({**shared, **ops})
            found.update(op["operationId"] for op in ops.values())
    if missing := wanted - found:
        raise SystemExit(f"operations not in spec: {sorted(missing)}")

    _drop_examples(paths)
    components: dict[str, Json] = {}
    todo = list(_refs(paths))
    seen: set[str] = set()
    while todo:
        ref = todo.pop()
        if ref in seen:
            continue
        seen.add(ref)
        if not ref.startswith("#/components/"):
            raise SystemExit(f"unexpected $ref {ref}")
        _, _, kind, name = ref.split("/", 3)
        target = copy.deepcopy(_pointer_get(full, ref))
        if kind != "schemas":
            _drop_examples(target)
        components.setdefault(kind, {})[name.replace("~1", "/").replace("~0", "~")] = target
        todo.extend(_refs(target))

    info = dict(full["info"])
    info["description"] = (
        f"TRIMMED by tests/emulator/spec/regenerate.py from {OPENAPI[0]}@{version} "
        f"generated/api.github.com.json to {len(OPERATIONS)} operations and the components "
        f"they reference; example payloads removed. {info.get('description', '')}"
    )
    return {
        "openapi": full["openapi"],
        "info": info,
        "servers": full["servers"],
        "paths": paths,
        "components": components,
    }


# --- webhooks


def _split(target: str) -> tuple[str, str | None]:
    event, _, action = target.partition(".")
    return event, action or None


def _schema_key(event: str, action: str | None) -> str:
    """openapi-webhooks keys webhooks as kebab-case "<event>-<action>"."""
    return f"{event}-{action}".replace("_", "-") if action else event.replace("_", "-")


class WebhookSchemas:
    """Validators for the per event/action request-body schemas in openapi-webhooks.

    That file is OpenAPI 3.1: `webhooks[<key>].post.requestBody` refs
    `#/components/schemas/webhook-<key>`, whose schemas are JSON Schema 2020-12.
    """

    _URI = "urn:octokit:openapi-webhooks"

    def __init__(self, doc: Json) -> None:
        self._doc = doc
        self._registry: Registry[Any] = Registry().with_resource(
            self._URI, DRAFT202012.create_resource(doc)
        )

    def validator(self, event: str, action: str | None) -> Draft202012Validator:
        body = self._doc["webhooks"][_schema_key(event, action)]["post"]["requestBody"]
        ref = body["content"]["application/json"]["schema"]["$ref"]
        return Draft202012Validator({"$ref": self._URI + ref}, registry=self._registry)


def _errors(validator: Draft202012Validator, payload: Json) -> list[str]:
    return sorted(
        f"/{'/'.join(map(str, e.absolute_path))}: {e.message[:200]}"
        for e in validator.iter_errors(payload)
    )


def _pick_example(target: str, examples: list[Json], validator: Draft202012Validator) -> Json:
    """Choose the first suitable example for target, applying its fix-ups.

    Suitable means: right action; those carrying `installation` (as every App delivery does)
    come first; the first one that is already valid wins, otherwise the first one is fixed up.
    """
    _, action = _split(target)
    candidates = [e for e in examples if e.get("action") == action]
    if target in PINNED:
        index, _why = PINNED[target]
        candidates = [e for e in examples[index : index + 1] if e.get("action") == action]
    candidates.sort(key=lambda e: "installation" not in e)  # stable
    if not candidates:
        raise SystemExit(f"{target}: no example with action {action!r}")
    fixups = FIXUPS.get(target, ())
    valid = [e for e in candidates if not _errors(validator, e)]
    if valid and fixups:
        raise SystemExit(f"{target}: an example is valid as-is; drop its stale FIXUPS")
    payload = copy.deepcopy(valid[0] if valid else candidates[0])
    for fixup in fixups:
        fixup(payload)
    return payload


def build_webhooks(examples_doc: list[Json], schemas: WebhookSchemas) -> dict[str, Json]:
    by_event = {entry["name"]: entry["examples"] for entry in examples_doc}
    out: dict[str, Json] = {}
    for target in (t for t in WEBHOOKS if t not in DERIVED):
        event, action = _split(target)
        out[target] = _pick_example(target, by_event[event], schemas.validator(event, action))
    for target, (source, derive) in DERIVED.items():
        out[target] = derive(out[source])

    failures = []
    for target, payload in out.items():
        errors = _errors(schemas.validator(*_split(target)), payload)
        failures += [f"{target} {err}" for err in errors]
    if failures:
        raise SystemExit("webhook payloads fail their schema:\n  " + "\n  ".join(failures))
    return out


# --- output


def _dump(obj: Any) -> str:
    return json.dumps(obj, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def write_outputs(root: Path, out_dir: Path) -> None:
    openapi_pkg = package_dir(root, *OPENAPI)
    examples_pkg = package_dir(root, *WEBHOOKS_EXAMPLES)
    webhooks_pkg = package_dir(root, *OPENAPI_WEBHOOKS)

    full = json.loads((openapi_pkg / "generated/api.github.com.json").read_text())
    (out_dir / "api.github.com.json").write_text(_dump(trim_spec(full, OPENAPI[1])))

    hooks_doc = json.loads((webhooks_pkg / "generated/api.github.com.json").read_text())
    schemas = WebhookSchemas(hooks_doc)
    examples = json.loads((examples_pkg / "api.github.com/index.json").read_text())
    payloads = build_webhooks(examples, schemas)

    hooks_dir = out_dir / "webhooks"
    hooks_dir.mkdir(exist_ok=True)
    for stale in set(hooks_dir.glob("*.json")) - {hooks_dir / f"{t}.json" for t in payloads}:
        stale.unlink()
    for target, payload in sorted(payloads.items()):
        (hooks_dir / f"{target}.json").write_text(_dump(payload))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--from",
        dest="source",
        type=Path,
        help="directory with the packages already unpacked (skips npm)",
    )
    args = parser.parse_args(argv)
    if args.source:
        write_outputs(args.source, HERE)
        return
    with tempfile.TemporaryDirectory() as tmp:
        fetch_packages(Path(tmp))
        write_outputs(Path(tmp), HERE)


if __name__ == "__main__":
    main(sys.argv[1:])
