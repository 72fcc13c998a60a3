"""GitHub's manifest flow: the "new GitHub App" web page a manifest is posted to, and the
one-time code exchanged for the App (``apps/create-from-manifest``).

GitHub asks the signed-in person to confirm (and perhaps rename) the App before it redirects
back; the emulator confirms at once, as ``web_user``, unless the test set ``name_taken``.
A manifest GitHub would refuse is answered 422 and recorded in ``violations``.
"""

from __future__ import annotations

import json
import re
import secrets
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode, urlsplit

from aiohttp import web
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from . import render
from .openapi import Json
from .routing import Call, Refusal, Reply, route
from .shapes import shape
from .state import App
from .world import World

CODE_LIFETIME = 3600  # GitHub: all three steps within one hour
MAX_NAME = 34
MANIFEST_KEYS = frozenset({
    "name", "url", "hook_attributes", "redirect_url", "callback_urls", "setup_url",
    "description", "public", "default_events", "default_permissions",
    "request_oauth_on_install", "setup_on_update",
})
ACCESS = frozenset({"read", "write", "admin"})
# The permission an App needs to subscribe to each event (any one of them).
EVENT_NEEDS: dict[str, tuple[str, ...]] = {
    "check_run": ("checks",), "check_suite": ("checks",), "pull_request": ("pull_requests",),
    "pull_request_review": ("pull_requests",), "issue_comment": ("issues", "pull_requests"),
    "issues": ("issues",), "workflow_run": ("actions",), "push": ("contents",),
    "status": ("statuses",), "member": ("members",), "membership": ("members",),
}
KNOWN_PERMISSIONS = frozenset({
    "actions", "administration", "checks", "contents", "deployments", "environments",
    "issues", "members", "metadata", "packages", "pages", "pull_requests", "statuses",
    "security_events", "workflows", "discussions", "organization_administration",
    "repository_hooks", "repository_projects", "vulnerability_alerts",
})


@dataclass
class Pending:
    """A manifest confirmed on the web page, waiting for its code to be exchanged."""

    manifest: Json
    owner: str
    owner_type: str
    created: float


@dataclass
class Registered:
    """What the manifest flow made, beyond the App itself."""

    app: App
    manifest: Json
    owner: str
    owner_type: str
    private_pem: str = field(repr=False)
    webhook_secret: str = field(repr=False)
    client_secret: str = field(repr=False)


def manifest_problems(manifest: Any) -> list[str]:
    """Why GitHub would refuse this manifest (empty when it would not)."""
    if not isinstance(manifest, dict):
        return ["the manifest is not a JSON object"]
    problems = [f"unknown manifest key {k!r}" for k in sorted(manifest.keys() - MANIFEST_KEYS)]
    if not _is_url(manifest.get("url")):
        problems.append("url (the App's homepage) is required and must be an http(s) URL")
    hook = manifest.get("hook_attributes")
    if hook is not None and (not isinstance(hook, dict) or not _is_url(hook.get("url"))):
        problems.append("hook_attributes.url is required and must be an http(s) URL")
    if isinstance(hook, dict) and not isinstance(hook.get("active", True), bool):
        problems.append("hook_attributes.active must be a boolean")
    if not _is_url(manifest.get("redirect_url")):
        problems.append("redirect_url must be an http(s) URL for the code to come back")
    name = manifest.get("name")
    if name is not None and (not isinstance(name, str) or not 0 < len(name) <= MAX_NAME):
        problems.append(f"name must be 1 to {MAX_NAME} characters")
    permissions = manifest.get("default_permissions") or {}
    if not isinstance(permissions, dict):
        return [*problems, "default_permissions must be an object"]
    for key, access in permissions.items():
        if key not in KNOWN_PERMISSIONS:
            problems.append(f"unknown permission {key!r}")
        elif access not in ACCESS:
            problems.append(f"permission {key} must be read, write or admin, not {access!r}")
    events = manifest.get("default_events") or []
    if not isinstance(events, list):
        return [*problems, "default_events must be a list"]
    for event in events:
        needs = EVENT_NEEDS.get(event)
        if needs is None:
            problems.append(f"unknown event {event!r}")
        elif not any(p in permissions for p in needs):
            problems.append(f"the {event} event needs the {' or '.join(needs)} permission")
    return problems


