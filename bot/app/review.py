"""One pull request, one verdict: fetch, evaluate, publish."""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from typing import Any

from gidgethub import HTTPException

from bot.app import evidence
from bot.app.deadlines import Deadlines
from bot.app.locks import KeyedLocks
from bot.core import config as config_model
from bot.core.evaluate import (
    DEFAULT_CHECK_NAME,
    config_failure,
    could_not_evaluate,
    evaluate,
    wanted,
)
from bot.core.render import check_output
from bot.core.results import Evaluation
from bot.github import fetch, publish
from bot.github.client import GitHub

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Reviewer:
    app_id: int
    locks: KeyedLocks
    deadlines: Deadlines | None = None

    async def review(self, gh: GitHub, repo: str, pull: dict[str, Any]) -> Evaluation:
        """Evaluate a pull request (as a webhook or the REST API describes it) on its head."""
        head_sha = pull["head"]["sha"]
        async with self.locks.hold((repo, head_sha)):
            return await self._review(gh, repo, pull, head_sha)

    async def _review(
        self, gh: GitHub, repo: str, pull: dict[str, Any], head_sha: str
    ) -> Evaluation:
        # Rules come from the base branch: a pull request must not weaken its own rules.
        try:
            source = await fetch.config_source(gh, repo, pull["base"]["ref"])
            source = source or config_model.builtin_source()
            config = config_model.load(source)
        except config_model.ConfigError as error:
            run = await publish.start(gh, repo, head_sha, DEFAULT_CHECK_NAME, self.app_id)
            evaluation = config_failure(error)
        else:
            run = await publish.start(gh, repo, head_sha, config.check_name, self.app_id)
            evaluation, found = await self._evaluate(gh, repo, pull, config, source.origin, run)
            if found is not None and found.waiting:
                return await self._wait(gh, repo, pull, run, evaluation, found)
        changed = await publish.complete(
            gh, repo, run, check_output(evaluation), evaluation.conclusion
        )
        log.info(
            "%s#%s@%s: %s%s", repo, pull["number"], head_sha[:12],
            evaluation.conclusion.value, "" if changed else " (unchanged)",
        )
        return evaluation

    async def _wait(
        self,
        gh: GitHub,
        repo: str,
        pull: dict[str, Any],
        run: publish.CheckRun,
        evaluation: Evaluation,
        found: evidence.Found,
    ) -> Evaluation:
        """CI results are still to come: show the check in progress, saying what it awaits."""
        output = replace(check_output(evaluation), title=found.title)
        await publish.progress(gh, repo, run, output)
        if self.deadlines is not None and found.deadline is not None:
            self.deadlines.wake(gh, repo, int(pull["number"]), pull["head"]["sha"],
                                found.deadline, self.review)
        log.info("%s#%s@%s: waiting for %s", repo, pull["number"], pull["head"]["sha"][:12],
                 found.evidence.artifact)
        return evaluation

    async def _evaluate(
        self,
        gh: GitHub,
        repo: str,
        pull: dict[str, Any],
        config: config_model.Config,
        origin: str,
        run: publish.CheckRun,
    ) -> tuple[Evaluation, evidence.Found | None]:
        try:
            pr = await fetch.pull_request(gh, repo, pull)
            pr = await fetch.with_contents(
                gh, repo, pr, wanted(pr, config), pull["base"]["sha"]
            )
            pr, found = await evidence.attach(gh, repo, pr, pull, config, run.started_at)
        except HTTPException as exc:
            # The run exists by now; finish it honestly rather than leave it spinning.
            log.warning("could not fetch %s#%s: %s", repo, pull["number"], exc)
            why = f"GitHub answered {int(exc.status_code)} while perfbot read the pull request."
            return could_not_evaluate(config.check_name, why, origin=origin), None
        return evaluate(pr, config, origin=origin), found
