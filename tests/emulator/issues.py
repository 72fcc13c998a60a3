"""Issues, labels and issue comments (pull requests share all three)."""

from __future__ import annotations

from typing import Any

from . import render
from .openapi import Json
from .routing import Call, Reply, invalid, not_found, paginate, route
from .shapes import shape
from .state import App, Comment, Issue, Repo
from .world import World

MAX_COMMENT = 65_536
MAX_TITLE = 256


def label_names(raw: Any) -> list[str]:
    """Label lists arrive as strings or {"name": ...} objects, bare or under "labels"."""
    items = raw.get("labels", []) if isinstance(raw, dict) else raw
    return [i["name"] if isinstance(i, dict) else str(i) for i in items or []]


def check_body(body: str | None, what: str = "body") -> None:
    if body is not None and len(body) > MAX_COMMENT:
        raise invalid(f"Validation Failed: {what} is too long (maximum is {MAX_COMMENT} "
                      "characters)", resource="IssueComment", field=what, code="custom",
                      message=f"{what} is too long (maximum is {MAX_COMMENT} characters)")


class IssueRoutes(World):
    """issues/* operations, stateful; authors are the calling app's bot user."""

    def _author(self, call: Call) -> tuple[str, str, App | None]:
        if call.app is None:
            return "octocat", "User", None
        return f"{call.app.slug}[bot]", "Bot", call.app

    def _issue(self, call: Call) -> Issue:
        item = call.the_repo.issues.get(call.number("issue_number"))
        if item is None:
            raise not_found()
        return item

    def _comment(self, call: Call) -> Comment:
        found = call.the_repo.comments.get(call.number("comment_id"))
        if found is None:
            raise not_found()
        return found

    def render_issue(self, repo: Repo, item: Issue, schema: str = "issue") -> Json:
        count = sum(1 for c in repo.comments.values() if c.issue_number == item.number)
        return render.issue(self.api, repo, item, count, schema)

    def _render_comment(self, repo: Repo, c: Comment) -> Json:
        app = self.apps.get(c.app_id) if c.app_id else None
        return render.comment(self.api, repo, c, render.app_json(self.api, app, repo.owner)
                              if app else None)

    def _labels(self, repo: Repo, item: Issue) -> list[Json]:
        return [render.label(self.api, repo, repo.label(n)) for n in item.labels]

    @route("issues/create")
    def create_issue(self, call: Call) -> Reply:
        body, repo = call.body, call.the_repo
        title = str(body["title"])
        if not title.strip() or len(title) > MAX_TITLE:
            raise invalid("Validation Failed", resource="Issue", field="title", code="invalid")
        check_body(body.get("body"))
        login, kind, _ = self._author(call)
        item = self._new_issue(Issue, repo, title=title, body=body.get("body"),
                               labels=label_names(body.get("labels")), user=login)
        item.user_type = kind
        item.assignees = [str(a) for a in body.get("assignees") or []]
        return Reply(201, self.render_issue(repo, item))

    @route("issues/get")
    def get_issue(self, call: Call) -> Reply:
        return Reply(200, self.render_issue(call.the_repo, self._issue(call)))

    @route("issues/update")
    def update_issue(self, call: Call) -> Reply:
        item, body = self._issue(call), call.body
        check_body(body.get("body"))
        if "title" in body and body["title"] is not None:
            item.title = str(body["title"])
        if "body" in body:
            item.body = body["body"]
        if "labels" in body:
            self.set_labels(call.the_repo, item.number, label_names(body["labels"]))
        if body.get("state") in ("open", "closed") and body["state"] != item.state:
            self.set_state(call.the_repo, item.number, body["state"])
            item.state_reason = body.get("state_reason") or (
                "completed" if item.state == "closed" else "reopened")
        item.updated_at = self.now()
        return Reply(200, self.render_issue(call.the_repo, item))

    @route("issues/list-for-repo")
    def list_issues(self, call: Call) -> Reply:
        repo, q = call.the_repo, call.query
        state = q.get("state", "open")
        wanted = {n.strip().lower() for n in q.get("labels", "").split(",") if n.strip()}
        items = [i for i in repo.issues.values()
                 if state in ("all", i.state)
                 and wanted <= {n.lower() for n in i.labels}
                 and q.get("creator") in (None, i.user)
                 and (q.get("since") is None or i.updated_at >= q["since"])]
        key = "updated_at" if q.get("sort") == "updated" else "created_at"
        items.sort(key=lambda i: (getattr(i, key), i.number), reverse=q.get("direction") != "asc")
        page, links = paginate(call, items)
        return Reply(200, [self.render_issue(repo, i) for i in page], links)

    @route("issues/add-labels")
    def add_labels(self, call: Call) -> Reply:
        item = self._issue(call)
        self.set_labels(call.the_repo, item.number, [*item.labels, *label_names(call.body)])
        return Reply(200, self._labels(call.the_repo, item))

    @route("issues/remove-label")
    def remove_label(self, call: Call) -> Reply:
        item = self._issue(call)
        name = call.params["name"].lower()
        if name not in {n.lower() for n in item.labels}:
            raise not_found("Label does not exist")
        self.set_labels(call.the_repo, item.number, [n for n in item.labels if n.lower() != name])
        return Reply(200, self._labels(call.the_repo, item))

    @route("issues/create-label")
    def create_label(self, call: Call) -> Reply:
        repo, body = call.the_repo, call.body
        if body["name"].lower() in repo.labels:
            raise invalid("Validation Failed", resource="Label", field="name",
                          code="already_exists")
        lbl = repo.label(body["name"])
        lbl.color = body.get("color", lbl.color).lstrip("#")
        lbl.description = body.get("description")
        return Reply(201, render.label(self.api, repo, lbl))

    @route("issues/list-comments")
    def list_comments(self, call: Call) -> Reply:
        item = self._issue(call)
        since = call.query.get("since")
        found = [c for c in self.comments(call.the_repo, item.number)
                 if since is None or c.updated_at >= since]
        page, links = paginate(call, found)
        return Reply(200, [self._render_comment(call.the_repo, c) for c in page], links)

    @route("issues/create-comment")
    def create_comment(self, call: Call) -> Reply:
        item = self._issue(call)
        check_body(call.body["body"])
        login, kind, app = self._author(call)
        now = self.now()
        c = Comment(self.next_id(), item.number, call.body["body"], login, kind, now, now,
                    app.id if app else None)
        call.the_repo.comments[c.id] = c
        item.updated_at = now
        return Reply(201, self._render_comment(call.the_repo, c))

    @route("issues/get-comment")
    def get_comment(self, call: Call) -> Reply:
        return Reply(200, self._render_comment(call.the_repo, self._comment(call)))

    @route("issues/update-comment")
    def update_comment(self, call: Call) -> Reply:
        c = self._comment(call)
        check_body(call.body["body"])
        c.body, c.updated_at = call.body["body"], self.now()
        return Reply(200, self._render_comment(call.the_repo, c))

    @route("issues/delete-comment")
    def delete_comment(self, call: Call) -> Reply:
        del call.the_repo.comments[self._comment(call).id]
        return Reply(204)

    @route("reactions/create-for-issue-comment")
    def react_to_comment(self, call: Call) -> Reply:
        c = self._comment(call)
        login, kind, _ = self._author(call)
        fields = {"id": self.next_id(), "node_id": f"REA_{c.id}", "content": call.body["content"],
                  "user": render.user(self.api, login, kind), "created_at": self.now()}
        return Reply(201, shape("reaction", **fields))
