"""One pull request, one verdict: fetch, evaluate, check_runs."""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from typing import Any

from gidgethub import BadRequest, HTTPException

from bot.app import evidence
from bot.app.deadlines import Deadlines
from bot.app.locks import KeyedLocks
from bot.app.steward import Change, Steward
from bot.core import config as config_model
from bot.core.config_report import proposes_config, with_proposed_config
from bot.core.evaluate import (
    DEFAULT_CHECK_NAME,
    config_failure,
    could_not_evaluate,
    evaluate,
    wanted,
)
from bot.core.render import check_output
from bot.core.results import Evaluation
from bot.github import check_runs, contents, pulls
from bot.github.client import GitHub

log = logging.getLogger(__name__)
NOT_PERMITTED = (403, 404, 410)  # no permission, or issues/comments turned off
CHECKLIST_UNWRITABLE = (
    "perfbot could not write the checklist comment (GitHub answered {status}), so "
    "reviewers cannot tick items or sign off variances here. An organisation owner must "
    "accept the App's `pull_requests: write` and `issues: write` permissions."
)
CHECKLIST_UNAVAILABLE = (
    "perfbot could not read the checklist comment (GitHub answered {status}), so this "
    "verdict leaves out sign-offs and ticks. Use “Re-run” on this check to try again."
)


@dataclass(frozen=True, slots=True)
class Reviewer:
    app_id: int
    locks: KeyedLocks
    steward: Steward | None = None  # the reviewer's side: checklist and sign-offs
    deadlines: Deadlines | None = None  # concludes checks that wait for CI results

    async def review(
        self, gh: GitHub, repo: str, pull: dict[str, Any], change: Change | None = None
    ) -> Evaluation:
        """Evaluate a pull request (as a webhook or the REST API describes it) on its head."""
        async with self.locks.hold(pull_key(repo, pull["number"])):
            if change is not None:
                # A command or a tick is about the pull request, not a commit: apply it to
                # the head as it is now, not as read before a push that got the lock first.
                pull = await self._current(gh, repo, int(pull["number"]))
            return await self._review_head(gh, repo, pull, change or Change())

    async def review_current(self, gh: GitHub, repo: str, number: int) -> Evaluation | None:
        """Read the pull request again under its lock, then review it; None once closed.

        GitHub neither orders deliveries nor holds back a late redelivery, so a webhook's
        copy may show a label, description or head the pull request no longer has.
        """
        async with self.locks.hold(pull_key(repo, number)):
            pull = await self._current(gh, repo, number)
            if pull.get("state") != "open":
                return None
            return await self._review_head(gh, repo, pull, Change())

    @staticmethod
    async def _current(gh: GitHub, repo: str, number: int) -> dict[str, Any]:
        return await pulls.get(gh, repo, number)

    async def _review_head(
        self, gh: GitHub, repo: str, pull: dict[str, Any], change: Change
    ) -> Evaluation:
        head_sha = pull["head"]["sha"]
        async with self.locks.hold((repo, head_sha)):
            return await self._review(gh, repo, pull, head_sha, change)

    async def _review(
        self, gh: GitHub, repo: str, pull: dict[str, Any], head_sha: str, change: Change
    ) -> Evaluation:
        finish = None
        # Rules come from the base branch: a pull request must not weaken its own rules.
        try:
            files = await contents.config_files(gh, repo, pull["base"]["ref"])
            source = files.source if files else config_model.builtin_source()
            config = files.load() if files else config_model.load(source)
        except config_model.ConfigError as error:
            run = await check_runs.start(gh, repo, head_sha, DEFAULT_CHECK_NAME, self.app_id)
            evaluation = config_failure(error)
        else:
            run = await check_runs.start(gh, repo, head_sha, config.check_name, self.app_id)
            gathered = await self._evaluate(gh, repo, pull, config, source.origin, run)
            evaluation, proposed, found, paths = gathered
            if found is not None and found.waiting:
                return await self._wait(gh, repo, pull, run, evaluation, found)
            if found is not None and self.deadlines is not None:
                self.deadlines.cancel(repo, head_sha)
            if self.steward is not None and evaluation.results:
                try:
                    evaluation, finish = await self.steward.prepare(
                        gh, repo, pull, config, evaluation, run.id, change, paths
                    )
                except HTTPException as exc:
                    # The verdict stands on the rules alone; a run left in progress
                    # would block the pull request with no reason given.
                    log.warning("checklist of %s#%s unavailable: %s", repo, pull["number"], exc)
                    note = CHECKLIST_UNAVAILABLE.format(status=int(exc.status_code))
                    evaluation = replace(evaluation, notes=(*evaluation.notes, note))
            # Sign-offs cannot excuse it: the PR's own config must not merge broken.
            if proposed is not None:
                evaluation = with_proposed_config(evaluation, proposed)
        changed = await check_runs.complete(
            gh, repo, run, check_output(evaluation), evaluation.conclusion
        )
        if finish is not None:
            try:
                await finish()
            except BadRequest as exc:
                if int(exc.status_code) not in NOT_PERMITTED:
                    raise
                # A permission GitHub refuses will not come by retrying: say so where the
                # author looks, or sign-offs would silently never stick.
                log.warning("checklist of %s#%s refused: %s", repo, pull["number"], exc)
                note = CHECKLIST_UNWRITABLE.format(status=int(exc.status_code))
                evaluation = replace(evaluation, notes=(*evaluation.notes, note))
                changed = await check_runs.complete(
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
        run: check_runs.CheckRun,
        evaluation: Evaluation,
        found: evidence.Found,
    ) -> Evaluation:
        """CI results are still to come: show the check in progress, saying what it awaits."""
        output = replace(check_output(evaluation), title=found.title)
        await check_runs.progress(gh, repo, run, output)
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
        run: check_runs.CheckRun,
    ) -> tuple[
        Evaluation, config_model.ConfigError | None, evidence.Found | None, tuple[str, ...]
    ]:
        try:
            known: list[str] = []

            async def merge_base() -> str:
                if not known:  # asked once per pass: the contents and the baseline need it
                    known.append(await pulls.merge_base(
                        gh, repo, pull["base"]["sha"], pull["head"]["sha"]))
                return known[0]

            pr = await pulls.facts(gh, repo, pull)
            pr = await contents.with_contents(gh, repo, pr, wanted(pr, config), merge_base)
            pr, found = await evidence.attach(gh, repo, pr, pull, config, run.started_at,
                                              merge_base)
            # The PR's own config is not its rules, but it must not merge broken.
            proposed = None
            if proposes_config(pr):
                try:
                    head_files = await contents.config_files(gh, repo, pr.head_sha)
                    if head_files is not None:
                        head_files.load()
                except config_model.ConfigError as error:
                    proposed = error
        except HTTPException as exc:
            # The run exists by now; finish it honestly rather than leave it spinning.
            log.warning("could not fetch %s#%s: %s", repo, pull["number"], exc)
            why = f"GitHub answered {int(exc.status_code)} while perfbot read the pull request."
            return could_not_evaluate(config.check_name, why, origin=origin), None, None, ()
        paths = tuple(f.path for f in pr.files)
        return evaluate(pr, config, origin=origin), proposed, found, paths


def pull_key(repo: str, number: int) -> tuple[str, str, int]:
    """The lock that serialises everything perfbot does to one pull request."""
    return (repo.lower(), "pull", int(number))
