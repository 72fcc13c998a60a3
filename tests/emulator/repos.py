"""Repositories, contents, commits, comparisons, pull requests and search."""

from __future__ import annotations

import base64
import re
import secrets
from dataclasses import dataclass, field

from . import git, render
from .diff import FileChange, changes
from .openapi import Json
from .routing import Call, Refusal, Reply, invalid, not_found, paginate, route
from .shapes import shape
from .state import Issue, PullRequest, Repo, Token
from .world import World, iso

MAX_PR_FILES = 3000
MAX_PR_COMMITS = 250
MAX_COMPARE_FILES = 300
MAX_SEARCH_RESULTS = 1000
_QUERY = re.compile(r'(-?)([a-z][\w-]*):("[^"]*"|\S+)|"([^"]*)"|(\S+)', re.IGNORECASE)


@dataclass
class SearchQuery:
    """GitHub's issue search syntax, reduced to the qualifiers bots use."""

    kinds: set[str] = field(default_factory=set)
    states: set[str] = field(default_factory=set)
    repos: set[str] = field(default_factory=set)
    labels: list[tuple[str, bool]] = field(default_factory=list)  # (name, negated)
    authors: set[str] = field(default_factory=set)
    texts: list[str] = field(default_factory=list)

    @classmethod
    def parse(cls, q: str) -> SearchQuery:
        out = cls()
        for neg, key, raw, phrase, word in _QUERY.findall(q):
            key, value = key.lower(), raw.strip('"').lower()
            if key in ("is", "type") and value in ("issue", "pr", "pull-request"):
                out.kinds.add("issue" if value == "issue" else "pr")
            elif key in ("is", "state") and value in ("open", "closed"):
                out.states.add(value)
            elif key == "repo":
                out.repos.add(value)
            elif key == "label":
                out.labels.append((value, bool(neg)))
            elif key == "author":
                out.authors.add(value)
            elif key != "in":
                out.texts.append((phrase or word or f"{key}:{raw}").lower())
        return out

    def matches(self, repo: Repo, item: Issue) -> bool:
        names = {n.lower() for n in item.labels}
        text = f"{item.title}\n{item.body or ''}".lower()
        kind = "pr" if isinstance(item, PullRequest) else "issue"
        return (kind in self.kinds and (not self.states or item.state in self.states)
                and (not self.repos or repo.full_name.lower() in self.repos)
                and (not self.authors or item.user.lower() in self.authors)
                and all((n in names) != neg for n, neg in self.labels)
                and all(t in text for t in self.texts))


