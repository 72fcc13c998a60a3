"""GitHub Actions runs and artifacts, plus the membership checks bots use for authorization."""

from __future__ import annotations

from collections.abc import Mapping

from aiohttp import web

from . import render
from .openapi import Json
from .routing import Call, Refusal, Reply, not_found, paginate, route
from .shapes import shape
from .state import Artifact, Repo, WorkflowRun
from .world import RepoRef, World, iso

LEGACY_PERMISSION = {"admin": "admin", "maintain": "write", "write": "write", "triage": "read",
                     "read": "read", "none": "none"}


class ActionRoutes(World):
    """actions/*, repos/get-collaborator-permission-level and teams/* operations."""

    def reset(self) -> None:
        super().reset()
        self.teams: dict[tuple[str, str], dict[str, str]] = {}

    # --- test-facing

    def add_workflow_run(self, repo: RepoRef, head_sha: str, *, workflow: str = "benchmark.yml",
                         name: str = "Benchmark", head_branch: str | None = None,
                         event: str = "pull_request", status: str = "completed",
                         conclusion: str | None = "success",
                         artifacts: Mapping[str, bytes] | None = None,
                         head_repository: RepoRef | None = None) -> WorkflowRun:
        """A finished (or running) workflow run; `artifacts` maps names to zip bytes.

        `head_repository` makes it a run for a pull request from that fork."""
        r = self.repo(repo)
        number = sum(1 for w in r.workflow_runs.values() if w.path.endswith(workflow)) + 1
        run = WorkflowRun(self.next_id(), render.stable_id(workflow),
                          f".github/workflows/{workflow}", name, head_sha, head_branch, event,
                          status, conclusion, number, self.now())
        run.artifacts = [Artifact(self.next_id(), n, d, self.now())
                         for n, d in (artifacts or {}).items()]
        if head_repository is not None:
            run.head_repository = self.repo(head_repository)
        r.workflow_runs[run.id] = run
        return run

    def set_permission(self, repo: RepoRef, username: str, role: str) -> None:
        """Collaborator role: admin, maintain, write, triage, read or none."""
        self.repo(repo).permissions[username.lower()] = role

    def add_team_member(self, org: str, team_slug: str, username: str,
                        role: str = "member", state: str = "active") -> None:
        """`state="pending"`: invited, not yet accepted (GitHub still answers 200)."""
        members = self.teams.setdefault((org.lower(), team_slug.lower()), {})
        members[username.lower()] = f"{role}:{state}"

    # --- rendering

    def render_workflow_run(self, repo: Repo, run: WorkflowRun) -> Json:
        u = f"{self.api}/repos/{repo.full_name}/actions/runs/{run.id}"
        small = self.render_minimal_repo(repo)
        prs = [render.pr_ref(self.api, repo, p) for p in repo.pulls()
               if p.head_sha == run.head_sha and p.state == "open"]
        commit = repo.commits.get(run.head_sha)
        head_commit = None if commit is None else {
            "id": commit.sha, "tree_id": commit.sha, "message": commit.message,
            "timestamp": commit.date, "author": render.git_user(commit.author, commit.date),
            "committer": render.git_user(commit.author, commit.date)}
        return shape(
            "workflow-run", id=run.id, node_id=f"WFR_{run.id}", name=run.name,
            head_branch=run.head_branch, head_sha=run.head_sha, path=run.path,
            display_title=run.name, run_number=run.run_number, run_attempt=1, event=run.event,
            status=run.status, conclusion=run.conclusion, workflow_id=run.workflow_id,
            check_suite_id=self.suite_id(repo, run.head_sha, 15368), url=u,
            html_url=f"{render.WEB}/{repo.full_name}/actions/runs/{run.id}",
            created_at=run.created_at, updated_at=run.created_at, run_started_at=run.created_at,
            jobs_url=f"{u}/jobs", logs_url=f"{u}/logs", artifacts_url=f"{u}/artifacts",
            check_suite_url=f"{self.api}/repos/{repo.full_name}/check-suites/0",
            cancel_url=f"{u}/cancel", rerun_url=f"{u}/rerun",
            workflow_url=f"{self.api}/repos/{repo.full_name}/actions/workflows/{run.workflow_id}",
            pull_requests=prs, head_commit=head_commit, repository=small,
            head_repository=self.render_minimal_repo(run.head_repository or repo),
            actor=render.user(self.api, "octocat"),
            triggering_actor=render.user(self.api, "octocat"))

    def render_minimal_repo(self, repo: Repo) -> Json:
        full = render.repo(self.api, repo, self.owner_type(repo))
        return shape("minimal-repository", **full)

    def _artifact(self, repo: Repo, a: Artifact) -> Json:
        u = f"{self.api}/repos/{repo.full_name}/actions/artifacts/{a.id}"
        return shape("artifact", id=a.id, node_id=f"MDg_{a.id}", name=a.name,
                     size_in_bytes=len(a.data), url=u, archive_download_url=f"{u}/zip",
                     expired=a.expired, created_at=a.created_at, updated_at=a.created_at,
                     expires_at=iso(self.time() + 90 * 86400))

    # --- routes

    @route("actions/list-workflow-runs")
    def list_workflow_runs(self, call: Call) -> Reply:
        repo, q, wid = call.the_repo, call.query, call.params["workflow_id"]
        runs = [w for w in repo.workflow_runs.values()
                if wid in (str(w.workflow_id), w.path.rsplit("/", 1)[-1])
                and q.get("branch") in (None, w.head_branch) and q.get("event") in (None, w.event)
                and q.get("head_sha") in (None, w.head_sha)
                and q.get("status") in (None, w.status, w.conclusion)]
        runs.sort(key=lambda w: w.id, reverse=True)
        page, links = paginate(call, runs)
        return Reply(200, {"total_count": len(runs),
                           "workflow_runs": [self.render_workflow_run(repo, w) for w in page]},
                     links)

    @route("actions/list-workflow-run-artifacts")
    def list_run_artifacts(self, call: Call) -> Reply:
        repo = call.the_repo
        run = repo.workflow_runs.get(call.number("run_id"))
        if run is None:
            raise not_found()
        found = [a for a in run.artifacts if call.query.get("name") in (None, a.name)]
        if call.query.get("direction") == "asc":
            found.reverse()
        page, links = paginate(call, found)
        return Reply(200, {"total_count": len(found),
                           "artifacts": [self._artifact(repo, a) for a in page]}, links)

    def _find_artifact(self, repo: Repo, artifact_id: int) -> Artifact | None:
        return next((a for w in repo.workflow_runs.values() for a in w.artifacts
                     if a.id == artifact_id), None)

    @route("actions/download-artifact")
    def download_artifact(self, call: Call) -> Reply:
        """GitHub answers with a redirect to short-lived blob storage, not the bytes."""
        repo = call.the_repo
        artifact = self._find_artifact(repo, call.number("artifact_id"))
        if artifact is None:
            raise not_found()
        if artifact.expired:
            raise Refusal(410, "Artifact has expired", violation=False)
        if call.params["archive_format"] != "zip":
            raise not_found()
        location = f"{self.api}/_blob/{repo.full_name}/{artifact.id}.zip"
        return Reply(302, None, {"Location": location})

    async def serve_blob(self, request: web.Request) -> web.StreamResponse:
        """The signed-URL download: no API validation, no auth, like GitHub's blob storage."""
        repo = self.repos.get(f"{request.match_info['owner']}/{request.match_info['repo']}".lower())
        artifact = self._find_artifact(repo, int(request.match_info["id"])) if repo else None
        if artifact is None:
            return web.Response(status=404, text="BlobNotFound")
        return web.Response(body=artifact.data, content_type="application/zip")

    @route("repos/get-collaborator-permission-level")
    def get_permission(self, call: Call) -> Reply:
        repo, login = call.the_repo, call.params["username"]
        role = repo.permissions.get(login.lower(), "none" if repo.private else "read")
        legacy = LEGACY_PERMISSION.get(role, "read")
        # Each role includes those below it (a maintainer can push, triage and pull).
        ladder = ["pull", "triage", "push", "maintain", "admin"]
        rank = {"read": 0, "triage": 1, "write": 2, "maintain": 3, "admin": 4}.get(role, -1)
        flags = {k: rank >= i for i, k in enumerate(ladder)}
        person = render.user(self.api, login)
        person.update(permissions=flags, role_name=role)
        return Reply(200, shape("repository-collaborator-permission", permission=legacy,
                                role_name=role, user=shape("nullable-collaborator", **person)))

    @route("teams/get-membership-for-user-in-org")
    def get_team_membership(self, call: Call) -> Reply:
        org, team, login = (call.params[k] for k in ("org", "team_slug", "username"))
        found = self.teams.get((org.lower(), team.lower()), {}).get(login.lower())
        if found is None or call.installation is None or (
                call.installation.account.lower() != org.lower()):
            raise not_found()
        role, state = found.split(":")
        return Reply(200, shape(
            "team-membership", role=role, state=state,
            url=f"{self.api}/organizations/{org}/team/{team}/memberships/{login}"))
