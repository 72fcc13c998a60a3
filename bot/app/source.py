"""The App's side of the pipeline: facts from GitHub in, verdicts to GitHub out.

``GitHubSource`` gathers what ``bot.pipeline`` asks for, in as few requests as possible
(the merge base is asked once a pass, though the rules' files and the benchmark baseline
both need it); ``GitHubOutlet`` publishes the check run, the checklist and the replies,
and keeps the server's timer for a wait on CI.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from http import HTTPStatus
from typing import Any

import aiohttp
from gidgethub import BadRequest, GitHubBroken, HTTPException

from bot.app import evidence
from bot.app.deadlines import Deadlines, Review
from bot.app.steward import Steward
from bot.core import config as config_model
from bot.core.evaluate import could_not_evaluate
from bot.core.evidence import Found
from bot.core.facts import PullRequest, Wants
from bot.core.render import check_output
from bot.core.results import Evaluation
from bot.core.rules.benchmarks import Artifacts
from bot.github import check_runs, contents, pulls
from bot.github.client import GitHub
from bot.pipeline import Review as ReviewSoFar
from bot.pipeline import Started, Unavailable, Verdict

log = logging.getLogger(__name__)
Json = dict[str, Any]
NOT_PERMITTED = (403, 404, 410)  # no permission, or issues/comments turned off
UNREADABLE = "GitHub answered {status} while perfbot read the pull request."
CHECKLIST_UNWRITABLE = (
    "perfbot could not write the checklist comment (GitHub answered {status}), so "
    "reviewers cannot tick items or sign off variances here. An organisation owner must "
    "accept the App's `pull_requests: write` and `issues: write` permissions."
)
STOPPED_TITLE = "perfbot could not finish: {what}"
STOPPED = (
    "perfbot stopped before reaching a verdict on this commit ({what}); this says nothing "
    "about the change."
)
CHECKLIST_UNAVAILABLE = (
    "perfbot could not read the checklist comment (GitHub answered {status}), so this "
    "verdict leaves out sign-offs and ticks. Use “Re-run” on this check to try again."
)


class GitHubSource:
    """One pull request's facts, as GitHub (a pull request as the REST API shows it) has them."""

    def __init__(self, gh: GitHub, repo: str, pull: Json, steward: Steward) -> None:
        self.gh, self.repo, self.pull, self.steward = gh, repo, pull, steward
        self.base_ref: str = pull["base"]["ref"]
        self._merge_base: str | None = None

    async def config_files(self, ref: str) -> config_model.ConfigFiles | None:
        with self._reading():
            return await contents.config_files(self.gh, self.repo, ref)

    async def pull_request(self) -> PullRequest:
        with self._reading():
            return await pulls.facts(self.gh, self.repo, self.pull)

    async def contents(self, pr: PullRequest, wants: Wants) -> PullRequest:
        with self._reading():
            return await contents.with_contents(self.gh, self.repo, pr, wants, self.merge_base)

    async def evidence(self, pr: PullRequest, settings: Artifacts, started_at: str) -> Found:
        with self._reading():
            return await evidence.gather(self.gh, self.repo, self.pull, settings, started_at,
                                         self.merge_base)

    async def review(self) -> ReviewSoFar:
        try:
            return await self.steward.review(self.gh, self.repo, int(self.pull["number"]))
        except HTTPException as exc:
            log.warning("checklist of %s#%s unavailable: %s", self.repo, self.pull["number"],
                        exc)
            raise Unavailable(CHECKLIST_UNAVAILABLE.format(status=int(exc.status_code))) from exc

    async def merge_base(self) -> str:
        """Asked of GitHub once a pass: the rules' files and the benchmark baseline need it."""
        if self._merge_base is None:
            self._merge_base = await pulls.merge_base(
                self.gh, self.repo, self.pull["base"]["sha"], self.pull["head"]["sha"])
        return self._merge_base

    def _reading(self) -> _Reading:
        return _Reading(self.repo, int(self.pull["number"]))


class _Reading:
    """GitHub refusing a read becomes ``Unavailable``: the check then says so.

    GitHub failing one (a 5xx beyond the retries) is not a verdict: it goes on up, so the
    delivery fails and is tried again later, and meanwhile the run says what stopped it.
    """

    def __init__(self, repo: str, number: int) -> None:
        self.repo, self.number = repo, number

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: object) -> None:
        if isinstance(exc, GitHubBroken):
            raise ReadFailed(int(exc.status_code)) from exc
        if isinstance(exc, HTTPException):
            log.warning("could not fetch %s#%s: %s", self.repo, self.number, exc)
            raise Unavailable(UNREADABLE.format(status=int(exc.status_code))) from exc


