"""The sweep against GitHub: remind overdue mitigations, report expired instrumentation.

Markers are found cheaply: one recursive tree read of the default branch, then blobs of
at most ``sweep.MAX_FILES`` source-like files (or those ``review.sweep.temporary_paths``
names) no larger than ``sweep.MAX_FILE_BYTES``. Every write is found before it is made
(hidden markers), so sweeping twice, or from two places, never says anything twice.
"""

from __future__ import annotations

import base64
import binascii
import logging
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from urllib.parse import quote

from bot.core import config as config_model
from bot.core.review import mitigation, sweep
from bot.github import conversation, fetch
from bot.github.client import GitHub

log = logging.getLogger(__name__)


@dataclass
class Report:
    reminded: list[int] = field(default_factory=list)  # mitigation issue numbers
    expired: list[sweep.Temporary] = field(default_factory=list)
    opened: list[int] = field(default_factory=list)  # instrumentation issue numbers


async def sweep_repo(gh: GitHub, repo: str, app_id: int, today: date) -> Report:
    meta = await gh.getitem(f"/repos/{repo}")
    branch = meta.get("default_branch") or "main"
    try:
        config = await fetch.load_config(gh, repo, branch)
    except config_model.ConfigError:
        config = config_model.Config()
    report = Report()
    await _remind(gh, repo, app_id, config, today, report)
    await _temporaries(gh, repo, branch, meta.get("html_url") or "", config, today, report)
    return report


async def _remind(gh: GitHub, repo: str, app_id: int, config: config_model.Config,
                  today: date, report: Report) -> None:
    settings = config.review
    issues = await conversation.issues_labelled(gh, repo, settings.mitigation.labels, "open")
    for issue in issues:
        tracked = mitigation.tracked(issue.get("body"))
        if tracked is None or tracked.due is None:
            continue
        bodies = [c.get("body") or "" async for c in
                  conversation.comments(gh, repo, int(issue["number"]))
                  if conversation.by_app(c, app_id)]
        last = sweep.last_reminder(bodies)
        if not sweep.reminder_due(tracked.due, today, last, settings.sweep.reminder_days):
            continue
        owners = tuple(a["login"] for a in issue.get("assignees") or [])
        await conversation.reply(gh, repo, int(issue["number"]),
                                 sweep.reminder(tracked.due, today, owners))
        report.reminded.append(int(issue["number"]))


async def _temporaries(gh: GitHub, repo: str, branch: str, web: str,
                       config: config_model.Config, today: date, report: Report) -> None:
    settings = config.review.sweep
    tree = await gh.getitem(f"/repos/{repo}/git/trees/{quote(branch, safe='')}?recursive=1")
    blobs = {e["path"]: e["sha"] for e in tree.get("tree", []) if e.get("type") == "blob"}
    sizes = [(e["path"], int(e.get("size") or 0)) for e in tree.get("tree", [])
             if e.get("type") == "blob"]
    for path in sweep.candidates(sizes, settings.temporary_paths):
        text = await _blob(gh, repo, blobs[path])
        if text is not None:
            report.expired += sweep.expired(
                sweep.temporaries(path, text, settings.temporary_marker), today)
    if not report.expired:
        return
    existing = await conversation.issues_labelled(gh, repo, settings.temporary_labels)
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
                          await conversation.issues_labelled(gh, repo, ())
                          if (i.get("user") or {}).get("type") == "Bot"]
        if any(marker in b for b in unlabelled):
            continue
        url = f"{web}/blob/{branch}/{quote(item.path)}#L{item.line}" if web else ""
        title, body = sweep.temporary_issue(item, url)
        data: dict[str, Any] = {"title": title[:256], "body": body,
                                "labels": list(settings.temporary_labels)}
        created = await gh.post(f"/repos/{repo}/issues", data=data)
        bodies.append(body)
        report.opened.append(int(created["number"]))


async def _blob(gh: GitHub, repo: str, sha: str) -> str | None:
    blob = await gh.getitem(f"/repos/{repo}/git/blobs/{sha}")
    try:
        return base64.b64decode(blob.get("content") or "").decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
