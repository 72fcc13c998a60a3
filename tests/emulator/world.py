"""The emulator's state and the test-facing API that shapes it directly (no HTTP)."""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from cryptography.hazmat.primitives.serialization import load_pem_public_key

from .state import (
    App,
    CheckRun,
    Comment,
    Fault,
    Installation,
    Issue,
    PullRequest,
    Recorded,
    Repo,
    Token,
)

RepoRef = Repo | str


def iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class World:
    """Apps, installations, repositories and the bot's footprint, all in plain dataclasses."""

    api: str

    def __init__(self) -> None:
        self.api = "http://127.0.0.1"
        self.reset()

    def reset(self) -> None:
        """Forget everything: state, recorded requests, faults and violations."""
        self.apps: dict[int, App] = {}
        self.installations: dict[int, Installation] = {}
        self.tokens: dict[str, Token] = {}
        self.repos: dict[str, Repo] = {}
        self.requests: list[Recorded] = []
        self.violations: list[str] = []
        self.faults: list[Fault] = []
        self._suites: dict[tuple[int, str, int], int] = {}
        self._ids = itertools.count(1001)
        self._offset = 0.0

    # --- clock and ids

    def time(self) -> float:
        """Emulated epoch seconds; `advance` moves it (token and JWT expiry use it)."""
        return time.time() + self._offset

    def now(self) -> str:
        return iso(self.time())

    def advance(self, seconds: float) -> None:
        self._offset += seconds

    def next_id(self) -> int:
        return next(self._ids)

    # --- building the world

    def register_app(self, public_key_pem: str, slug: str = "perfbot", app_id: int = 1, *,
                     client_id: str | None = None) -> int:
        """Register a GitHub App by its RSA public key; JWTs it signs then authenticate."""
        load_pem_public_key(public_key_pem.encode())  # fail here, not on the first request
        self.apps[app_id] = App(app_id, slug, public_key_pem, client_id or f"Iv1.{app_id:016x}")
        return app_id

    def add_installation(self, installation_id: int, account: str, *, app_id: int | None = None,
                         account_type: str = "Organization") -> Installation:
        if app_id is None:
            if not self.apps:
                raise ValueError("register_app() first")
            app_id = next(iter(self.apps))
        inst = Installation(installation_id, account, app_id, account_type,
                            rate_reset=int(self.time()) + 3600, search_reset=int(self.time()) + 60)
        self.installations[installation_id] = inst
        return inst

    def add_repo(self, full_name: str, installation_id: int | None = None,
                 default_branch: str = "main", *, private: bool = False) -> Repo:
        """A repository with one empty commit on its default branch."""
        if installation_id is not None and installation_id not in self.installations:
            raise ValueError(f"add_installation({installation_id}, ...) first")
        repo = Repo(full_name, self.next_id(), installation_id, default_branch, self.now,
                    self.next_id, private)
        repo.commit(default_branch, {}, message="Initial commit")
        self.repos[full_name.lower()] = repo
        return repo

    def remove_installation(self, installation_id: int) -> None:
        """Uninstall: its tokens stop working and its repositories become unreachable."""
        self.installations.pop(installation_id)
        for repo in self.repos.values():
            if repo.installation_id == installation_id:
                repo.installation_id = None

    def repo(self, ref: RepoRef) -> Repo:
        return ref if isinstance(ref, Repo) else self.repos[ref.lower()]

    def _new_issue(self, cls: type[Issue], repo: Repo, *, title: str, body: str | None,
                   labels: list[str], user: str, **extra: Any) -> Issue:
        now = self.now()
        item = cls(repo=repo, number=len(repo.issues) + 1, id=self.next_id(), title=title,
                   body=body, labels=labels, user=user, created_at=now, updated_at=now, **extra)
        repo.issues[item.number] = item
        for name in item.labels:
            repo.label(name)
        return item

    def open_pull_request(self, repo: RepoRef, head: str, base: str | None = None,
                          title: str = "A change", body: str | None = None,
                          labels: Iterable[str] = (), user: str = "octocat",
                          draft: bool = False) -> PullRequest:
        r = self.repo(repo)
        for branch in (head, base or r.default_branch):
            if branch not in r.branches:
                raise KeyError(f"no branch {branch!r} in {r.full_name}")
        pr = self._new_issue(PullRequest, r, title=title, body=body, labels=list(labels),
                             user=user, head=head, base=base or r.default_branch, draft=draft)
        assert isinstance(pr, PullRequest)
        return pr

    def open_issue(self, repo: RepoRef, title: str, body: str | None = None,
                   labels: Iterable[str] = (), user: str = "octocat") -> Issue:
        return self._new_issue(Issue, self.repo(repo), title=title, body=body,
                               labels=list(labels), user=user)

    def issue(self, repo: RepoRef, number: int) -> Issue:
        return self.repo(repo).issues[number]

    def set_labels(self, repo: RepoRef, number: int, labels: Iterable[str]) -> None:
        item = self.issue(repo, number)
        item.labels = list(dict.fromkeys(labels))
        for name in item.labels:
            item.repo.label(name)
        item.updated_at = self.now()

    def set_body(self, repo: RepoRef, number: int, body: str | None) -> None:
        item = self.issue(repo, number)
        item.body = body
        item.updated_at = self.now()

    def set_state(self, repo: RepoRef, number: int, state: str, *, merged: bool = False) -> None:
        """Close/reopen an issue or pull request (merged=True marks a pull request merged)."""
        item = self.issue(repo, number)
        item.state = state
        item.closed_at = self.now() if state == "closed" else None
        if isinstance(item, PullRequest) and merged:
            item.merged, item.merged_at = True, item.closed_at
        item.updated_at = self.now()

    # --- reading what the bot did

    def check_runs(self, repo: RepoRef, head_sha: str | None = None) -> list[CheckRun]:
        runs = self.repo(repo).check_runs.values()
        return [r for r in runs if head_sha is None or r.head_sha == head_sha]

    def comments(self, repo: RepoRef, number: int) -> list[Comment]:
        return [c for c in self.repo(repo).comments.values() if c.issue_number == number]

    def issues(self, repo: RepoRef) -> list[Issue]:
        """Issues proper (pull requests excluded)."""
        return [i for i in self.repo(repo).issues.values() if not isinstance(i, PullRequest)]

    # --- helpers shared by handlers

    def owner_type(self, repo: Repo) -> str:
        for inst in self.installations.values():
            if inst.account.lower() == repo.owner.lower():
                return inst.account_type
        return "Organization"

    def suite_id(self, repo: Repo, sha: str, app_id: int) -> int:
        """One check suite per (repository, commit, app), as GitHub groups check runs."""
        return self._suites.setdefault((repo.id, sha, app_id), self.next_id())
