"""State to GitHub-shaped JSON: each builder sets what state knows, `shape` fills the rest."""

from __future__ import annotations

import base64
import zlib
from typing import Any
from urllib.parse import quote

from . import git
from .diff import FileChange
from .openapi import Json
from .shapes import shape
from .state import App, CheckRun, Comment, Issue, Label, PullRequest, Repo

WEB = "https://github.com"


def stable_id(text: str) -> int:
    """Deterministic numeric ids for users and apps named in tests."""
    return zlib.crc32(text.encode()) % 90_000_000 + 1_000_000


def user(api: str, login: str, kind: str = "User") -> Json:
    uid = stable_id(login)
    u = f"{api}/users/{login}"
    return {
        "login": login, "id": uid, "node_id": f"U_{uid}", "type": kind, "site_admin": False,
        "url": u, "html_url": f"{WEB}/{login}", "gravatar_id": "",
        "avatar_url": f"https://avatars.githubusercontent.com/u/{uid}?v=4",
        "followers_url": f"{u}/followers", "following_url": f"{u}/following{{/other_user}}",
        "gists_url": f"{u}/gists{{/gist_id}}", "starred_url": f"{u}/starred{{/owner}}{{/repo}}",
        "subscriptions_url": f"{u}/subscriptions", "organizations_url": f"{u}/orgs",
        "repos_url": f"{u}/repos", "events_url": f"{u}/events{{/privacy}}",
        "received_events_url": f"{u}/received_events",
    }


def bot_user(api: str, app: App) -> Json:
    return user(api, f"{app.slug}[bot]", "Bot")


def app_json(api: str, app: App, owner: str) -> Json:
    return shape(
        "integration", id=app.id, slug=app.slug, node_id=f"A_{app.id}", name=app.slug,
        client_id=app.client_id, owner=user(api, owner, "Organization"), description=None,
        external_url=f"{WEB}/apps/{app.slug}", html_url=f"{WEB}/apps/{app.slug}",
        permissions=dict(app.permissions), events=["check_run", "check_suite", "pull_request"],
    )


def repo(api: str, r: Repo, owner_type: str) -> Json:
    """The fields every repository object shares (repos/get adds the full-repository rest)."""
    u = f"{api}/repos/{r.full_name}"
    return {
        "id": r.id, "node_id": f"R_{r.id}", "name": r.name, "full_name": r.full_name,
        "owner": user(api, r.owner, owner_type), "private": r.private,
        "visibility": "private" if r.private else "public", "fork": False,
        "html_url": f"{WEB}/{r.full_name}", "url": u, "default_branch": r.default_branch,
        "description": None, "homepage": None, "language": None, "license": None,
        "mirror_url": None, "archived": False, "disabled": False,
        "clone_url": f"{WEB}/{r.full_name}.git", "git_url": f"git://github.com/{r.full_name}.git",
        "ssh_url": f"git@github.com:{r.full_name}.git", "svn_url": f"{WEB}/{r.full_name}",
        "contents_url": f"{u}/contents/{{+path}}", "pulls_url": f"{u}/pulls{{/number}}",
        "issues_url": f"{u}/issues{{/number}}", "commits_url": f"{u}/commits{{/sha}}",
        "compare_url": f"{u}/compare/{{base}}...{{head}}", "labels_url": f"{u}/labels{{/name}}",
        "has_issues": True, "has_projects": False, "has_wiki": False, "has_pages": False,
        "has_downloads": True, "has_discussions": False,
        "created_at": "2020-01-01T00:00:00Z", "updated_at": "2020-01-01T00:00:00Z",
        "pushed_at": r.commits[r.branches[r.default_branch]].date,
    }


def label(api: str, r: Repo, lbl: Label) -> Json:
    return shape("label", id=lbl.id, node_id=f"LA_{lbl.id}", name=lbl.name, color=lbl.color,
                 description=lbl.description or "", default=False,
                 url=f"{api}/repos/{r.full_name}/labels/{quote(lbl.name)}")


def _issue_fields(api: str, r: Repo, i: Issue, comments: int) -> Json:
    u = f"{api}/repos/{r.full_name}/issues/{i.number}"
    fields: Json = {
        "id": i.id, "node_id": f"I_{i.id}", "number": i.number, "title": i.title,
        "body": i.body, "state": i.state, "state_reason": i.state_reason,
        "user": user(api, i.user, i.user_type),
        "labels": [label(api, r, r.label(n)) for n in i.labels],
        "url": u, "repository_url": f"{api}/repos/{r.full_name}",
        "labels_url": f"{u}/labels{{/name}}", "comments_url": f"{u}/comments",
        "events_url": f"{u}/events", "html_url": f"{WEB}/{r.full_name}/issues/{i.number}",
        "comments": comments, "created_at": i.created_at, "updated_at": i.updated_at,
        "closed_at": i.closed_at, "locked": False,
        "assignee": user(api, i.assignees[0]) if i.assignees else None,
        "assignees": [user(api, a) for a in i.assignees],
        "milestone": None, "author_association": "CONTRIBUTOR",
    }
    if isinstance(i, PullRequest):
        pu = f"{WEB}/{r.full_name}/pull/{i.number}"
        fields["html_url"] = pu
        fields["draft"] = i.draft
        fields["pull_request"] = {
            "url": f"{api}/repos/{r.full_name}/pulls/{i.number}", "html_url": pu,
            "diff_url": f"{pu}.diff", "patch_url": f"{pu}.patch", "merged_at": i.merged_at}
    return fields


