"""Describe a local change the way GitHub describes a pull request.

The merge base is the baseline, as on GitHub, and patches come in GitHub's form
(hunks without file headers), so the core sees the same facts from either front.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
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
    """git refused: not a repository, an unknown ref, no common history.

    The message names what is wrong and how to fix it, since it is all a CI log shows.
    """


NOT_A_REPOSITORY = "{path} is not a git repository; pass --repo with the path of a git checkout"
NO_SUCH_PATH = "{path} does not exist; pass --repo with the path of a git checkout"
UNKNOWN_REF = (
    "unknown ref `{ref}`: no branch, tag or commit of that name in {path}"
    "{hint}"
)
UNKNOWN_REF_HINT = "; pass an existing one (`git branch -a` lists them)"
SHALLOW_HINT = (
    "; this is a shallow clone: fetch the full history with `git fetch --unshallow` "
    "(in GitHub Actions, give actions/checkout `fetch-depth: 0`)"
)
NO_DEFAULT_BASE = (
    "cannot tell the base branch: {path} has no origin/HEAD, main or master; "
    "pass --base with the branch the change would merge into"
)
NO_COMMON_HISTORY = "`{base}` and `{head}` share no history"
NO_COMMON_HISTORY_HINT = "; pass the --base the change would merge into"


@dataclass(frozen=True, slots=True)
class Checkout:
    path: Path

    def git(self, *args: str, env: dict[str, str] | None = None) -> str:
        return self.git_bytes(*args, env=env).decode("utf-8", "surrogateescape")

    def git_bytes(self, *args: str, env: dict[str, str] | None = None,
                  stdin: bytes | None = None) -> bytes:
        if not self.path.is_dir():
            raise GitError(NO_SUCH_PATH.format(path=self.path))
        try:
            done = subprocess.run(  # noqa: S603 - fixed executable, arguments are refs we pass
                ["git", "-c", "core.quotePath=false", *args],  # noqa: S607
                cwd=self.path,
                capture_output=True,
                check=False,
                input=stdin,
                env=None if env is None else {**os.environ, **env},
            )
        except FileNotFoundError:
            raise GitError("git is not installed") from None
        if done.returncode != 0:
            message = done.stderr.decode("utf-8", "replace").strip().splitlines()
            if any(line.startswith("fatal: not a git repository") for line in message):
                raise GitError(NOT_A_REPOSITORY.format(path=self.path))
            raise GitError(message[-1] if message else f"git {args[0]} failed")
        return done.stdout

    def check_repository(self) -> None:
        """Raise a GitError naming the path when it is not a git checkout."""
        self.git("rev-parse", "--git-dir")

    def is_shallow(self) -> bool:
        try:
            return self.git("rev-parse", "--is-shallow-repository").strip() == "true"
        except GitError:
            return False

    def resolve(self, ref: str) -> str:
        try:
            return self.git("rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}").strip()
        except GitError:
            self.check_repository()
            hint = SHALLOW_HINT if self.is_shallow() else UNKNOWN_REF_HINT
            raise GitError(UNKNOWN_REF.format(ref=ref, path=self.path, hint=hint)) from None

    def default_base(self) -> str:
        """The branch a pull request would most likely target."""
        self.check_repository()
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
        raise GitError(NO_DEFAULT_BASE.format(path=self.path))

    def merge_base(self, base: str, head: str) -> str:
        try:
            return self.git("merge-base", base, head).strip()
        except GitError:
            hint = SHALLOW_HINT if self.is_shallow() else NO_COMMON_HISTORY_HINT
            shown = head if head == "HEAD" or len(head) != 40 else head[:12]
            raise GitError(NO_COMMON_HISTORY.format(base=base, head=shown) + hint) from None

    def uncommitted(self) -> tuple[str, ...]:
        """Paths with changes not committed (staged, unstaged or untracked, not ignored)."""
        try:
            out = self.git("status", "--porcelain=v1", "-z", "--untracked-files=all")
        except GitError:  # a bare repository has no work tree to differ
            return ()
        fields = out.split("\0")
        paths: list[str] = []
        i = 0
        while i < len(fields) and fields[i]:
            entry = fields[i]
            paths.append(entry[3:])
            i += 2 if entry[0] in "RC" else 1  # a rename is followed by its old path
        return tuple(paths)

    def worktree_tree(self) -> str:
        """A tree object of the work tree as it is, untracked files included (not ignored
        ones), written through a scratch index so the user's index is left untouched."""
        with tempfile.TemporaryDirectory(prefix="perfbot-index-") as scratch:
            env = {"GIT_INDEX_FILE": str(Path(scratch) / "index")}
            self.git("read-tree", "HEAD", env=env)
            self.git("add", "-A", "--", ".", env=env)
            return self.git("write-tree", env=env).strip()

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
        worktree: bool = False,
    ) -> PullRequest:
        """The change from the merge base of ``base`` and ``head`` to ``head``, or to the
        work tree as it stands with ``worktree`` (``head_sha`` is then a tree's id)."""
        head_sha = self.resolve(head)
        base_sha = self.merge_base(base, head_sha)
        messages = self.git("log", "--format=%B", f"{base_sha}..{head_sha}")
        subject, author = self.git("log", "-1", "--format=%s%x00%an", head_sha).split("\0")
        after = self.worktree_tree() if worktree else head_sha
        return PullRequest(
            head_sha=after,
            base_ref=base,
            title=subject.strip() if title is None else title,
            body=messages.strip() if body is None else body,
            author=author.strip(),
            labels=labels,
            files=self.changed_files(base_sha, after),
        )

    def with_contents(
        self, pr: PullRequest, wants: Wants, base: str, head: str | None = None
    ) -> PullRequest:
        """``pr`` with the files rules want, read from git at the head and the merge base.

        ``head`` is the commit the merge base is taken with, when ``pr.head_sha`` is not
        one (the work tree's tree object under ``--worktree``).
        """
        if not wants.head and not wants.base and not wants.listed:
            return pr
        listed = self.listing(pr.head_sha, wants)
        unlisted = ""
        if len(listed) > MAX_LISTED_READS:
            unlisted = (f"perfbot reads at most {MAX_LISTED_READS} listed files per commit; "
                        f"{len(listed) - MAX_LISTED_READS} more were left unread")
            listed = listed[:MAX_LISTED_READS]
        tree = replace(self.tree(pr.head_sha, wants.head, listed), unlisted=unlisted)
        merge_base = self.merge_base(base, head or pr.head_sha) if wants.base else ""
        return replace(pr, head=tree, base=self.tree(merge_base, wants.base))

    def listing(self, sha: str, wants: Wants) -> list[str]:
        """The files at ``sha`` that ``wants.listed`` selects."""
        if not wants.listed:
            return []
        names = self.git("ls-tree", "-r", "-z", "--name-only", sha).split("\0")
        return wants.selected(n for n in names if n)

    def tree(self, sha: str, paths: frozenset[str], listed: list[str] | None = None) -> Tree:
        """The texts of ``paths`` (and ``listed``) at ``sha``, read by one
        ``git cat-file --batch``."""
        texts: dict[str, str] = {}
        unreadable: dict[str, str] = {}
        named = [*sorted(paths), *(p for p in listed or () if p not in paths)]
        wanted = [p for p in named if "\n" not in p]
        if not wanted:
            return Tree(sha=sha, texts=texts, unreadable=unreadable)
        # Sizes first (cheap), so a file too large to read is never sent through the pipe.
        request = "".join(f"{sha}:{p}\n" for p in wanted).encode("utf-8", "surrogateescape")
        checks = self.git_bytes("cat-file", "--batch-check=%(objecttype) %(objectsize)",
                                stdin=request).split(b"\n")
        readable: list[str] = []
        for path, line in zip(wanted, checks, strict=False):
            kind, _, size = line.decode("ascii", "replace").partition(" ")
            if kind != "blob":
                continue  # not at this commit
            if int(size) > MAX_READ_BYTES:
                unreadable[path] = f"larger than {MAX_READ_BYTES // 2**20} MB"
                continue
            readable.append(path)
        if not readable:
            return Tree(sha=sha, texts=texts, unreadable=unreadable)
        request = "".join(f"{sha}:{p}\n" for p in readable).encode("utf-8", "surrogateescape")
        out = self.git_bytes("cat-file", "--batch", stdin=request)
        offset = 0
        for path in readable:
            end = out.index(b"\n", offset)
            length = int(out[offset:end].split(b" ")[2])
            data = out[end + 1 : end + 1 + length]
            offset = end + 1 + length + 1  # the content is followed by a newline
            try:
                texts[path] = data.decode("utf-8")
            except UnicodeDecodeError:
                unreadable[path] = "not UTF-8 text"
        return Tree(sha=sha, texts=texts, unreadable=unreadable)

    def changed_files(self, base_sha: str, head_sha: str) -> tuple[ChangedFile, ...]:
        """The files of the diff, from one ``git diff --raw --numstat -p -z`` pass: its NUL-
        separated raw and numstat records come first, then the patches in the same order."""
        diff = ("diff", "-M", "--no-color", "--no-ext-diff", "--no-textconv", "-U3")
        out = self.git_bytes(*diff, "--raw", "--numstat", "-p", "-z", base_sha, head_sha)
        entries, numbers, rest = _records(out)
        text = rest.decode("utf-8", "surrogateescape")
        patches = _split_patches(text)
        if len(patches) != len(entries):  # should not happen; be exact rather than misalign
            one = (*diff, base_sha, head_sha, "--")
            patches = [_hunks(self.git(*one, *_paths(e))) for e in entries]
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