def _is_url(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def slug_of(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "app"


class ManifestRoutes(World):
    """The web form of the manifest flow and apps/create-from-manifest."""

    def reset(self) -> None:
        super().reset()
        self.web_user = "octocat"
        self.pending_manifests: dict[str, Pending] = {}
        self.registered: dict[int, Registered] = {}
        self.name_taken = False  # the test says the confirmed name is in use on this GitHub

    # --- the web page (not the REST API: no description, no token; a browser posts a form)

    async def new_app_form(self, request: web.Request) -> web.StreamResponse:
        org = request.match_info.get("org")
        form = await request.post()
        raw = form.get("manifest")
        where = f"POST {request.path}"
        if not isinstance(raw, str):
            self.violations.append(f"{where}: no manifest field posted (GitHub shows an empty "
                                   "form and the flow never returns a code)")
            return web.Response(status=200, text="<form>an empty new App form</form>",
                                content_type="text/html")
        try:
            manifest = json.loads(raw)
        except ValueError:
            manifest = None
        problems = (["the manifest is not JSON"] if manifest is None
                    else manifest_problems(manifest))
        if problems:
            self.violations.append(f"{where} -> 422: " + "; ".join(problems))
            return web.Response(status=422, text="Invalid GitHub App manifest: "
                                + "; ".join(problems), content_type="text/html")
        name = manifest.get("name") or "app"
        if self.name_taken or any(a.slug == slug_of(name) for a in self.apps.values()):
            return web.Response(status=422, text="Name is already in use",
                                content_type="text/html")
        code = secrets.token_hex(10)
        owner, kind = (org, "Organization") if org else (self.web_user, "User")
        self.pending_manifests[code] = Pending(manifest, owner, kind, self.time())
        query = {"code": code}
        state = request.query.get("state")
        if state is not None:
            query["state"] = state
        target = manifest["redirect_url"]
        glue = "&" if urlsplit(target).query else "?"
        raise web.HTTPFound(f"{target}{glue}{urlencode(query)}")

    # --- the API

    @route("apps/create-from-manifest")
    def create_from_manifest(self, call: Call) -> Reply:
        pending = self.pending_manifests.pop(call.params["code"], None)
        if pending is None or self.time() - pending.created > CODE_LIFETIME:
            raise Refusal(404, "Not Found", violation=False)
        manifest = pending.manifest
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        private = key.private_bytes(serialization.Encoding.PEM,
                                    serialization.PrivateFormat.TraditionalOpenSSL,
                                    serialization.NoEncryption()).decode()
        public = key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
        name = manifest.get("name") or "app"
        app_id = self.next_id()
        self.register_app(public, slug_of(name), app_id)
        app = self.apps[app_id]
        app.permissions = {"metadata": "read", **manifest.get("default_permissions", {})}
        done = Registered(app, manifest, pending.owner, pending.owner_type, private,
                          secrets.token_hex(20), secrets.token_hex(20))
        self.registered[app_id] = done
        body = shape(
            "integration", id=app_id, slug=app.slug, node_id=f"A_{app_id}", name=name,
            client_id=app.client_id, owner=render.user(self.api, done.owner, done.owner_type),
            description=manifest.get("description"), external_url=manifest["url"],
            html_url=f"{render.WEB}/apps/{app.slug}", created_at=self.now(),
            updated_at=self.now(), permissions=dict(app.permissions),
            events=list(manifest.get("default_events", [])),
        )
        body.update(client_id=app.client_id, client_secret=done.client_secret,
                    webhook_secret=done.webhook_secret, pem=private)
        return Reply(201, body)
