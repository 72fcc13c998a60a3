"""Webhook deliveries: GitHub's vendored example payloads with this world's facts overlaid."""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid

from multidict import CIMultiDict

from . import render
from .actions import ActionRoutes
from .checks import CheckRoutes
from .hooks import HookRoutes
from .issues import IssueRoutes
from .openapi import Json
from .repos import RepoRoutes
from .shapes import merge
from .spec import load_webhook
from .state import CheckRun, Comment, Issue, PullRequest, Repo, WorkflowRun
from .world import RepoRef


class Webhooks(ActionRoutes, RepoRoutes, CheckRoutes, IssueRoutes, HookRoutes):
    """Builds and signs deliveries; `deliver` sends them to the App's webhook."""

    def webhook_payload(self, event: str, action: str | None = None, *,
                        repo: RepoRef | None = None, pr: PullRequest | None = None,
                        check_run: CheckRun | None = None, issue: Issue | None = None,
                        comment: Comment | None = None, head_sha: str | None = None,
                        installation_id: int | None = None, sender: str = "octocat",
                        label: str | None = None, changes: Json | None = None,
                        before: str | None = None, requested_action: str | None = None,
                        app_id: int | None = None, workflow_run: WorkflowRun | None = None,
                        ) -> Json:
        """A payload shaped like GitHub's for `event`/`action`, consistent with current state."""
        payload: Json = load_webhook(event, action)
        r = self.repo(repo) if repo is not None else (
            pr.repo if pr else issue.repo if issue else self._owner_of(
                check_run, comment, workflow_run))
        inst_id = installation_id or (r.installation_id if r else None) or next(
            iter(self.installations), None)
        inst = self.installations.get(inst_id) if inst_id is not None else None
        app = self.apps.get(app_id or (inst.app_id if inst else 0)) or next(
            iter(self.apps.values()), None)
        payload["sender"] = merge(payload.get("sender"), render.user(self.api, sender))
        if inst_id is not None and event != "ping":  # App deliveries always name it
            payload["installation"] = merge(payload.get("installation") or {},
                                            {"id": inst_id, "node_id": f"IN_{inst_id}"})
        if r is not None:
            payload["repository"] = merge(payload.get("repository"), self.render_repo(r))
            if "organization" in payload:
                org = render.user(self.api, r.owner, "Organization")
                payload["organization"] = merge(payload["organization"], {
                    k: org[k] for k in ("login", "id", "node_id", "url", "avatar_url")})
        if event == "ping" and app is not None and isinstance(payload.get("hook"), dict):
            payload["hook"] = merge(payload["hook"], {"app_id": app.id, "type": "App"})
        if event == "pull_request" and pr is not None:
            self._pull_request(payload, pr, label, changes, before)
        elif event in ("check_run", "check_suite") and r is not None and app is not None:
            self._checks(payload, r, app.id, check_run, pr, head_sha, requested_action)
        elif event == "workflow_run" and r is not None and workflow_run is not None:
            data = self.render_workflow_run(r, workflow_run)
            payload["workflow_run"] = merge(payload["workflow_run"], data)
            payload["workflow"] = merge(payload["workflow"], {
                "id": workflow_run.workflow_id, "name": workflow_run.name,
                "path": workflow_run.path})
        elif event == "installation" and inst_id is not None:
            self._installation(payload, inst_id)
        elif event == "issue_comment" and r is not None:
            target = issue or pr or (r.issues[comment.issue_number] if comment else None)
            if target is not None:
                payload["issue"] = merge(payload["issue"], self.render_issue(r, target))
            if comment is not None:
                payload["comment"] = merge(payload["comment"], self._render_comment(r, comment))
            if changes is not None:
                payload["changes"] = changes
        return payload

    def _owner_of(self, run: CheckRun | None, comment: Comment | None,
                  wf: WorkflowRun | None) -> Repo | None:
        """The repository holding whichever object the test passed."""
        for r in self.repos.values():
            if ((run and r.check_runs.get(run.id) is run)
                    or (comment and r.comments.get(comment.id) is comment)
                    or (wf and r.workflow_runs.get(wf.id) is wf)):
                return r
        return None

    def _pull_request(self, payload: Json, pr: PullRequest, label: str | None,
                      changes: Json | None, before: str | None) -> None:
        payload["number"] = pr.number
        payload["pull_request"] = merge(payload["pull_request"],
                                        self.render_pull(pr.repo, pr, full=True))
        if "after" in payload:
            parents = pr.repo.commits[pr.head_sha].parents
            payload["after"] = pr.head_sha
            payload["before"] = before or (parents[0] if parents else pr.head_sha)
        if "label" in payload:
            name = label or (pr.labels[-1] if pr.labels else "label")
            payload["label"] = render.label(self.api, pr.repo, pr.repo.label(name))
        if changes is not None:
            payload["changes"] = changes

    def _checks(self, payload: Json, repo: Repo, app_id: int, run: CheckRun | None,
                pr: PullRequest | None, head_sha: str | None, action: str | None) -> None:
        sha = run.head_sha if run else head_sha or (pr.head_sha if pr else
                                                    repo.branches[repo.default_branch])
        app = render.app_json(self.api, self.apps[app_id], repo.owner)
        branch = pr.head if pr else next((b for b, s in repo.branches.items() if s == sha), None)
        prs = [render.pr_ref(self.api, repo, p) for p in repo.pulls()
               if p.state == "open" and p.head_sha == sha]
        commit = repo.commits[sha]
        suite = {"id": self.suite_id(repo, sha, app_id), "head_sha": sha, "head_branch": branch,
                 "app": app, "pull_requests": prs, "after": sha,
                 "before": commit.parents[0] if commit.parents else "0" * 40,
                 "url": f"{self.api}/repos/{repo.full_name}/check-suites/"
                        f"{self.suite_id(repo, sha, app_id)}"}
        if "check_suite" in payload:
            payload["check_suite"] = merge(payload["check_suite"], suite)
        if "check_run" in payload and run is not None:
            data = render.check_run(self.api, repo, run, app)
            data["check_suite"] = merge(payload["check_run"]["check_suite"], suite)
            payload["check_run"] = merge(payload["check_run"], data)
        if "requested_action" in payload and action is not None:
            payload["requested_action"] = {"identifier": action}

    def _installation(self, payload: Json, inst_id: int) -> None:
        inst = self.installations[inst_id]
        app = self.apps[inst.app_id]
        payload["installation"] = merge(payload["installation"], {
            "id": inst.id, "app_id": app.id, "app_slug": app.slug,
            "account": render.user(self.api, inst.account, inst.account_type),
            "target_type": inst.account_type, "repository_selection": "selected",
            "permissions": dict(app.permissions),
            "access_tokens_url": f"{self.api}/app/installations/{inst.id}/access_tokens"})
        payload["repositories"] = [
            {"id": r.id, "node_id": f"R_{r.id}", "name": r.name, "full_name": r.full_name,
             "private": r.private}
            for r in self.repos.values() if r.installation_id == inst.id]

    def sign(self, event: str, payload: Json, secret: str | bytes,
             delivery_id: str | None = None) -> tuple[CIMultiDict[str], bytes]:
        """Headers and body exactly as GitHub sends a delivery signed with `secret`.

        Headers are case-insensitive, as a server sees them (gidgethub's Event.from_http
        looks them up in lower case).
        """
        body = json.dumps(payload, separators=(",", ":")).encode()
        key = secret.encode() if isinstance(secret, str) else secret
        target = payload.get("installation", {}).get("id")
        app_id = (self.installations[target].app_id if target in self.installations
                  else next(iter(self.apps), 0))
        return CIMultiDict({
            "Content-Type": "application/json",
            "User-Agent": "GitHub-Hookshot/4c8f8e2",
            "X-GitHub-Event": event,
            "X-GitHub-Delivery": delivery_id or str(uuid.uuid4()),
            "X-GitHub-Hook-ID": "100000001",
            "X-GitHub-Hook-Installation-Target-Type": "integration",
            "X-GitHub-Hook-Installation-Target-ID": str(app_id),
            "X-Hub-Signature": "sha1=" + hmac.new(key, body, hashlib.sha1).hexdigest(),
            "X-Hub-Signature-256": "sha256=" + hmac.new(key, body, hashlib.sha256).hexdigest(),
        }), body

