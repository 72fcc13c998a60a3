"""One pass over one change, written once for both fronts: gather → evaluate → decide → publish.

The App (``bot.app.source``: GitHub) and ``perfbot check`` (``bot.local.source``: git)
differ only in where facts come from (a ``Source``) and where results go (an
``Outlet``); the phases, their order and what they decide are this module's:

1. **gather**: the config from the base, the change's facts, the files the rules want,
   the benchmark evidence CI uploaded, and whether the change breaks its own config;
2. **evaluate**: the pure rules (``bot.core.evaluate``);
3. **decide**: the review so far (ticks, sign-offs, variances) and the event's
   transition (``bot.core.review.transitions``), decided once (``decide``);
4. **publish**: the verdict, the checklist and the replies go out, once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Mapping
from dataclasses import dataclass, field, replace
from typing import Protocol, TypeVar, cast

from bot.core import config as config_model
from bot.core import evidence as core_evidence
from bot.core.config_report import proposes_config, with_proposed_config
from bot.core.evaluate import DEFAULT_CHECK_NAME, config_failure, could_not_evaluate, evaluate
from bot.core.evaluate import wanted as wanted_files
from bot.core.facts import PullRequest, Wants
from bot.core.results import Evaluation
from bot.core.review import transitions
from bot.core.review.decide import Facts, ReviewDecision, decide, who_may_sign_off
from bot.core.review.signoff import current_variances
from bot.core.review.state import ReviewState
from bot.core.rules.benchmarks import Artifacts


class Unavailable(Exception):
    """A fact could not be read; ``reason`` says so where the author looks."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Review:
    """The review so far, as a front keeps it (the App: its checklist comment)."""

    repo: str
    number: int
    key: bytes = field(repr=False)  # signs the state: never in a log
    # Candidates for the current state, best first among equal revisions (the comment's,
    # then the one last written); ``transitions.newest`` picks.
    states: tuple[ReviewState | None, ...] = ()
    ticks: Mapping[str, bool] = field(default_factory=dict)  # as the comment shows them


class Source(Protocol):
    """Where a change's facts come from. Methods raise ``Unavailable`` when a fact cannot be
    read; ``base_ref`` names the branch whose config holds the rules."""

    @property
    def base_ref(self) -> str:
        """The branch the change targets, whose config holds its rules."""
        ...

    @property
    def concurrent(self) -> bool:
        """Whether independent reads may overlap (the App's go to GitHub; the CLI's are git
        commands, its pass driven without an event loop, so they come one by one)."""
        ...

    async def config_files(self, ref: str) -> config_model.ConfigFiles | None:
        """The config committed on ``ref`` (with what it extends); None: the defaults."""
        ...

    async def pull_request(self) -> PullRequest:
        """The change: its description and changed files."""
        ...

    async def contents(self, pr: PullRequest, wants: Wants) -> PullRequest:
        """``pr`` with the whole files the rules want, at the head and the merge base."""
        ...

    async def evidence(self, pr: PullRequest, settings: Artifacts,
                       started_at: str) -> core_evidence.Found | None:
        """The benchmark results CI uploaded; None where a front has no CI to ask."""
        ...

    async def review(self) -> Review | None:
        """The review state and ticks; None where a front keeps no review."""
        ...


@dataclass(frozen=True, slots=True)
class Started:
    started_at: str = ""  # when the verdict was first shown in progress (a wait's start)
    check_url: str = ""  # where the change's checks are shown, the same for every push


@dataclass(frozen=True, slots=True)
class Verdict:
    """What a pass decided, for the outlet to publish."""

    evaluation: Evaluation
    decision: ReviewDecision | None = None
    replies: tuple[str, ...] = ()
    answers: str = ""  # the comment revision the replies answer (keys them against repeats)
    found: core_evidence.Found | None = None
    config_broken: bool = False
    review: Review | None = None  # the review the decision started from


class Outlet(Protocol):
    """Where results go."""

    async def begin(self, check_name: str) -> Started:
        """Find what ``check_name`` shows already (the App: the head's check run, if any);
        nothing is shown until the verdict (``publish``) or a wait (``wait``)."""
        ...

    async def wait(self, evaluation: Evaluation, found: core_evidence.Found) -> None:
        """The verdict waits for CI's results: show what it waits for, until when."""
        ...

    async def publish(self, verdict: Verdict) -> None:
        """The verdict, and the checklist and replies when there are any."""
        ...


@dataclass(frozen=True, slots=True)
class Gathered:
    config: config_model.Config
    origin: str
    pr: PullRequest
    found: core_evidence.Found | None = None
    proposed: config_model.ConfigError | None = None
    review: Review | Unavailable | None = None  # read with the facts, for decide


async def run(source: Source, outlet: Outlet,
              event: transitions.Event = transitions.Reevaluate(), *, now: str = "") -> Verdict:
    """One pass: gather → evaluate → decide → publish. ``now``: ISO time for records."""
    # Rules come from the base branch: a change must not weaken its own rules.
    try:
        config, origin = await gather_config(source)
    except config_model.ConfigError as error:
        await outlet.begin(DEFAULT_CHECK_NAME)
        verdict = Verdict(config_failure(error), config_broken=True)
        await outlet.publish(verdict)
        return verdict
    try:
        # Independent reads go out together: the head's run (unless known), the change's
        # files and the review so far.
        started, pr, review = await together(source.concurrent, outlet.begin(config.check_name),
                                             source.pull_request(), _review_so_far(source))
        gathered = await gather(source, config, origin, started, pr, review)
    except Unavailable as exc:
        # Say so on the check rather than leave the change without one.
        verdict = Verdict(could_not_evaluate(config.check_name, exc.reason, origin=origin))
        await outlet.publish(verdict)
        return verdict
    evaluation = evaluate(gathered.pr, config, origin=origin)
    if gathered.found is not None and gathered.found.waiting:
        await outlet.wait(evaluation, gathered.found)
        return Verdict(evaluation, found=gathered.found)
    verdict = await decide_review(source, gathered, evaluation, event, started, now)
    await outlet.publish(verdict)
    return verdict


