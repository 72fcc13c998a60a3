"""``perfbot check``'s side of the pipeline: facts from a local git checkout, nothing published.

The same ``bot.pipeline.run`` as the App's, over git: the config committed on the base
(and the ``--extends`` file, since the CLI does not read GitHub), the change from the merge
base to the head, whole files read from git. There is no CI to ask for artifacts and no
review to keep, so those phases find nothing; the CLI prints the verdict it returns.
"""

from __future__ import annotations

from collections.abc import Coroutine
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from bot.core.config import ConfigFiles
from bot.core.evidence import Found
from bot.core.facts import PullRequest, Wants
from bot.core.results import Evaluation
from bot.core.rules.benchmarks import Artifacts
from bot.local.git import Checkout
from bot.pipeline import Review, Started, Verdict

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class LocalSource:
    concurrent = False  # git, driven without an event loop (``finish``): one read at a time
    checkout: Checkout
    base_ref: str
    pr: PullRequest
    base_config: ConfigFiles | None  # read up front: a missing --extends file is a usage error
    extends_file: Path | None = None
    head: str | None = None  # the head ref as given (the work tree's files when it is one)

    @classmethod
    def open(cls, checkout: Checkout, base: str, head: str, *, body: str | None,
             labels: frozenset[str], extends_file: Path | None) -> LocalSource:
        """Read the change and the base's config; raises GitError, OSError or
        UnicodeDecodeError (usage errors: a ref, a file)."""
        checkout.resolve(base)
        pr = checkout.pull_request(base, head, body=body, labels=labels)
        return cls(checkout, base, pr, checkout.config_files(base, extends_file), extends_file,
                   head)

    async def config_files(self, ref: str) -> ConfigFiles | None:
        if ref == self.base_ref:
            return self.base_config
        return self.checkout.config_files(ref, self.extends_file)

    async def pull_request(self) -> PullRequest:
        return self.pr

    async def contents(self, pr: PullRequest, wants: Wants) -> PullRequest:
        return self.checkout.with_contents(pr, wants, self.base_ref, self.head)

    async def evidence(self, pr: PullRequest, settings: Artifacts, started_at: str) -> Found | None:
        return None  # the CLI reads result files from the checkout, not CI artifacts

    async def review(self) -> Review | None:
        return None  # no checklist comment, no sign-offs: the verdict is the rules'


class LocalOutlet:
    """Nothing to show while it runs; the CLI prints the verdict ``run`` returns."""

    async def begin(self, check_name: str) -> Started:
        return Started()

    async def wait(self, evaluation: Evaluation, found: Found) -> None:
        raise AssertionError("a local check waits for no CI results")

    async def publish(self, verdict: Verdict) -> None:
        return None


def finish(pass_: Coroutine[Any, Any, T]) -> T:
    """Run a pass over a local source to its end, with no event loop.

    Local facts come from git synchronously, so the pipeline's coroutine never waits on
    anything a loop would serve; driving it directly lets ``perfbot check`` run the App's
    pipeline from plain code, or from inside a caller's own running loop.
    """
    try:
        pass_.send(None)
    except StopIteration as done:
        return done.value  # type: ignore[no-any-return]
    pass_.close()
    raise RuntimeError("a local check waited on I/O; nothing it reads should")