def _records(
    out: bytes,
) -> tuple[list[tuple[FileStatus, str, str | None]], list[tuple[int | None, int | None]], bytes]:
    """Split ``--raw --numstat -p -z`` output: raw records (``:modes shas STATUS\0path\0``,
    two paths for a rename or copy), numstat records (``added\tdeleted\tpath\0``, or
    ``added\tdeleted\t\0old\0new\0``), an empty field, then the patch text."""
    entries: list[tuple[FileStatus, str, str | None]] = []
    numbers: list[tuple[int | None, int | None]] = []
    offset = 0

    def field() -> str:
        nonlocal offset
        end = out.index(b"\0", offset)
        value = out[offset:end].decode("utf-8", "surrogateescape")
        offset = end + 1
        return value

    while out.startswith(b":", offset):
        code = field().rsplit(" ", 1)[-1][:1]
        if code in "RC":
            old = field()
            entries.append((_STATUS[code], field(), old))
        else:
            entries.append((_STATUS.get(code, FileStatus.CHANGED), field(), None))
    for _ in entries:
        added, deleted, path = field().split("\t", 2)
        if path == "":  # a rename: the two paths follow as fields of their own
            field()
            field()
        numbers.append((None, None) if added == "-" else (int(added), int(deleted)))
    if out.startswith(b"\0", offset):
        offset += 1
    return entries, numbers, out[offset:]


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
