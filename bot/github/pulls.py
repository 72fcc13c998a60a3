"""Pull requests: one read, the open ones for a commit, their changed files, the merge base.

Every "GET the pull request" the App makes goes through ``get``, so handlers and timers
read it one way, and the merge base is asked of GitHub in one place.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from bot.core.facts import ChangedFile, FileStatus, PullRequest
from bot.github.client import GitHub

Json = dict[str, Any]
# GitHub's pull request files listing stops at this many files.
FILES_CAP = 3_000
_STATUSES = frozenset(s.value for s in FileStatus)


async def get(gh: GitHub, repo: str, number: int) -> Json:
    """The pull request as it is now (a webhook's copy may be out of date)."""
    pull: Json = await gh.getitem(f"/repos/{repo}/pulls/{int(number)}")
    return pull


async def open_for_commit(gh: GitHub, repo: str, head_sha: str) -> list[int]:
    """Numbers of the open pull requests whose head is ``head_sha``.

    Events about a commit (a check suite, a workflow run) leave ``pull_requests`` empty
    for pull requests from forks; this finds those too.
    """
    pulls = await gh.getitem(f"/repos/{repo}/commits/{quote(head_sha)}/pulls")
    return [int(p["number"]) for p in pulls
            if p.get("state") == "open" and p["head"]["sha"] == head_sha]


async def compare(gh: GitHub, repo: str, base: str, head: str) -> Json:
    """GitHub's comparison of two commits, without its list of commits."""
    compared: Json = await gh.getitem(
        f"/repos/{repo}/compare/{quote(base)}...{quote(head)}?per_page=1"
    )
    return compared


async def merge_base(gh: GitHub, repo: str, base_sha: str, head_sha: str) -> str:
    """The commit a pull request is judged against: where its head left the base."""
    compared = await compare(gh, repo, base_sha, head_sha)
    return str(compared["merge_base_commit"]["sha"])


async def facts(gh: GitHub, repo: str, payload: Json) -> PullRequest:
    """Facts for the pull request in a webhook payload, its changed files fetched."""
    number = int(payload["number"])
    files: list[ChangedFile] = []
    async for item in gh.getiter(f"/repos/{repo}/pulls/{number}/files?per_page=100"):
        files.append(changed_file(item))
        if len(files) >= FILES_CAP:
            break
    total = payload.get("changed_files")
    total = int(total) if isinstance(total, int) else len(files)
    return from_payload(payload, tuple(files), total_files=max(total, len(files)))


def from_payload(
    payload: dict[str, Any], files: tuple[ChangedFile, ...], *, total_files: int
) -> PullRequest:
    return PullRequest(
        number=int(payload["number"]),
        head_sha=payload["head"]["sha"],
        base_ref=payload["base"]["ref"],
        title=payload.get("title") or "",
        body=payload.get("body") or "",
        author=(payload.get("user") or {}).get("login", ""),
        labels=frozenset(label["name"] for label in payload.get("labels") or ()),
        draft=bool(payload.get("draft")),
        files=files,
        files_truncated=total_files > len(files),
        total_files=total_files,
    )


def changed_file(item: dict[str, Any]) -> ChangedFile:
    status = item.get("status", "modified")
    patch = item.get("patch")
    changes = int(item.get("changes") or 0)
    return ChangedFile(
        path=item["filename"],
        status=FileStatus(status) if status in _STATUSES else FileStatus.CHANGED,
        additions=int(item.get("additions") or 0),
        deletions=int(item.get("deletions") or 0),
        previous_path=item.get("previous_filename"),
        patch=patch,
        # GitHub gives no patch and no line counts for binary files; a large text diff
        # also loses its patch but keeps its counts.
        binary=patch is None and changes == 0 and status != "renamed",
    )


