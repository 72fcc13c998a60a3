"""Gather the facts for one pull request from GitHub in as few requests as possible."""

from __future__ import annotations

import base64
import binascii
from dataclasses import replace
from typing import Any
from urllib.parse import quote

from gidgethub import BadRequest

from bot.core.binding import Problem
from bot.core.config import (
    CONFIG_PATH,
    Config,
    ConfigError,
    ConfigFiles,
    ConfigSource,
    builtin_source,
    extends,
    load,
)
from bot.core.facts import ChangedFile, FileStatus, PullRequest, Tree, Wants
from bot.core.layers import Reference, org_default
from bot.core.yamldoc import Position
from bot.github.client import GitHub

# GitHub's pull request files listing stops at this many files.
FILES_CAP = 3_000
_STATUSES = frozenset(s.value for s in FileStatus)
# Whole files rules may ask for, per side: enough for records, alert rules and benchmark
# results, few enough that one evaluation stays cheap on the rate limit.
MAX_READS = 40
MAX_READ_BYTES = 50 * 1024 * 1024


async def config_source(gh: GitHub, repo: str, ref: str) -> ConfigSource | None:
    """The config file as it stands on ``ref`` (the base branch), or None if there is none.

    Read by branch name, so an unchanged file is a free 304 from the ETag cache.
    """
    source = ConfigSource(text="", origin=f"`{CONFIG_PATH}` on `{ref}`")
    return await _config_file(gh, repo, CONFIG_PATH, ref, source)


async def config_files(gh: GitHub, repo: str, ref: str) -> ConfigFiles | None:
    """The repository's config on ``ref``, else its organisation's default; and whatever
    that file ``extends``. None when neither exists (the built-in defaults apply)."""
    owner = repo.split("/")[0]
    here = Reference(repo, CONFIG_PATH, ref)
    source = await config_source(gh, repo, ref)
    if source is None and not here.same_file(org_default(owner)):
        here = org_default(owner)
        origin = f"`{here.label}` (the organisation's default)"
        org = ConfigSource(text="", origin=origin, path=here.label, in_repo=False)
        source = await _config_file(gh, here.repo, here.path, None, org)
    if source is None:
        return None
    return ConfigFiles(source, await extended_source(gh, source, owner), here, owner)


async def load_config(gh: GitHub, repo: str, ref: str) -> Config:
    """The config that applies on ``ref``, found in the same layers a review uses (the
    repository's file, else the organisation's, with what it extends; else the built-in
    defaults). Raises ``ConfigError``."""
    files = await config_files(gh, repo, ref)
    return files.load() if files else load(builtin_source())


async def extended_source(gh: GitHub, source: ConfigSource, owner: str) -> ConfigSource | None:
    """The file ``source`` extends, read from its repository; None if it names none or the
    file is missing (``load`` then reports the missing file at the ``extends:`` line)."""
    reference = extends(source, owner)
    if reference is None:
        return None
    target = ConfigSource(
        text="", origin=f"`{reference.label}`", path=reference.label, in_repo=False
    )
    try:
        return await _config_file(gh, reference.repo, reference.path, reference.ref, target)
    except BadRequest as exc:
        if int(exc.status_code) in (403, 404):  # a repository this installation cannot see
            return None
        raise


async def _config_file(
    gh: GitHub, repo: str, path: str, ref: str | None, source: ConfigSource
) -> ConfigSource | None:
    """A config file's text (ETag-cached GET), None when it does not exist."""
    url = f"/repos/{repo}/contents/{quote(path)}"
    if ref is not None:
        url += f"?ref={quote(ref, safe='')}"
    item = await _found(gh, url)
    if item is None:
        return None
    if not isinstance(item, dict) or item.get("type") != "file" or (
        item.get("encoding") != "base64"
    ):
        raise _unreadable(source, "it is not a regular file small enough to read (1 MB)")
    try:
        text = base64.b64decode(item.get("content", "")).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError) as exc:
        raise _unreadable(source, f"it is not UTF-8 text ({exc})") from None
    return replace(source, text=text)