def issue(api: str, r: Repo, i: Issue, comments: int, schema: str = "issue") -> Json:
    return shape(schema, **_issue_fields(api, r, i, comments))


def _branch(api: str, r: Repo, ref: str, sha: str, owner_type: str) -> Json:
    return {"label": f"{r.owner}:{ref}", "ref": ref, "sha": sha,
            "user": user(api, r.owner, owner_type), "repo": repo(api, r, owner_type)}


def pull(api: str, r: Repo, pr: PullRequest, owner_type: str, comments: int,
         stats: dict[str, int] | None = None) -> Json:
    """pull-request-simple, or the full pull-request when `stats` is given."""
    u = f"{api}/repos/{r.full_name}/pulls/{pr.number}"
    fields = _issue_fields(api, r, pr, comments)
    issue_url = fields["url"]
    links = fields.pop("pull_request")
    for key in ("repository_url", "labels_url", "events_url", "comments", "state_reason"):
        fields.pop(key)
    fields.update(
        url=u, html_url=links["html_url"], diff_url=links["diff_url"],
        patch_url=links["patch_url"], issue_url=issue_url,
        commits_url=f"{u}/commits", review_comments_url=f"{u}/comments",
        review_comment_url=f"{api}/repos/{r.full_name}/pulls/comments{{/number}}",
        comments_url=f"{api}/repos/{r.full_name}/issues/{pr.number}/comments",
        statuses_url=f"{api}/repos/{r.full_name}/statuses/{pr.head_sha}",
        merged_at=pr.merged_at, merge_commit_sha=None, requested_reviewers=[],
        requested_teams=[], auto_merge=None, active_lock_reason=None,
        head=_branch(api, r, pr.head, pr.head_sha, owner_type),
        base=_branch(api, r, pr.base, pr.base_sha, owner_type),
        _links={k: {"href": v} for k, v in (
            ("self", u), ("html", links["html_url"]), ("issue", issue_url),
            ("comments", f"{api}/repos/{r.full_name}/issues/{pr.number}/comments"),
            ("review_comments", f"{u}/comments"), ("commits", f"{u}/commits"),
            ("review_comment", f"{api}/repos/{r.full_name}/pulls/comments{{/number}}"),
            ("statuses", f"{api}/repos/{r.full_name}/statuses/{pr.head_sha}"))},
    )
    if stats is None:
        return shape("pull-request-simple", **fields)
    return shape("pull-request", **fields, **stats, merged=pr.merged,
                 mergeable=None if pr.merged or pr.state == "closed" else True,
                 mergeable_state="clean" if pr.state == "open" else "unknown",
                 rebaseable=True, merged_by=None, comments=comments, review_comments=0,
                 maintainer_can_modify=False)


def comment(api: str, r: Repo, c: Comment, app: Json | None) -> Json:
    return shape(
        "issue-comment", id=c.id, node_id=f"IC_{c.id}", body=c.body,
        user=user(api, c.user, c.user_type), created_at=c.created_at, updated_at=c.updated_at,
        url=f"{api}/repos/{r.full_name}/issues/comments/{c.id}",
        html_url=f"{WEB}/{r.full_name}/issues/{c.issue_number}#issuecomment-{c.id}",
        issue_url=f"{api}/repos/{r.full_name}/issues/{c.issue_number}",
        author_association="NONE", performed_via_github_app=app,
    )


def pr_ref(api: str, r: Repo, pr: PullRequest) -> Json:
    """The abbreviated pull request object checks and check suites carry."""
    mini = {"id": r.id, "url": f"{api}/repos/{r.full_name}", "name": r.name}
    return {"id": pr.id, "number": pr.number, "url": f"{api}/repos/{r.full_name}/pulls/{pr.number}",
            "head": {"ref": pr.head, "sha": pr.head_sha, "repo": mini},
            "base": {"ref": pr.base, "sha": pr.base_sha, "repo": mini}}


def check_run(api: str, r: Repo, run: CheckRun, app: Json) -> Json:
    u = f"{api}/repos/{r.full_name}/check-runs/{run.id}"
    prs = [pr_ref(api, r, p) for p in r.pulls() if p.state == "open" and p.head_sha == run.head_sha]
    return shape(
        "check-run", id=run.id, node_id=f"CR_{run.id}", head_sha=run.head_sha, name=run.name,
        url=u, html_url=f"{WEB}/{r.full_name}/runs/{run.id}",
        details_url=run.details_url or app["html_url"], status=run.status,
        conclusion=run.conclusion, started_at=run.started_at, completed_at=run.completed_at,
        external_id=run.external_id or "", check_suite={"id": run.check_suite_id},
        output={"title": run.output.title, "summary": run.output.summary,
                "text": run.output.text, "annotations_count": len(run.annotations),
                "annotations_url": f"{u}/annotations"},
        app=app, pull_requests=prs,
    )


