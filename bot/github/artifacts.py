"""GitHub Actions: workflow runs, their artifacts, and fetching one safely."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlencode

import aiohttp
from gidgethub import HTTPException

from bot.core.bench.archive import ArchiveError, Limits, extract
from bot.github.client import DownloadTooLarge, GitHub

Json = dict[str, Any]


async def runs(
    gh: GitHub, repo: str, workflow: str, per_page: int = 20, **query: str
) -> list[Json]:
    """Runs of ``workflow`` (its file name or id), newest first."""
    params = urlencode({**query, "per_page": per_page})
    data = await gh.getitem(f"/repos/{repo}/actions/workflows/{quote(workflow)}/runs?{params}")
    found: list[Json] = list(data.get("workflow_runs") or [])
    return sorted(found, key=lambda run: int(run["id"]), reverse=True)


async def artifact(gh: GitHub, repo: str, run_id: int, name: str) -> Json | None:
    query = urlencode({"name": name, "per_page": 10})
    data = await gh.getitem(f"/repos/{repo}/actions/runs/{run_id}/artifacts?{query}")
    named = [a for a in data.get("artifacts") or [] if a.get("name") == name]
    return max(named, key=lambda a: int(a["id"])) if named else None


class Refused(Exception):
    """An artifact perfbot will not use; the message says why, for the check run."""


async def files(
    gh: GitHub, repo: str, run_id: int, where: str, name: str, limits: Limits
) -> dict[str, bytes]:
    """The files of the artifact ``name`` that run ``run_id`` uploaded, checked before and
    after; ``where`` names the run in the reason a refusal gives."""
    found = await artifact(gh, repo, run_id, name)
    if found is None:
        raise Refused(f"{where} uploaded no artifact named `{name}`")
    if found.get("expired"):
        raise Refused(f"the artifact `{name}` of {where} has expired")
    size = int(found.get("size_in_bytes") or 0)
    if size > limits.max_bytes:
        raise Refused(f"the artifact `{name}` of {where} is {size:,} bytes, above the limit "
                      f"of {limits.max_bytes:,} (`max_bytes`); it was not downloaded")
    try:
        data = await gh.download(
            f"/repos/{repo}/actions/artifacts/{int(found['id'])}/zip", limit=limits.max_bytes
        )
    except DownloadTooLarge:
        raise Refused(f"the artifact `{name}` of {where} is above the limit of "
                      f"{limits.max_bytes:,} bytes (`max_bytes`)") from None
    except (aiohttp.ClientError, TimeoutError) as exc:
        raise Refused(f"the download of `{name}` from {where} broke off "
                      f"({type(exc).__name__}); re-run this check to try again") from None
    except HTTPException as exc:
        if int(exc.status_code) == 410:  # expired between the listing and the download
            raise Refused(f"the artifact `{name}` of {where} has expired") from None
        raise Refused(f"GitHub answered {int(exc.status_code)} to the download of "
                      f"`{name}` from {where}") from None
    try:
        return extract(data, limits)
    except ArchiveError as exc:
        raise Refused(f"`{name}` from {where}: {exc}") from None
