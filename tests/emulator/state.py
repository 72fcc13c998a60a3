"""The emulator's world: apps, installations, repositories and what bots write into them."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from . import git

Clock = Callable[[], str]


@dataclass
class App:
    """A registered GitHub App; `public_key` verifies the JWTs it signs."""

    id: int
    slug: str
    public_key: str = field(repr=False)
    client_id: str = ""
    permissions: dict[str, str] = field(
        default_factory=lambda: {"checks": "write", "contents": "read", "issues": "write",
                                 "metadata": "read", "pull_requests": "write"})


@dataclass
class Installation:
    """An app installed on an account; rate limits are per installation, as on GitHub."""

    id: int
    account: str
    app_id: int
    account_type: str = "Organization"
    rate_limit: int = 5000
    rate_remaining: int = 5000
    rate_reset: int = 0
    search_remaining: int = 30
    search_reset: int = 0


@dataclass
class Token:
    """An installation access token, optionally narrowed to some repositories."""

    value: str = field(repr=False)
    installation_id: int
    expires_at: float
    repos: frozenset[str] | None = None


@dataclass
class Label:
    id: int
    name: str
    color: str = "ededed"
    description: str | None = None


@dataclass(eq=False)
class Issue:
    """An issue; pull requests are issues too and share the number sequence."""

    repo: Repo = field(repr=False)
    number: int
    id: int
    title: str
    body: str | None
    user: str
    labels: list[str]
    created_at: str
    updated_at: str
    state: str = "open"
    state_reason: str | None = None
    closed_at: str | None = None
    user_type: str = "User"
    assignees: list[str] = field(default_factory=list)


@dataclass(eq=False)
class PullRequest(Issue):
    """A pull request; its head follows later commits pushed to the head branch."""

    head: str = ""
    base: str = ""
    draft: bool = False
    merged: bool = False
    merged_at: str | None = None

    @property
    def head_sha(self) -> str:
        return self.repo.branches[self.head]

    @property
    def base_sha(self) -> str:
        return self.repo.branches[self.base]


@dataclass
class Comment:
    id: int
    issue_number: int
    body: str
    user: str
    user_type: str
    created_at: str
    updated_at: str
    app_id: int | None = None


@dataclass
class CheckOutput:
    title: str | None = None
    summary: str | None = None
    text: str | None = None


@dataclass
class CheckRun:
    """A check run; `annotations` only ever grows, as GitHub appends them on every update."""

    id: int
    name: str
    head_sha: str
    app_id: int
    status: str = "queued"
    conclusion: str | None = None
    external_id: str | None = None
    output: CheckOutput = field(default_factory=CheckOutput)
    annotations: list[dict[str, Any]] = field(default_factory=list)
    actions: list[dict[str, Any]] = field(default_factory=list)
    details_url: str | None = None
    started_at: str | None = None
    completed_at: str | None = None
    check_suite_id: int = 0


@dataclass
class Artifact:
    id: int
    name: str
    data: bytes = field(repr=False)
    created_at: str
    expired: bool = False


@dataclass
class WorkflowRun:
    """A GitHub Actions run the test declares done, with the artifacts it uploaded."""

    id: int
    workflow_id: int
    path: str
    name: str
    head_sha: str
    head_branch: str | None
    event: str
    status: str
    conclusion: str | None
    run_number: int
    created_at: str
    artifacts: list[Artifact] = field(default_factory=list)
    head_repository: Repo | None = None  # a fork's run; None: this repository's own


@dataclass(eq=False)
class Repo:
    """A repository with full-snapshot commits, branches and its issue/check/comment state."""

    full_name: str
    id: int
    installation_id: int | None
    default_branch: str
    clock: Clock = field(repr=False)
    next_id: Callable[[], int] = field(repr=False)
    private: bool = False
    commits: dict[str, git.Commit] = field(default_factory=dict, repr=False)
    branches: dict[str, str] = field(default_factory=dict)
    issues: dict[int, Issue] = field(default_factory=dict, repr=False)
    comments: dict[int, Comment] = field(default_factory=dict, repr=False)
    check_runs: dict[int, CheckRun] = field(default_factory=dict, repr=False)
    labels: dict[str, Label] = field(default_factory=dict, repr=False)
    workflow_runs: dict[int, WorkflowRun] = field(default_factory=dict, repr=False)
    permissions: dict[str, str] = field(default_factory=dict, repr=False)

    @property
    def owner(self) -> str:
        return self.full_name.split("/")[0]

    @property
    def name(self) -> str:
        return self.full_name.split("/")[1]

    def commit(self, branch: str, files: Mapping[str, str | bytes | None], *,
               message: str = "update", author: str = "octocat") -> str:
        """Commit `files` (None deletes a path) on top of `branch`; returns the new sha."""
        parent = self.branches.get(branch)
        if parent is None and self.commits:
            raise KeyError(f"no branch {branch!r}; create_branch() it first")
        tree = dict(self.commits[parent].tree) if parent else {}
        for path, content in files.items():
            if content is None:
                tree.pop(path, None)
            else:
                tree[path] = content.encode() if isinstance(content, str) else content
        seed = f"{parent}\n{git.tree_sha(tree)}\n{message}\n{len(self.commits)}\n{self.full_name}"
        sha = hashlib.sha1(seed.encode(), usedforsecurity=False).hexdigest()
        parents = (parent,) if parent else ()
        self.commits[sha] = git.Commit(sha, parents, tree, message, author, self.clock())
        self.branches[branch] = sha
        return sha

    def create_branch(self, name: str, from_: str | None = None) -> str:
        """Point a new branch at a branch tip or commit sha (default: the default branch)."""
        sha = self.resolve(from_ or self.default_branch)
        if sha is None:
            raise KeyError(f"unknown ref {from_!r}")
        self.branches[name] = sha
        return sha

    def resolve(self, ref: str) -> str | None:
        """A branch name (optionally refs/heads/ or heads/), full sha or unique sha prefix."""
        name = re.sub(r"^(refs/)?heads/", "", ref)
        if name in self.branches:
            return self.branches[name]
        if ref in self.commits:
            return ref
        if re.fullmatch(r"[0-9a-f]{7,39}", ref):
            found = [sha for sha in self.commits if sha.startswith(ref)]
            return found[0] if len(found) == 1 else None
        return None

    def label(self, name: str) -> Label:
        """Labels are created on first use, as adding an unknown label does on GitHub."""
        key = name.lower()
        if key not in self.labels:
            self.labels[key] = Label(self.next_id(), name)
        return self.labels[key]

    def pulls(self) -> list[PullRequest]:
        return [i for i in self.issues.values() if isinstance(i, PullRequest)]


@dataclass
class Recorded:
    """One request the bot made, as the emulator judged it."""

    method: str
    path: str
    query: dict[str, str]
    status: int
    installation_id: int | None
    charged: bool
    operation_id: str | None
    body: Any = None


@dataclass
class Fault:
    """An injected failure for the next `times` requests matching `method` and `pattern`."""

    method: str
    pattern: re.Pattern[str]
    status: int | None
    times: int
    headers: dict[str, str]
    body: Any
    delay: float
    after: bool

    def matches(self, method: str, path: str) -> bool:
        return self.times > 0 and self.method in ("*", method) and bool(self.pattern.search(path))
