"""Check runs: GitHub's documented rules beyond the schema, and the routes that keep them."""

from __future__ import annotations

from typing import Any

from . import render
from .openapi import Json
from .routing import Call, Refusal, Reply, invalid, not_found, paginate, route
from .state import CheckOutput, CheckRun
from .world import World

MAX_ANNOTATIONS = 50
MAX_OUTPUT_TEXT = 65_535
MAX_ACTIONS = 3
MAX_ANNOTATION_TITLE = 255
MAX_ANNOTATION_BYTES = 64 * 1024


def check_rules(body: Json) -> None:
    """Refuse what GitHub refuses even when the schema allows it (or a trimmed one might)."""
    conclusion = body.get("conclusion")
    if conclusion is None and (body.get("status") == "completed" or "completed_at" in body):
        raise invalid("Invalid request.\n\n\"conclusion\" is required when \"status\" is "
                      "\"completed\" or \"completed_at\" is given.",
                      resource="CheckRun", field="conclusion", code="missing_field")
    if conclusion == "stale":
        raise invalid("Only GitHub can set a check run conclusion to \"stale\".",
                      resource="CheckRun", field="conclusion", code="invalid")
    output = body.get("output") or {}
    for key in ("summary", "text"):
        if len(output.get(key) or "") > MAX_OUTPUT_TEXT:
            raise invalid(f"output.{key} is too long (maximum is {MAX_OUTPUT_TEXT} characters)",
                          resource="CheckRun", field=f"output.{key}", code="invalid")
    annotations = output.get("annotations") or []
    if len(annotations) > MAX_ANNOTATIONS:
        raise invalid(f"Only {MAX_ANNOTATIONS} annotations are allowed per request",
                      resource="CheckRun", field="output.annotations", code="invalid")
    for a in annotations:
        columns = "start_column" in a or "end_column" in a
        if columns and a["start_line"] != a["end_line"]:
            raise invalid("Annotations only support start_column and end_column on the same "
                          "line; omit them when start_line and end_line differ.",
                          resource="CheckRun", field="output.annotations", code="invalid")
        if a["end_line"] < a["start_line"] or a["start_line"] < 1:
            raise invalid("Annotation lines start at 1 and end_line must not precede start_line",
                          resource="CheckRun", field="output.annotations", code="invalid")
        if len(a.get("title") or "") > MAX_ANNOTATION_TITLE or any(
                len((a.get(k) or "").encode()) > MAX_ANNOTATION_BYTES
                for k in ("message", "raw_details")):
            raise invalid("Annotation title is limited to 255 characters, message and "
                          "raw_details to 64 KB", resource="CheckRun",
                          field="output.annotations", code="invalid")
    if len(body.get("actions") or []) > MAX_ACTIONS:
        raise invalid("A maximum of three actions are accepted", resource="CheckRun",
                      field="actions", code="invalid")


def _annotation(repo: str, head_sha: str, a: Json) -> Json:
    keys = ("path", "start_line", "end_line", "start_column", "end_column",
            "annotation_level", "title", "message", "raw_details")
    out: dict[str, Any] = {k: a.get(k) for k in keys}
    out["blob_href"] = f"https://github.com/{repo}/blob/{head_sha}/{a['path']}"
    return out


class CheckRoutes(World):
    """checks/* operations, stateful."""

    def _render_run(self, call: Call, run: CheckRun) -> Json:
        app = self.apps[run.app_id]
        owner = self.installations[call.installation.id].account if call.installation else app.slug
        return render.check_run(self.api, call.the_repo, run,
                                render.app_json(self.api, app, owner))

    def _apply(self, run: CheckRun, body: Json, repo: str) -> None:
        for key in ("name", "details_url", "external_id", "started_at", "completed_at", "status"):
            if key in body:
                setattr(run, key, body[key])
        if body.get("conclusion") is not None:
            run.conclusion, run.status = body["conclusion"], "completed"
            run.completed_at = body.get("completed_at") or run.completed_at or self.now()
        if "output" in body:
            out = body["output"]
            run.output = CheckOutput(out.get("title", run.output.title),
                                     out.get("summary", run.output.summary),
                                     out.get("text", run.output.text))
            run.annotations.extend(_annotation(repo, run.head_sha, a)
                                   for a in out.get("annotations") or [])
        if "actions" in body:
            run.actions = list(body["actions"])

    def _run(self, call: Call) -> CheckRun:
        run = call.the_repo.check_runs.get(call.number("check_run_id"))
        if run is None:
            raise not_found()
        return run

    @route("checks/create")
    def create_check_run(self, call: Call) -> Reply:
        assert call.app is not None
        body, repo = call.body, call.the_repo
        check_rules(body)
        if body["head_sha"] not in repo.commits:
            raise invalid(f"No commit found for SHA: {body['head_sha']}",
                          resource="CheckRun", field="head_sha", code="invalid")
        run = CheckRun(self.next_id(), body["name"], body["head_sha"], call.app.id,
                       started_at=self.now(),
                       check_suite_id=self.suite_id(repo, body["head_sha"], call.app.id))
        self._apply(run, body, repo.full_name)
        repo.check_runs[run.id] = run
        return Reply(201, self._render_run(call, run))

    @route("checks/update")
    def update_check_run(self, call: Call) -> Reply:
        assert call.app is not None
        run = self._run(call)
        if run.app_id != call.app.id:
            raise Refusal(403, "Invalid app_id: check runs can only be updated by the app "
                          "that created them")
        check_rules(call.body)
        self._apply(run, call.body, call.the_repo.full_name)
        return Reply(200, self._render_run(call, run))

    @route("checks/get")
    def get_check_run(self, call: Call) -> Reply:
        return Reply(200, self._render_run(call, self._run(call)))

    @route("checks/list-annotations")
    def list_annotations(self, call: Call) -> Reply:
        page, links = paginate(call, self._run(call).annotations)
        return Reply(200, [render.annotation(a) for a in page], links)

    @route("checks/list-for-ref")
    def list_check_runs_for_ref(self, call: Call) -> Reply:
        repo, q = call.the_repo, call.query
        sha = repo.resolve(call.params["ref"])
        if sha is None:
            raise not_found(f"No commit found for the ref {call.params['ref']}")
        runs = sorted((r for r in repo.check_runs.values() if r.head_sha == sha),
                      key=lambda r: r.id, reverse=True)
        if q.get("filter", "latest") == "latest":
            newest: dict[str, CheckRun] = {}
            for r in runs:
                newest.setdefault(r.name, r)
            runs = list(newest.values())
        runs = [r for r in runs
                if q.get("check_name") in (None, r.name) and q.get("status") in (None, r.status)
                and q.get("app_id") in (None, str(r.app_id))]
        page, links = paginate(call, runs)
        return Reply(200, {"total_count": len(runs),
                           "check_runs": [self._render_run(call, r) for r in page]}, links)