class RepoRoutes(World):
    """apps/*, repos/*, pulls/* and search/* operations, stateful."""

    # --- apps

    @route("apps/get-authenticated")
    def get_app(self, call: Call) -> Reply:
        assert call.app is not None
        owner = next((i.account for i in self.installations.values()
                      if i.app_id == call.app.id), call.app.slug)
        data = render.app_json(self.api, call.app, owner)
        data["installations_count"] = sum(
            1 for i in self.installations.values() if i.app_id == call.app.id)
        return Reply(200, data)

    @route("apps/create-installation-access-token")
    def create_token(self, call: Call) -> Reply:
        assert call.app is not None
        inst = self.installations.get(call.number("installation_id"))
        if inst is None or inst.app_id != call.app.id:
            raise Refusal(404, "Not Found")
        body = call.body or {}
        mine = {r.full_name.lower(): r for r in self.repos.values()
                if r.installation_id == inst.id}
        wanted: set[str] | None = None
        if body.get("repositories") or body.get("repository_ids"):
            by_id = {r.id: k for k, r in mine.items()}
            names = [f"{inst.account}/{n}".lower() for n in body.get("repositories", [])]
            names += [by_id.get(i, f"#{i}") for i in body.get("repository_ids", [])]
            if any(n not in mine for n in names):
                raise invalid("There is at least one repository that does not exist or is not "
                              "accessible to the parent installation.")
            wanted = set(names)
        token = Token("ghs_" + secrets.token_urlsafe(27)[:36], inst.id, self.time() + 3600,
                      frozenset(wanted) if wanted is not None else None)
        self.tokens[token.value] = token
        data: Json = {"token": token.value, "expires_at": iso(token.expires_at),
                      "permissions": body.get("permissions") or dict(call.app.permissions),
                      "repository_selection": "selected" if wanted is not None else "all"}
        if wanted is not None:
            data["repositories"] = [self.render_repo(mine[n]) for n in sorted(wanted)]
        return Reply(201, shape("installation-token", **data))

    # --- repositories and git data

    def render_repo(self, repo: Repo) -> Json:
        return render.repo(self.api, repo, self.owner_type(repo))

    def _sha(self, repo: Repo, ref: str) -> str:
        sha = repo.resolve(ref)
        if sha is None:
            raise not_found(f"No commit found for the ref {ref}")
        return sha

    @route("repos/get")
    def get_repo(self, call: Call) -> Reply:
        data = self.render_repo(call.the_repo)
        return Reply(200, shape("full-repository", **data, network_count=0,
                                subscribers_count=0, forks=0, forks_count=0, open_issues=0,
                                watchers=0, watchers_count=0, stargazers_count=0, size=0))

    @route("repos/get-content")
    def get_content(self, call: Call) -> Reply:
        repo = call.the_repo
        ref = call.query.get("ref") or repo.default_branch
        tree = repo.commits[self._sha(repo, ref)].tree
        path = call.params["path"].strip("/")
        if path in tree:
            return Reply(200, render.content_file(self.api, repo, path, tree[path], ref))
        prefix = path + "/"
        children: dict[str, bytes | None] = {}
        for p, data in tree.items():
            if p.startswith(prefix):
                head, _, rest = p[len(prefix):].partition("/")
                children[prefix + head] = None if rest else data
        if not children:
            raise not_found()
        return Reply(200, [render.content_entry(self.api, repo, p, ref, d)
                           for p, d in sorted(children.items())])

    def _files(self, repo: Repo, old: str | None, new: str) -> list[FileChange]:
        before = repo.commits[old].tree if old else {}
        return changes(before, repo.commits[new].tree)

    @route("repos/get-commit")
    def get_commit(self, call: Call) -> Reply:
        repo = call.the_repo
        sha = repo.resolve(call.params["ref"])
        if sha is None:
            raise Refusal(422, f"No commit found for SHA: {call.params['ref']}", violation=False)
        parent = next(iter(repo.commits[sha].parents), None)
        files = self._files(repo, parent, sha)
        # Commit files come 300 a page (at most), up to 3000 in all.
        page, links = paginate(call, files, cap=MAX_PR_FILES, default=300, maximum=300)
        page = [render.diff_entry(self.api, repo, f, sha) for f in page]
        return Reply(200, render.commit(self.api, repo, sha, page), links)

    @route("repos/compare-commits")
    def compare(self, call: Call) -> Reply:
        repo, p = call.the_repo, call.params
        # Older descriptions spell the path {base}...{head}, newer ones {basehead}.
        base_ref, head_ref = ((p["base"], p["head"]) if "base" in p
                              else p["basehead"].split("...", 1))
        base, head = self._sha(repo, base_ref), self._sha(repo, head_ref)
        mb = git.merge_base(repo.commits, base, head)
        ahead = git.commits_between(repo.commits, base, head)
        behind = git.commits_between(repo.commits, head, base)
        status = ("identical" if not ahead and not behind else "ahead" if not behind
                  else "behind" if not ahead else "diverged")
        files = self._files(repo, mb, head)[:MAX_COMPARE_FILES]
        u = f"{self.api}/repos/{repo.full_name}/compare/{base_ref}...{head_ref}"
        web = f"{render.WEB}/{repo.full_name}/compare/{base_ref}...{head_ref}"
        return Reply(200, shape(
            "commit-comparison", url=u, html_url=web, permalink_url=web, diff_url=f"{web}.diff",
            patch_url=f"{web}.patch", status=status, ahead_by=len(ahead), behind_by=len(behind),
            total_commits=len(ahead), base_commit=render.commit(self.api, repo, base),
            merge_base_commit=render.commit(self.api, repo, mb or base),
            commits=[render.commit(self.api, repo, s) for s in ahead[:MAX_PR_COMMITS]],
            files=[render.diff_entry(self.api, repo, f, head) for f in files]))

    @route("git/get-tree")
    def get_tree(self, call: Call) -> Reply:
        repo = call.the_repo
        want = call.params["tree_sha"]
        sha = repo.resolve(want) or next(
            (c.sha for c in repo.commits.values() if git.tree_sha(c.tree) == want), None)
        if sha is None:
            raise not_found()
        tree = repo.commits[sha].tree
        recursive = call.query.get("recursive") not in (None, "", "0", "false")
        rows: dict[str, Json] = {}
        for path, data in sorted(tree.items()):
            parts = path.split("/")
            for depth in range(1, len(parts)):
                d = "/".join(parts[:depth])
                if recursive or depth == 1:
                    rows.setdefault(d, {"path": d, "mode": "040000", "type": "tree",
                                        "sha": git.tree_sha({d: b""})})
            if recursive or len(parts) == 1:
                blob = git.blob_sha(data)
                rows[path] = {"path": path, "mode": "100644", "type": "blob", "sha": blob,
                              "size": len(data),
                              "url": f"{self.api}/repos/{repo.full_name}/git/blobs/{blob}"}
        tsha = git.tree_sha(tree)
        return Reply(200, shape("git-tree", sha=tsha, truncated=False,
                                url=f"{self.api}/repos/{repo.full_name}/git/trees/{tsha}",
                                tree=[rows[k] for k in sorted(rows)]))

    @route("git/get-blob")
    def get_blob(self, call: Call) -> Reply:
        repo, want = call.the_repo, call.params["file_sha"]
        for c in repo.commits.values():
            for data in c.tree.values():
                if git.blob_sha(data) == want:
                    # The blob API serves files up to 100 MB, unlike the contents API.
                    return Reply(200, shape(
                        "blob", sha=want, node_id=f"B_{want}", size=len(data),
                        url=f"{self.api}/repos/{repo.full_name}/git/blobs/{want}",
                        content=base64.b64encode(data).decode(), encoding="base64"))
        raise not_found()

    # --- pull requests

    def _pull(self, call: Call) -> PullRequest:
        item = call.the_repo.issues.get(call.number("pull_number"))
        if not isinstance(item, PullRequest):
            raise not_found()
        return item

    def _comments(self, repo: Repo, number: int) -> int:
        return sum(1 for c in repo.comments.values() if c.issue_number == number)

    def render_pull(self, repo: Repo, pr: PullRequest, full: bool = False) -> Json:
        stats = None
        if full:
            files = self.pr_files(pr)
            stats = {"commits": len(self.pr_commits(pr)), "changed_files": len(files),
                     "additions": sum(f.additions for f in files),
                     "deletions": sum(f.deletions for f in files)}
        return render.pull(self.api, repo, pr, self.owner_type(repo),
                           self._comments(repo, pr.number), stats)

    def pr_files(self, pr: PullRequest) -> list[FileChange]:
        """GitHub's three-dot diff: from the merge base of base and head, to head."""
        mb = git.merge_base(pr.repo.commits, pr.base_sha, pr.head_sha)
        return self._files(pr.repo, mb, pr.head_sha)

    def pr_commits(self, pr: PullRequest) -> list[str]:
        return git.commits_between(pr.repo.commits, pr.base_sha, pr.head_sha)

    @route("pulls/get")
    def get_pull(self, call: Call) -> Reply:
        return Reply(200, self.render_pull(call.the_repo, self._pull(call), full=True))

    @route("pulls/list")
    def list_pulls(self, call: Call) -> Reply:
        repo, q = call.the_repo, call.query
        state = q.get("state", "open")
        pulls = [p for p in repo.pulls()
                 if state in ("all", p.state) and q.get("base") in (None, p.base)
                 and q.get("head") in (None, f"{repo.owner}:{p.head}")]
        key = "updated_at" if q.get("sort") in ("updated", "long-running") else "created_at"
        pulls.sort(key=lambda p: (getattr(p, key), p.number), reverse=q.get("direction") != "asc")
        page, links = paginate(call, pulls)
        return Reply(200, [self.render_pull(repo, p) for p in page], links)

    @route("pulls/list-files")
    def list_pull_files(self, call: Call) -> Reply:
        pr = self._pull(call)
        files = self.pr_files(pr)[:MAX_PR_FILES]
        page, links = paginate(call, files)
        return Reply(200, [render.diff_entry(self.api, pr.repo, f, pr.head_sha) for f in page],
                     links)

    @route("pulls/list-commits")
    def list_pull_commits(self, call: Call) -> Reply:
        pr = self._pull(call)
        page, links = paginate(call, self.pr_commits(pr), cap=MAX_PR_COMMITS)
        return Reply(200, [render.commit(self.api, pr.repo, s) for s in page], links)

    @route("repos/list-pull-requests-associated-with-commit")
    def pulls_for_commit(self, call: Call) -> Reply:
        repo, sha = call.the_repo, call.params["commit_sha"]
        pulls = [p for p in repo.pulls() if sha in self.pr_commits(p) or sha == p.head_sha]
        pulls.sort(key=lambda p: p.number, reverse=True)
        page, links = paginate(call, pulls)
        return Reply(200, [self.render_pull(repo, p) for p in page], links)

    # --- search

    @route("search/issues-and-pull-requests")
    def search_issues(self, call: Call) -> Reply:
        query = SearchQuery.parse(call.query["q"])
        if not query.kinds:
            raise invalid("Query must include 'is:issue' or 'is:pull-request'",
                          resource="Search", field="q", code="invalid")
        visible = [r for r in self.repos.values() if self.token_sees(call.token, r)]
        found = [(r, i) for r in visible for i in r.issues.values()
                 if query.matches(r, i)]
        found.sort(key=lambda ri: ri[1].created_at + f"{ri[1].number:09d}", reverse=True)
        page, links = paginate(call, found[:MAX_SEARCH_RESULTS])
        items = [self.render_search_item(r, i) for r, i in page]
        return Reply(200, {"total_count": len(found), "incomplete_results": False,
                           "search_type": "lexical", "items": items}, links)

    def render_search_item(self, repo: Repo, item: Issue) -> Json:
        data = render.issue(self.api, repo, item, self._comments(repo, item.number),
                            "issue-search-result-item")
        data["score"] = 1.0
        return data

    def token_sees(self, token: Token | None, repo: Repo) -> bool:
        if token is None:
            return not repo.private
        return repo.installation_id == token.installation_id and (
            token.repos is None or repo.full_name.lower() in token.repos)
