"""A change as the core sees it, with patches produced by real git."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from gitrepo import GitRepo

from bot.core.facts import PullRequest
from bot.local.git import Checkout

Files = dict[str, str | bytes | None]


def git_change(
    path: Path, change: Files, base: Files | None = None, *, labels: tuple[str, ...] = (),
    base_ref: str = "main",
) -> PullRequest:
    """The pull request that turns ``base`` (committed on main) into ``base`` + ``change``."""
    path.mkdir(parents=True, exist_ok=True)
    repo = GitRepo(path)
    if base:
        repo.commit(dict(base), "base")
    repo.branch("feature")
    repo.commit(dict(change), "change")
    pr = Checkout(path).pull_request("main", "feature", labels=frozenset(labels), body="")
    return pr if base_ref == "main" else replace(pr, base_ref=base_ref)
