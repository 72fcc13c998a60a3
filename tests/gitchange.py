"""A rule run on a real change: patches made by ``git`` in a throwaway repository.

The local front reads the change and the files a rule wants exactly as ``perfbot check``
does, so these tests see the line numbers a user would.
"""

from __future__ import annotations

from pathlib import Path
from types import ModuleType
from typing import Any

from gitrepo import GitRepo

from bot.core.results import RuleResult
from bot.local.git import Checkout

Files = dict[str, str | bytes | None]


def run_rule(
    tmp_path: Path,
    rule: ModuleType,
    settings: Any,
    base: Files,
    head: Files,
    *,
    body: str = "",
    labels: tuple[str, ...] = (),
) -> RuleResult:
    """Commit ``base`` on main and ``head`` on a branch, then evaluate ``rule`` on the branch."""
    repo = GitRepo(tmp_path)
    repo.commit(base, "base")
    repo.branch("feature")
    repo.commit(head, "change")
    checkout = Checkout(tmp_path)
    pr = checkout.pull_request("main", "HEAD", body=body, labels=frozenset(labels))
    if hasattr(rule, "wants"):
        pr = checkout.with_contents(pr, rule.wants(pr, settings), "main")
    result: RuleResult = rule.evaluate(pr, settings)
    return result