async def gather_config(source: Source) -> tuple[config_model.Config, str]:
    """The base's config and where it came from; raises ``ConfigError``."""
    files = await source.config_files(source.base_ref)
    if files is None:
        built_in = config_model.builtin_source()
        return config_model.load(built_in), built_in.origin
    return files.load(), files.source.origin


async def gather(source: Source, config: config_model.Config, origin: str,
                 started: Started, pr: PullRequest,
                 review: Review | Unavailable | None = None) -> Gathered:
    """What the rules want read, CI's evidence and the proposed config, read together (each
    needs only the change's files)."""
    read, found, proposed = await together(
        source.concurrent,
        source.contents(pr, wanted_files(pr, config)),
        _evidence(source, config, pr, started),
        proposed_config_error(source, pr))
    if found is not None:
        read = replace(read, artifacts=found.evidence)
    return Gathered(config, origin, read, found, proposed, review)


async def _evidence(source: Source, config: config_model.Config, pr: PullRequest,
                    started: Started) -> core_evidence.Found | None:
    settings = core_evidence.wanted(config, pr)
    if settings is None:  # an out-of-scope change waits for nothing
        return None
    return await source.evidence(pr, settings, started.started_at)


async def _review_so_far(source: Source) -> Review | Unavailable | None:
    """The review, read beside the change's facts. A review that cannot be read does not
    stop the pass (``decide_review`` notes it); a change the top-level scope skips never
    uses it (a read that is usually a free 304)."""
    try:
        return await source.review()
    except Unavailable as exc:
        return exc


T1 = TypeVar("T1")
T2 = TypeVar("T2")
T3 = TypeVar("T3")


async def together(at_once: bool, first: Awaitable[T1], second: Awaitable[T2],
                   third: Awaitable[T3]) -> tuple[T1, T2, T3]:
    """Three independent reads, at once when ``at_once``, else one by one. At once, each
    runs to its end (a read left half done helps no one, and what ``first`` found stays
    valid); then the first failure, in argument order, is raised as it is."""
    if not at_once:
        return await first, await second, await third
    outcomes = await asyncio.gather(_outcome(first), _outcome(second), _outcome(third))
    for failed, value in outcomes:
        if failed:
            raise cast(BaseException, value)
    return cast(T1, outcomes[0][1]), cast(T2, outcomes[1][1]), cast(T3, outcomes[2][1])


async def _outcome(read: Awaitable[object]) -> tuple[bool, object]:
    """(failed, the value or the exception): a read may well return an exception."""
    try:
        return False, await read
    except Exception as exc:  # every failure is re-raised by ``together``
        return True, exc


async def proposed_config_error(source: Source,
                                pr: PullRequest) -> config_model.ConfigError | None:
    """When the change edits the config file, what is wrong with its version at the head.

    The change's own config is not its rules, but it must not merge broken.
    """
    if not proposes_config(pr):
        return None
    try:
        files = await source.config_files(pr.head_sha)
        if files is not None:
            files.load()
    except config_model.ConfigError as error:
        return error
    return None


async def decide_review(source: Source, gathered: Gathered, evaluation: Evaluation,
                        event: transitions.Event, started: Started, now: str) -> Verdict:
    """Sign-offs and required ticks change the verdict: decided once, from the review so
    far and the event. A proposed broken config fails the check whatever was signed off."""
    decision: ReviewDecision | None = None
    replies: tuple[str, ...] = ()
    review: Review | None = None
    note = ""
    if evaluation.results:
        read = gathered.review
        if isinstance(read, Unavailable):
            # The verdict stands on the rules alone; a check left without a verdict would
            # block the pull request with no reason given.
            review, note = None, read.reason
        else:
            review = read
        if review is not None:
            decision, replies = _decide(gathered, evaluation, event, review, started, now)
            evaluation = decision.evaluation
    if note:
        evaluation = replace(evaluation, notes=(*evaluation.notes, note))
    if gathered.proposed is not None:
        evaluation = with_proposed_config(evaluation, gathered.proposed)
    return Verdict(evaluation, decision, replies, transitions.answers(event), gathered.found,
                   review=review)


def _decide(gathered: Gathered, evaluation: Evaluation, event: transitions.Event,
            review: Review, started: Started,
            now: str) -> tuple[ReviewDecision, tuple[str, ...]]:
    config, pr = gathered.config, gathered.pr
    state = transitions.newest(*review.states, transitions.fallback(event))
    changed, replies = transitions.apply(event, state, current_variances(evaluation.results),
                                         pr.head_sha, now)
    state = transitions.bump(changed, state)
    facts = Facts(repo=review.repo, number=review.number,
                  paths=tuple(f.path for f in pr.files), check_url=started.check_url, now=now)
    decision = decide(evaluation, config, config.review, state, review.ticks, facts,
                      review.key, transitions.edit(event))
    replies += transitions.reverted_reply(event, decision.reverted,
                                          who_may_sign_off(config.review.signoff))
    return decision, replies
