"""Files read from a repository: the config (with its layers) and whole files for rules.

Config is read by branch name, so an unchanged file is a free 304 from the ETag cache.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Awaitable, Callable
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
from bot.core.facts import PullRequest, Tree, Wants
from bot.core.layers import Reference, org_default
from bot.core.yamldoc import Position
from bot.github.client import GitHub

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


def _unreadable(source: ConfigSource, why: str) -> ConfigError:
    return ConfigError(source, (Problem(f"cannot read the file: {why}", Position(1, 1)),))


async def with_contents(
    gh: GitHub, repo: str, pr: PullRequest, wants: Wants,
    merge_base: Callable[[], Awaitable[str]],
) -> PullRequest:
    """``pr`` with the files rules want read at its head and at its merge base.

    ``merge_base`` is asked only when a rule wants the baseline (one compare request,
    which the caller makes once per pass: benchmark evidence needs it too).
    """
    if not wants.head and not wants.base and not wants.listed:
        return pr
    listed, unlisted = await _listing(gh, repo, pr.head_sha, wants)
    head = await _tree(gh, repo, pr.head_sha, wants.head, listed)
    head = replace(head, unlisted=unlisted)
    base = Tree()
    if wants.base:
        base = await _tree(gh, repo, await merge_base(), wants.base)
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
        content = await blob_content(gh, repo, str(item["sha"]))
    try:
        return base64.b64decode(content).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        raise _Unreadable("not UTF-8 text") from None


async def blob_content(gh: GitHub, repo: str, sha: str) -> str:
    """A blob's base64 content (the blob API serves files the contents API will not inline)."""
    blob = await gh.getitem(f"/repos/{repo}/git/blobs/{sha}")
    return str(blob.get("content") or "")


async def repository(gh: GitHub, repo: str) -> dict[str, Any]:
    """The repository's metadata (its default branch, its web address)."""
    meta: dict[str, Any] = await gh.getitem(f"/repos/{repo}")
    return meta


async def tree(gh: GitHub, repo: str, branch: str) -> list[dict[str, Any]]:
    """Every entry of ``branch``'s tree, read recursively in one request."""
    found = await gh.getitem(f"/repos/{repo}/git/trees/{quote(branch, safe='')}?recursive=1")
    return list(found.get("tree", []))