async def proposed_config_error(
    gh: GitHub, repo: str, pr: PullRequest
) -> ConfigError | None:
    """When ``pr`` changes the config file, what is wrong with its version at the head."""
    changed = next((f for f in pr.files if f.path == CONFIG_PATH), None)
    if changed is None or changed.status is FileStatus.REMOVED:
        return None
    try:
        files = await config_files(gh, repo, pr.head_sha)
        if files is not None:
            files.load()
    except ConfigError as error:
        return error
    return None


def _unreadable(source: ConfigSource, why: str) -> ConfigError:
    return ConfigError(source, (Problem(f"cannot read the file: {why}", Position(1, 1)),))


async def pull_request(gh: GitHub, repo: str, payload: dict[str, Any]) -> PullRequest:
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


async def with_contents(
    gh: GitHub, repo: str, pr: PullRequest, wants: Wants, base_sha: str
) -> PullRequest:
    """``pr`` with the files rules want read at its head and at its merge base.

    The merge base costs one compare request, made only when a rule wants the baseline.
    """
    if not wants.head and not wants.base and not wants.listed:
        return pr
    listed, unlisted = await _listing(gh, repo, pr.head_sha, wants)
    head = await _tree(gh, repo, pr.head_sha, wants.head, listed)
    head = replace(head, unlisted=unlisted)
    base = Tree()
    if wants.base:
        compared = await gh.getitem(
            f"/repos/{repo}/compare/{quote(base_sha)}...{quote(pr.head_sha)}?per_page=1"
        )
        merge_base = compared["merge_base_commit"]["sha"]
        base = await _tree(gh, repo, merge_base, wants.base)
    return replace(pr, head=head, base=base)


async def _listing(gh: GitHub, repo: str, sha: str, wants: Wants) -> tuple[list[str], str]:
    """The head's files ``wants.listed`` selects (one request for the whole tree), and why
    the listing may be incomplete ("" when GitHub listed everything)."""
    if not wants.listed:
        return [], ""
    tree = await gh.getitem(f"/repos/{repo}/git/trees/{quote(sha)}?recursive=1")
    files = [item["path"] for item in tree.get("tree") or () if item.get("type") == "blob"]
    unlisted = ("GitHub listed only part of this repository's tree (it truncates very "
                "large ones)") if tree.get("truncated") else ""
    return wants.selected(files), unlisted


async def _tree(
    gh: GitHub, repo: str, sha: str, paths: frozenset[str], listed: list[str] | None = None
) -> Tree:
    texts: dict[str, str] = {}
    unreadable: dict[str, str] = {}
    # Named paths first: a limit must never crowd out a file a rule asked for by name.
    for i, path in enumerate([*sorted(paths), *(listed or ())]):
        if i >= MAX_READS:
            unreadable[path] = f"perfbot reads at most {MAX_READS} whole files per commit"
            continue
        try:
            text = await _read(gh, repo, sha, path)
        except _Unreadable as exc:
            unreadable[path] = str(exc)
            continue
        if text is not None:
            texts[path] = text
    return Tree(sha=sha, texts=texts, unreadable=unreadable)


class _Unreadable(Exception):
    pass


async def _found(gh: GitHub, url: str) -> Any:
    """What GitHub answers to a GET of ``url``; None when it answers 404 (nothing there)."""
    try:
        return await gh.getitem(url)
    except BadRequest as exc:
        if int(exc.status_code) == 404:
            return None
        raise


async def _read(gh: GitHub, repo: str, sha: str, path: str) -> str | None:
    """A file's text at ``sha``; None when it does not exist there."""
    url = f"/repos/{repo}/contents/{quote(path)}?ref={sha}"
    item = await _found(gh, url)
    if not isinstance(item, dict) or item.get("type") != "file":
        return None  # missing, or a directory or a submodule: not the file a rule asked for
    if int(item.get("size") or 0) > MAX_READ_BYTES:
        raise _Unreadable(f"larger than {MAX_READ_BYTES // 2**20} MB")
    content = item.get("content") or ""
    if item.get("encoding") != "base64":
        # The contents API inlines files up to 1 MB; larger ones come from the blob API.
        blob = await gh.getitem(f"/repos/{repo}/git/blobs/{item['sha']}")
        content = blob.get("content") or ""
    try:
        return base64.b64decode(content).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        raise _Unreadable("not UTF-8 text") from None