def annotation(a: Json) -> Json:
    return shape("check-annotation", **a)


def git_user(name: str, date: str) -> Json:
    return {"name": name, "email": f"{name}@users.noreply.github.com", "date": date}


def commit(api: str, r: Repo, sha: str, files: list[Json] | None = None) -> Json:
    c = r.commits[sha]
    u = f"{api}/repos/{r.full_name}/commits/{sha}"
    fields: Json = {
        "sha": sha, "node_id": f"C_{sha}", "url": u,
        "html_url": f"{WEB}/{r.full_name}/commit/{sha}",
        "comments_url": f"{u}/comments", "author": user(api, c.author),
        "committer": user(api, c.author),
        "commit": {"message": c.message, "author": git_user(c.author, c.date),
                   "committer": git_user(c.author, c.date), "comment_count": 0,
                   "url": f"{api}/repos/{r.full_name}/git/commits/{sha}",
                   "tree": {"sha": git.tree_sha(c.tree),
                            "url": f"{api}/repos/{r.full_name}/git/trees/{git.tree_sha(c.tree)}"}},
        "parents": [{"sha": p, "url": f"{api}/repos/{r.full_name}/commits/{p}",
                     "html_url": f"{WEB}/{r.full_name}/commit/{p}"} for p in c.parents],
    }
    if files is not None:
        adds = sum(f["additions"] for f in files)
        dels = sum(f["deletions"] for f in files)
        fields.update(files=files,
                      stats={"additions": adds, "deletions": dels, "total": adds + dels})
    return shape("commit", **fields)


def diff_entry(api: str, r: Repo, ch: FileChange, sha: str) -> Json:
    path = quote(ch.filename)
    blob = ch.new if ch.new is not None else ch.old
    fields: Json = {
        "sha": git.blob_sha(blob or b""), "filename": ch.filename, "status": ch.status,
        "additions": ch.additions, "deletions": ch.deletions,
        "changes": ch.additions + ch.deletions,
        "blob_url": f"{WEB}/{r.full_name}/blob/{sha}/{path}",
        "raw_url": f"{WEB}/{r.full_name}/raw/{sha}/{path}",
        "contents_url": f"{api}/repos/{r.full_name}/contents/{path}?ref={sha}",
    }
    if ch.patch is not None:
        fields["patch"] = ch.patch
    if ch.previous_filename is not None:
        fields["previous_filename"] = ch.previous_filename
    return shape("diff-entry", **fields)


def _content_links(api: str, r: Repo, path: str, ref: str, kind: str, sha: str) -> Json:
    u = f"{api}/repos/{r.full_name}/contents/{quote(path)}?ref={quote(ref)}"
    html = f"{WEB}/{r.full_name}/{kind}/{ref}/{quote(path)}"
    git_url = f"{api}/repos/{r.full_name}/git/{'blobs' if kind == 'blob' else 'trees'}/{sha}"
    return {"url": u, "html_url": html, "git_url": git_url,
            "_links": {"self": u, "git": git_url, "html": html}}


MAX_INLINE_CONTENT = 1024 * 1024  # larger files come back with encoding "none" and no content


def content_file(api: str, r: Repo, path: str, data: bytes, ref: str) -> Json:
    sha = git.blob_sha(data)
    if len(data) > MAX_INLINE_CONTENT:
        content, encoding = "", "none"
    else:  # GitHub wraps base64 at 60 columns with "\n"
        raw = base64.b64encode(data).decode()
        content = "".join(raw[i:i + 60] + "\n" for i in range(0, len(raw), 60))
        encoding = "base64"
    return shape(
        "content-file", type="file", name=path.rsplit("/", 1)[-1], path=path, sha=sha,
        size=len(data), content=content, encoding=encoding,
        download_url=f"https://raw.githubusercontent.com/{r.full_name}/{ref}/{quote(path)}",
        **_content_links(api, r, path, ref, "blob", sha),
    )


def content_entry(api: str, r: Repo, path: str, ref: str, data: bytes | None) -> dict[str, Any]:
    """One row of a directory listing (`data` None for a subdirectory)."""
    kind = "file" if data is not None else "dir"
    sha = git.blob_sha(data) if data is not None else git.tree_sha({path: b""})
    return {"type": kind, "name": path.rsplit("/", 1)[-1], "path": path, "sha": sha,
            "size": len(data) if data is not None else 0,
            "download_url": (f"https://raw.githubusercontent.com/{r.full_name}/{ref}/{quote(path)}"
                             if data is not None else None),
            **_content_links(api, r, path, ref, "blob" if data is not None else "tree", sha)}