class ReadFailed(GitHubBroken):
    """GitHub failed a read beyond the retries (a 5xx): the delivery fails, to be tried
    again; the message (kept with the failed delivery) names the status."""

    def __init__(self, status: int) -> None:
        super().__init__(HTTPStatus(status),
                         f"GitHub answered {status} while perfbot read the pull request")


class GitHubOutlet:
    """Where one pass's results go: the head's check run, the checklist, the replies."""

    def __init__(self, gh: GitHub, repo: str, pull: Json, app_id: int, steward: Steward,
                 deadlines: Deadlines, again: Review) -> None:
        self.gh, self.repo, self.pull, self.app_id = gh, repo, pull, app_id
        self.steward, self.deadlines, self.again = steward, deadlines, again
        self.head_sha: str = pull["head"]["sha"]
        self.number = int(pull["number"])
        self._run: check_runs.CheckRun | None = None
        self._check_name = ""
        # The run shows what this pass meant it to (a verdict, or a wait with its timer).
        self._settled = False

    async def begin(self, check_name: str) -> Started:
        """The head's check run, created in progress unless it exists (``started_at`` is
        when a wait for CI began)."""
        self._check_name = check_name
        self._run = await check_runs.start(self.gh, self.repo, self.head_sha, check_name,
                                           self.app_id)
        web = ((self.pull.get("base") or {}).get("repo") or {}).get("html_url") or ""
        return Started(self._run.started_at, f"{web}/runs/{self._run.id}" if web else "")

    async def wait(self, evaluation: Evaluation, found: Found) -> None:
        """CI results are still to come: show the check in progress, saying what it awaits."""
        output = replace(check_output(evaluation), title=found.title)
        await check_runs.progress(self.gh, self.repo, self.run, output)
        if found.deadline is not None:
            self.deadlines.wake(self.gh, self.repo, self.number, self.head_sha, found.deadline,
                                self.again)
            self._settled = True  # in progress on purpose: the timer concludes it
        log.info("%s#%s@%s: waiting for %s", self.repo, self.number, self.head_sha[:12],
                 found.evidence.artifact)

    async def publish(self, verdict: Verdict) -> None:
        if verdict.found is not None:
            self.deadlines.cancel(self.repo, self.head_sha)  # the wait is over
        evaluation = verdict.evaluation
        changed = await self._complete(evaluation)
        if verdict.decision is not None and verdict.review is not None:
            try:
                await self.steward.write(self.gh, self.repo, self.number, verdict.decision,
                                         verdict.review.ticks)
                await self.steward.reply(self.gh, self.repo, self.number, verdict.replies,
                                         verdict.answers)
            except BadRequest as exc:
                if int(exc.status_code) not in NOT_PERMITTED:
                    raise
                # A permission GitHub refuses will not come by retrying: say so where the
                # author looks, or sign-offs would silently never stick.
                log.warning("checklist of %s#%s refused: %s", self.repo, self.number, exc)
                note = CHECKLIST_UNWRITABLE.format(status=int(exc.status_code))
                evaluation = replace(evaluation, notes=(*evaluation.notes, note))
                changed = await self._complete(evaluation)
        log.info("%s#%s@%s: %s%s", self.repo, self.number, self.head_sha[:12],
                 evaluation.conclusion.value, "" if changed else " (unchanged)")

    async def abandon(self, error: BaseException) -> None:
        """The pass failed with the run in progress: complete it with a title that says
        what failed, so no error leaves the check spinning (and a required check blocking
        the pull request). A later pass (a retry, a re-run, a push) brings the verdict.
        A run that had a verdict before this pass keeps it: one failed re-evaluation must
        not turn a passing check into a failing one."""
        if self._run is None or self._settled or self._run.status == "completed":
            return
        what = failure(error)
        evaluation = could_not_evaluate(self._check_name, STOPPED.format(what=what),
                                        title=STOPPED_TITLE.format(what=what))
        try:
            await self._complete(evaluation)
        except Exception as exc:  # GitHub is down or refusing: nothing more to do here
            log.warning("could not mark the check of %s#%s@%s as stopped: %s", self.repo,
                        self.number, self.head_sha[:12], exc)

    @property
    def run(self) -> check_runs.CheckRun:
        assert self._run is not None, "begin() comes first"
        return self._run

    async def _complete(self, evaluation: Evaluation) -> bool:
        changed = await check_runs.complete(self.gh, self.repo, self.run,
                                            check_output(evaluation), evaluation.conclusion)
        self._settled = True
        return changed


def failure(error: BaseException) -> str:
    """What stopped a pass, in words for the check's title (never the error's text)."""
    if isinstance(error, HTTPException):
        return f"GitHub answered {int(error.status_code)}"
    if isinstance(error, TimeoutError | aiohttp.ClientError):
        return "GitHub did not answer"
    return f"an internal error ({type(error).__name__})"
