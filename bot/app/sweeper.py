"""The sweep: remind overdue mitigations, report expired temporary instrumentation.

``sweep_repo`` sweeps one repository (``perfbot sweep`` calls it from cron); ``Sweeper``
sweeps, once a day in one replica (``bot.app.periodic``), every repository perfbot has
heard from in the last ``KEEP_SECONDS``, which the store keeps for every replica. An
installation with no activity has nothing new to remind about, and ``perfbot sweep``
covers the rest.

Markers are found cheaply: one recursive tree read of the default branch, then blobs of
at most ``sweep.MAX_FILES`` source-like files (or those ``review.sweep.temporary_paths``
names) no larger than ``sweep.MAX_FILE_BYTES``. Every write is found before it is made
(hidden markers), so sweeping twice, or from two places, never says anything twice.
"""

from __future__ import annotations

import base64
import binascii
import logging
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import quote

from gidgethub.sansio import Event

from bot.core import config as config_model
from bot.core.review import mitigation, sweep
from bot.github import comments, contents, issues
from bot.github.app import GitHubApp
from bot.github.client import GitHub
from bot.store import Store

log = logging.getLogger(__name__)

INTERVAL = 24 * 3600.0
# The first sweep of a new store comes an hour after start, not a day; after that the
# store's record of the last sweep says when the next is owed, restarts or not.
FIRST = 3600.0
NAMESPACE = "sweep-repos"
# A repository perfbot has not heard from for this long is no longer swept.
KEEP_SECONDS = 90 * 24 * 3600.0
# How often one process tells the store again that it heard from a repository.
REFRESH_SECONDS = 24 * 3600.0


class Sweeper:
    def __init__(self, github: GitHubApp, store: Store) -> None:
        self._github = github
        self._store = store
        self._told: dict[str, tuple[int, float]] = {}  # repo → (installation, when told)

    async def saw(self, event: Event) -> None:
        """Remember the repository of a delivery (one write per repository and day)."""
        data: Any = event.data
        if not isinstance(data, dict):
            return
        repo = (data.get("repository") or {}).get("full_name")
        installation = (data.get("installation") or {}).get("id")
        if not isinstance(repo, str) or not isinstance(installation, int):
            return
        told = self._told.get(repo)
        now = time.monotonic()
        if told is not None and told[0] == installation and now - told[1] < REFRESH_SECONDS:
            return
        await self._store.put(NAMESPACE, repo, installation, ttl=KEEP_SECONDS)
        self._told[repo] = (installation, now)

    async def sweep(self) -> None:
        today = datetime.now(UTC).date()
        repos = await self._store.scan(NAMESPACE)
        for repo, installation in sorted(repos.items()):
            try:
                gh = await self._github.installation(int(installation))
                report = await sweep_repo(gh, repo, self._github.app_id, today)
            except Exception:  # one repository's trouble must not stop the others
                log.exception("sweep of %s failed", repo)
                continue
            log.info("swept %s: %d reminders, %d expired markers, %d issues opened", repo,
                     len(report.reminded), len(report.expired), len(report.opened))


@dataclass
class Report:
    reminded: list[int] = field(default_factory=list)  # mitigation issue numbers
    expired: list[sweep.Temporary] = field(default_factory=list)
    opened: list[int] = field(default_factory=list)  # instrumentation issue numbers


async def sweep_repo(gh: GitHub, repo: str, app_id: int, today: date) -> Report:
    meta = await contents.repository(gh, repo)
    branch = meta.get("default_branch") or "main"
    try:
        config = await contents.load_config(gh, repo, branch)
    except config_model.ConfigError:
        config = config_model.Config()
    report = Report()
    await _remind(gh, repo, app_id, config, today, report)
    await _temporaries(gh, repo, branch, meta.get("html_url") or "", config, today, report)
    return report


async def _remind(gh: GitHub, repo: str, app_id: int, config: config_model.Config,
                  today: date, report: Report) -> None:
    settings = config.review
    open_issues = await issues.labelled(gh, repo, settings.mitigation.labels, "open")
    for issue in open_issues:
        tracked = mitigation.tracked(issue.get("body"))
        if tracked is None or tracked.due is None:
            continue
        bodies = [c.get("body") or "" async for c in
                  comments.comments(gh, repo, int(issue["number"]))
                  if comments.by_app(c, app_id)]
        last = sweep.last_reminder(bodies)
        if not sweep.reminder_due(tracked.due, today, last, settings.sweep.reminder_days):
            continue
        owners = tuple(a["login"] for a in issue.get("assignees") or [])
        await comments.reply(gh, repo, int(issue["number"]),
                                 sweep.reminder(tracked.due, today, owners))
        report.reminded.append(int(issue["number"]))


async def _temporaries(gh: GitHub, repo: str, branch: str, web: str,
                       config: config_model.Config, today: date, report: Report) -> None:
    settings = config.review.sweep
    entries = await contents.tree(gh, repo, branch)
    blobs = {e["path"]: e["sha"] for e in entries if e.get("type") == "blob"}
    sizes = [(e["path"], int(e.get("size") or 0)) for e in entries if e.get("type") == "blob"]
    for path in sweep.candidates(sizes, settings.temporary_paths):
        text = await _blob(gh, repo, blobs[path])
        if text is not None:
            report.expired += sweep.expired(
                sweep.temporaries(path, text, settings.temporary_marker), today)
    if not report.expired:
        return
    existing = await issues.labelled(gh, repo, settings.temporary_labels)
    bodies = [i.get("body") or "" for i in existing]
    unlabelled: list[str] | None = None
    for item in report.expired:
        marker = sweep.TEMPORARY_MARKER.format(path=item.path, due=item.due.isoformat())
        if any(marker in b for b in bodies):
            continue
        if unlabelled is None:
            # Someone may have taken the label off perfbot's issue: look at every issue
            # (once per sweep, and only when a marker has none labelled) before opening one.
            unlabelled = [i.get("body") or "" for i in
                          await issues.labelled(gh, repo, ())
                          if (i.get("user") or {}).get("type") == "Bot"]
        if any(marker in b for b in unlabelled):
            continue
        url = f"{web}/blob/{branch}/{quote(item.path)}#L{item.line}" if web else ""
        title, body = sweep.temporary_issue(item, url)
        data: dict[str, Any] = {"title": title[:256], "body": body,
                                "labels": list(settings.temporary_labels)}
        created = await issues.create(gh, repo, data)
        bodies.append(body)
        report.opened.append(int(created["number"]))


async def _blob(gh: GitHub, repo: str, sha: str) -> str | None:
    content = await contents.blob_content(gh, repo, sha)
    try:
        return base64.b64decode(content).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
