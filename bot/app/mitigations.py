"""After a merge: open the issues that track accepted variances, close those now mitigated.

Runs under the pull request's lock and finds before it creates (hidden marker among the
issues with perfbot's label), so redelivered or racing ``closed`` events open nothing twice.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any

from gidgethub import BadRequest, InvalidField, RedirectionException, ValidationError

from bot.app.steward import Steward
from bot.core import config as config_model
from bot.core.review import mitigation
from bot.core.review.state import ReviewState
from bot.github import comments, issues
from bot.github.client import GitHub, converge

log = logging.getLogger(__name__)

NO_ISSUES = (
    "perfbot could not open the issues that track this pull request's signed-off "
    "mitigations: GitHub answered {status}. Issues must be enabled on this repository "
    "and the App needs the `issues: write` permission (an owner accepts it in the "
    "installation settings); then redeliver this pull request's `closed` event."
)


async def merged(
    gh: GitHub, steward: Steward, repo: str, pull: dict[str, Any], config: config_model.Config
) -> None:
    settings = config.review.mitigation
    number = int(pull["number"])
    state = await steward.state(gh, repo, number)
    if not settings.enabled:
        return
    url = pull.get("html_url") or ""
    existing = await issues.labelled(gh, repo, settings.labels)
    existing += await _linked(gh, steward.app_id, repo, number, existing)
    opened: list[tuple[str, int, str]] = []
    for draft in mitigation.drafts(state, settings, repo, number, url):
        issue = _find(existing, repo, number, draft.key)
        if issue is None:
            try:
                issue = await _create_converging(gh, repo, draft)
            except BadRequest as exc:
                if int(exc.status_code) not in (403, 410):
                    raise
                await _no_issues(gh, steward, repo, number, exc)
                return
            existing.append(issue)
        opened.append((draft.key, int(issue["number"]), issue.get("html_url") or ""))
    if opened:
        text = mitigation.links_comment(opened)
        await comments.upsert(gh, repo, number, steward.app_id, mitigation.LINKS_MARKER,
                                  lambda current: text)
    if settings.close_on_recovery:
        await _recover(gh, steward, repo, number, url, state, existing)


async def _no_issues(gh: GitHub, steward: Steward, repo: str, number: int,
                     refusal: BadRequest) -> None:
    """Not perfbot's to fix: say so where the people who merged will see it.

    It takes the links comment's place, so a redelivery after the fix replaces it.
    """
    log.warning("%s#%s: cannot open mitigation issues (%s)", repo, number, refusal)
    text = f"{mitigation.LINKS_MARKER}\n{NO_ISSUES.format(status=int(refusal.status_code))}"
    await comments.upsert(gh, repo, number, steward.app_id, mitigation.LINKS_MARKER,
                              lambda current: text)


async def _linked(gh: GitHub, app_id: int, repo: str, number: int,
                  known: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The issues perfbot's links comment on the PR names, beyond ``known``.

    Someone may take perfbot's label off an issue; the links comment still names it, so
    a redelivered ``closed`` event finds it rather than opening another.
    """
    links = await comments.find_own(gh, repo, number, app_id, mitigation.LINKS_MARKER)
    if links is None:
        return []
    have = {int(i["number"]) for i in known}
    found = []
    for linked in dict.fromkeys(int(n) for n in re.findall(r"#(\d+)", links.body)):
        if linked in have:
            continue
        try:
            found.append(await issues.get(gh, repo, linked))
        except (BadRequest, RedirectionException) as exc:  # deleted or transferred
            log.info("%s#%s names issue #%s, which GitHub cannot show: %s", repo, number,
                     linked, exc)
    return found


async def _create_converging(
    gh: GitHub, repo: str, draft: mitigation.IssueDraft
) -> dict[str, Any]:
    async def attempt() -> dict[str, Any]:
        return await _create(gh, repo, draft)

    return await converge(gh, attempt)


async def _create(gh: GitHub, repo: str, draft: mitigation.IssueDraft) -> dict[str, Any]:
    """Create the issue unless an earlier attempt did (its response lost to a 5xx)."""
    found = _find(await issues.labelled(gh, repo, draft.labels), repo,
                  *_ref(draft))
    if found is not None:
        return found
    data: dict[str, Any] = {"title": draft.title, "body": draft.body, "labels": list(draft.labels)}
    if draft.assignees:
        data["assignees"] = list(draft.assignees)
    if draft.milestone is not None:
        data["milestone"] = draft.milestone
    try:
        item = await issues.create(gh, repo, data)
    except (InvalidField, ValidationError) as exc:
        # A milestone or assignee GitHub refuses must not cost the issue itself.
        log.warning("%s refused the mitigation issue's extras (%s); opening it without", repo,
                    exc)
        data.pop("milestone", None)
        data.pop("assignees", None)
        item = await issues.create(gh, repo, data)
    return item


def _ref(draft: mitigation.IssueDraft) -> tuple[int, str]:
    tracked = mitigation.tracked(draft.body)
    assert tracked is not None
    return tracked.number, tracked.key


def _find(known: list[dict[str, Any]], repo: str, number: int, key: str) -> dict[str, Any] | None:
    for issue in known:
        tracked = mitigation.tracked(issue.get("body"))
        if tracked and (tracked.repo.lower(), tracked.number, tracked.key) == (
                repo.lower(), number, key):
            return issue
    return None


async def _recover(gh: GitHub, steward: Steward, repo: str, number: int, url: str,
                   state: ReviewState, known: list[dict[str, Any]]) -> None:
    marker = mitigation.RECOVERED_MARKER.format(repo=repo, number=number)
    for issue in known:
        tracked = mitigation.tracked(issue.get("body"))
        if issue.get("state") != "open" or tracked is None or tracked.number == number:
            continue
        back = mitigation.recovered(tracked, state)
        if not back or len(back) < len(tracked.variances):
            continue
        text = mitigation.recovery_comment(repo, number, url, back, state.check_url)
        await comments.upsert(gh, repo, int(issue["number"]), steward.app_id, marker,
                                  _constant(text))
        await issues.close_completed(gh, repo, int(issue["number"]))


def _constant(text: str) -> Callable[[comments.Comment | None], str]:
    return lambda current: text
