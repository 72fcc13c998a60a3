"""Describe a local change the way GitHub describes a pull request.

The merge base is the baseline, as on GitHub, and patches come in GitHub's form
(hunks without file headers), so the core sees the same facts from either front.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass, replace
from pathlib import Path

from bot.core.binding import Problem
from bot.core.config import CONFIG_PATH, ConfigError, ConfigFiles, ConfigSource, extends
from bot.core.facts import ChangedFile, FileStatus, PullRequest, Tree, Wants
from bot.core.yamldoc import MAX_BYTES, Position, too_large

MAX_READ_BYTES = 50 * 1024 * 1024
# Files a rule wants by glob (dashboards), not by name: a repository with thousands
# matching must not make one check read them all.
MAX_LISTED_READS = 500

_STATUS = {
    "A": FileStatus.ADDED,
    "D": FileStatus.REMOVED,
    "M": FileStatus.MODIFIED,
    "R": FileStatus.RENAMED,
    "C": FileStatus.COPIED,
    "T": FileStatus.CHANGED,
}


LOCAL_EXTENDS_HINT = (
    "; perfbot check does not read GitHub: save that file and pass it with --extends FILE"
)


def read_config_file(path: Path, *, in_repo: bool = False) -> ConfigSource:
    """A config file from disk, refusing one too large to be a config before reading it.

    Raises OSError when it cannot be read, UnicodeDecodeError when it is not UTF-8.
    """
    source = ConfigSource(text="", origin=f"`{path}`", path=str(path), in_repo=in_repo)
    size = path.stat().st_size
    if size > MAX_BYTES:
        raise ConfigError(source, (Problem(too_large(size), Position(1, 1)),))
    return replace(source, text=path.read_bytes().decode("utf-8"))


class GitError(RuntimeError):
    """git refused: not a repository, an unknown ref, no common history."""


@dataclass(frozen=True, slots=True)
class Checkout:
    path: Path

    def git(self, *args: str) -> str:
        return self.git_bytes(*args).decode("utf-8", "surrogateescape")

    def git_bytes(self, *args: str) -> bytes:
        try:
            done = subprocess.run(  # noqa: S603 - fixed executable, arguments are refs we pass
                ["git", "-c", "core.quotePath=false", *args],  # noqa: S607
                cwd=self.path,
                capture_output=True,
                check=False,
            )
        except FileNotFoundError:
            raise GitError("git is not installed") from None
        if done.returncode != 0:
            message = done.stderr.decode("utf-8", "replace").strip().splitlines()
            raise GitError(message[-1] if message else f"git {args[0]} failed")
        return done.stdout

    def resolve(self, ref: str) -> str:
        return self.git("rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}").strip()

    def default_base(self) -> str:
        """The branch a pull request would most likely target."""
        try:
            return self.git("symbolic-ref", "--short", "refs/remotes/origin/HEAD").strip()
        except GitError:
            pass
        for candidate in ("main", "master", "origin/main", "origin/master"):
            try:
                self.resolve(candidate)
            except GitError:
                continue
            return candidate
        raise GitError("cannot tell the base branch; pass --base")

    def merge_base(self, base: str, head: str) -> str:
        try:
            return self.git("merge-base", base, head).strip()
        except GitError:
            raise GitError(f"{base} and {head} share no history") from None

    def config_source(self, ref: str) -> ConfigSource | None:
        """The config as committed on ``ref``; never the working tree, like the App."""
        try:
            text = self.git("show", f"{ref}:{CONFIG_PATH}")
        except GitError:
            return None
        return ConfigSource(text=text, origin=f"`{CONFIG_PATH}` on `{ref}`")

    def config_files(self, ref: str, extends_file: Path | None = None) -> ConfigFiles | None:
        """The config committed on ``ref``, and the file it extends, read from
        ``extends_file`` (perfbot check does not reach GitHub). None: no config."""
        source = self.config_source(ref)
        if source is None:
            return None
        parent = None
        if extends_file is not None and extends(source) is not None:
            parent = read_config_file(extends_file)
        return ConfigFiles(source, parent, missing_hint=LOCAL_EXTENDS_HINT)

    def proposed_config_error(
        self, pr: PullRequest, extends_file: Path | None = None
    ) -> ConfigError | None:
        """When the change edits the config file, what is wrong with its version at head."""
        changed = next((f for f in pr.files if f.path == CONFIG_PATH), None)
        if changed is None or changed.status is FileStatus.REMOVED:
            return None
        try:
            files = self.config_files(pr.head_sha, extends_file)
            if files is not None:
                files.load()
        except ConfigError as error:
            return error
        return None

    def pull_request(
        self,
        base: str,
        head: str,
        *,
        title: str | None = None,
        body: str | None = None,
        labels: frozenset[str] = frozenset(),
    ) -> PullRequest:
        head_sha = self.resolve(head)
        base_sha = self.merge_base(base, head_sha)
        messages = self.git("log", "--format=%B", f"{base_sha}..{head_sha}")
        subject = self.git("log", "-1", "--format=%s", head_sha).strip()
        return PullRequest(
            head_sha=head_sha,
            base_ref=base,
            title=subject if title is None else title,
            body=messages.strip() if body is None else body,
            author=self.git("log", "-1", "--format=%an", head_sha).strip(),
            labels=labels,
            files=self.changed_files(base_sha, head_sha),
        )

    def with_contents(self, pr: PullRequest, wants: Wants, base: str) -> PullRequest:
        """``pr`` with the files rules want, read from git at the head and the merge base."""
        if not wants.head and not wants.base and not wants.listed:
            return pr
        listed = self.listing(pr.head_sha, wants)
        unlisted = ""
        if len(listed) > MAX_LISTED_READS:
            unlisted = (f"perfbot reads at most {MAX_LISTED_READS} listed files per commit; "
                        f"{len(listed) - MAX_LISTED_READS} more were left unread")
            listed = listed[:MAX_LISTED_READS]
        head = replace(self.tree(pr.head_sha, wants.head, listed), unlisted=unlisted)
        merge_base = self.merge_base(base, pr.head_sha) if wants.base else ""
        return replace(pr, head=head, base=self.tree(merge_base, wants.base))

    def listing(self, sha: str, wants: Wants) -> list[str]:
        """The files at ``sha`` that ``wants.listed`` selects."""
        if not wants.listed:
            return []
        names = self.git("ls-tree", "-r", "-z", "--name-only", sha).split("\0")
        return wants.selected(n for n in names if n)

    def tree(self, sha: str, paths: frozenset[str], listed: list[str] | None = None) -> Tree:
        texts: dict[str, str] = {}
        unreadable: dict[str, str] = {}
        for path in [*sorted(paths), *(listed or ())]:
            try:
                size = int(self.git("cat-file", "-s", f"{sha}:{path}"))
            except (GitError, ValueError):
                continue  # not at this commit
            if size > MAX_READ_BYTES:
                unreadable[path] = f"larger than {MAX_READ_BYTES // 2**20} MB"
                continue
            data = self.git_bytes("cat-file", "blob", f"{sha}:{path}")
            try:
                texts[path] = data.decode("utf-8")
            except UnicodeDecodeError:
                unreadable[path] = "not UTF-8 text"
        return Tree(sha=sha, texts=texts, unreadable=unreadable)

    def changed_files(self, base_sha: str, head_sha: str) -> tuple[ChangedFile, ...]:
        # Three views of one diff, with the same options so git lists files in one order.
        diff = ("diff", "-M", "--no-color", "--no-ext-diff", base_sha, head_sha)
        entries = _name_status(self.git(*diff, "--name-status", "-z").split("\0"))
        numbers = _numstat(self.git(*diff, "--numstat", "-z"))
        patches = _split_patches(self.git(*diff, "-U3"))
        if len(patches) != len(entries):  # should not happen; be exact rather than misalign
            patches = [_hunks(self.git(*diff, "-U3", "--", *_paths(e))) for e in entries]
        files = []
        for (status, path, old), patch, (added, deleted) in zip(
            entries, patches, numbers, strict=True
        ):
            binary = added is None
            files.append(
                ChangedFile(
                    path=path,
                    status=status,
                    additions=added or 0,
                    deletions=deleted or 0,
                    previous_path=old,
                    patch=None if binary or not patch else patch,
                    binary=binary,
                )
            )
        return tuple(files)


def _name_status(fields: list[str]) -> list[tuple[FileStatus, str, str | None]]:
    entries: list[tuple[FileStatus, str, str | None]] = []
    i = 0
    while i < len(fields) and fields[i]:
        code = fields[i][0]
        if code in "RC":
            entries.append((_STATUS[code], fields[i + 2], fields[i + 1]))
            i += 3
        else:
            entries.append((_STATUS.get(code, FileStatus.CHANGED), fields[i + 1], None))
            i += 2
    return entries


def _numstat(text: str) -> list[tuple[int | None, int | None]]:
    """Line counts per file; None for binary files. Renames use three NUL fields."""
    out: list[tuple[int | None, int | None]] = []
    fields = text.split("\0")
    i = 0
    while i < len(fields) and fields[i]:
        added, deleted, path = fields[i].split("\t", 2)
        out.append((None, None) if added == "-" else (int(added), int(deleted)))
        i += 3 if path == "" else 1
    return out


def _split_patches(text: str) -> list[str]:
    chunks: list[list[str]] = []
    # Split on "\n" only, as git counts lines: a form feed or U+2028 inside a line is not a
    # line break, and splitting there would shift every line number after it.
    for line in text.split("\n"):
        if line.startswith("diff --git "):
            chunks.append([])
        elif chunks:
            chunks[-1].append(line)
    return [_hunks("\n".join(chunk)) for chunk in chunks]


def _hunks(text: str) -> str:
    """Drop git's file header, keeping the hunks as GitHub's ``patch`` field has them."""
    start = text.find("@@")
    while start > 0 and text[start - 1] != "\n":
        start = text.find("@@", start + 2)
    return "" if start < 0 else text[start:].rstrip("\n")


def _paths(entry: tuple[FileStatus, str, str | None]) -> tuple[str, ...]:
    return (entry[2], entry[1]) if entry[2] else (entry[1],)
