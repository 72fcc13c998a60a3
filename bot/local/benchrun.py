"""The I/O of ``perfbot bench run``: git worktrees, the setup and benchmark commands, their results.

Everything here touches the disk, git or child processes; the statistics are in
``bot.core.bench.paired``. Worktrees live in one temporary folder and are removed on
every way out, a failure, Ctrl-C (SIGINT) or SIGTERM included. Each command runs in its
own process group, so an interrupted run leaves no benchmark process behind.
"""

from __future__ import annotations

import os
import platform
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

from bot.core.bench.model import BenchFileError, Results
from bot.core.bench.readers import MAX_BYTES, NOT_RESULTS, read_all

RESULTS_ENV = "PERFBOT_RESULTS"
PLACEHOLDER = "{results}"
TAIL_LINES = 20
TAIL_BYTES = 4000

NOT_A_REPO = "{path} is not a git repository (or git is not installed): {detail}"
UNKNOWN_REF = "unknown ref {ref!r} in {repo}: {detail}"
NO_MERGE_BASE = "{base} and {head} have no common history: no merge base to compare with"
DIRTY = (
    "the work tree at {repo} has uncommitted changes ({files}), which bench run would not "
    "measure: it checks out commits. Commit or stash them, or name the commit to measure "
    "with --head"
)
WORKTREE_FAILED = "cannot check out {sha} for the {side} side: {detail}"
SETUP_FAILED = "--setup failed in the {side} checkout ({sha}) with exit status {status}{tail}"
COMMAND_FAILED = (
    "the command failed on the {side} side ({sha}) in round {round} with exit status "
    "{status}{tail}"
)
NOT_STARTED = "cannot run {what} on the {side} side: {detail}"
NO_RESULTS = (
    "the command wrote no results on the {side} side in round {round}: write them to the "
    "path in ${env} (or where {placeholder} stands in the arguments)"
)
UNPARSED = "the {side} side's results in round {round} cannot be read: {problem}"
INTERRUPTED = "interrupted ({signal}); the worktrees were removed"


class RunError(RuntimeError):
    """Why ``bench run`` stops: the message names the side, the round and the fix."""


class Interrupted(RunError):
    """SIGINT or SIGTERM arrived; raised where the run was, so every cleanup runs."""


@dataclass(frozen=True, slots=True)
class Revisions:
    base: str  # the merge base of --base and --head
    head: str
    base_ref: str
    head_ref: str


def _git(repo: Path, *args: str) -> str:
    try:
        done = subprocess.run(  # noqa: S603 - fixed executable; arguments are refs we pass
            ["git", "-C", str(repo), *args], capture_output=True, check=False,  # noqa: S607
        )
    except OSError as exc:
        raise RunError(NOT_A_REPO.format(path=repo, detail=exc.strerror)) from None
    if done.returncode != 0:
        detail = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise _GitFailed(detail[-1] if detail else f"git {args[0]} failed")
    return done.stdout.decode("utf-8", "replace").strip()


class _GitFailed(RuntimeError):
    pass


def revisions(repo: Path, base: str, head: str, head_given: bool) -> Revisions:
    """The commits to measure: the merge base of ``base`` and ``head``, and ``head``."""
    try:
        _git(repo, "rev-parse", "--git-dir")
    except _GitFailed as exc:
        raise RunError(NOT_A_REPO.format(path=repo, detail=exc)) from None
    shas = []
    for ref in (base, head):
        try:
            shas.append(_git(repo, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"))
        except _GitFailed:
            raise RunError(UNKNOWN_REF.format(
                ref=ref, repo=repo, detail="no such branch, tag or commit"
            )) from None
    try:
        merge_base = _git(repo, "merge-base", shas[0], shas[1])
    except _GitFailed:
        raise RunError(NO_MERGE_BASE.format(base=base, head=head)) from None
    if not head_given:
        # Staged or not, against the commit that would be measured; untracked files aside.
        changed = _git(repo, "diff", "--name-only", "HEAD")
        if changed:
            files = changed.splitlines()
            shown = ", ".join(files[:3]) + (f" and {len(files) - 3} more" if len(files) > 3 else "")
            raise RunError(DIRTY.format(repo=repo, files=shown))
    return Revisions(merge_base, shas[1], base, head)


@contextmanager
def interruptible() -> Iterator[None]:
    """SIGTERM behaves as Ctrl-C does: an exception where the run is, so cleanups run."""

    def stop(signum: int, frame: FrameType | None) -> None:
        raise Interrupted(INTERRUPTED.format(signal=signal.Signals(signum).name))

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


@dataclass(frozen=True, slots=True)
class Workspace:
    root: Path  # the temporary folder: checkouts and results
    base: Path
    head: Path


@contextmanager
def worktrees(repo: Path, revs: Revisions) -> Iterator[Workspace]:
    """The base and head checked out side by side in a temporary folder, removed after."""
    root = Path(tempfile.mkdtemp(prefix="perfbot-bench-"))
    made: list[Path] = []
    try:
        space = Workspace(root, root / "base", root / "head")
        for side, path, sha in (("base", space.base, revs.base), ("head", space.head, revs.head)):
            try:
                _git(repo, "worktree", "add", "--detach", "--quiet", str(path), sha)
            except _GitFailed as exc:
                problem = WORKTREE_FAILED.format(sha=sha[:12], side=side, detail=exc)
                raise RunError(problem) from None
            made.append(path)
        (root / "results").mkdir()
        yield space
    finally:
        # Ctrl-C during cleanup must not leave a worktree half-removed.
        with _signals_held():
            for path in made:
                with suppress(_GitFailed, RunError):
                    _git(repo, "worktree", "remove", "--force", str(path))
            shutil.rmtree(root, ignore_errors=True)
            with suppress(_GitFailed, RunError):
                _git(repo, "worktree", "prune")


@contextmanager
def _signals_held() -> Iterator[None]:
    previous = {sig: signal.signal(sig, signal.SIG_IGN) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


@dataclass(frozen=True, slots=True)
class Finished:
    status: int
    seconds: float
    tail: str  # the end of its stderr


def run_process(argv: Sequence[str] | str, cwd: Path, env: dict[str, str], logs: Path) -> Finished:
    """Run one command to its end in its own process group, output to files under ``logs``.

    Output goes to files, not memory, so a chatty benchmark cannot exhaust it; on an
    interrupt the whole process group is stopped before the exception goes on.
    """
    logs.mkdir(parents=True, exist_ok=True)
    start = time.monotonic()
    with open(logs / "stdout", "wb") as out, open(logs / "stderr", "wb") as err:
        process = subprocess.Popen(  # noqa: S603 - the user's own command, as they typed it
            argv, cwd=cwd, env=env, stdout=out, stderr=err, stdin=subprocess.DEVNULL,
            shell=isinstance(argv, str), start_new_session=True,
        )
        try:
            status = process.wait()
        except BaseException:
            _stop_group(process)
            raise
    return Finished(status, time.monotonic() - start, _tail(logs / "stderr", logs / "stdout"))


def _stop_group(process: subprocess.Popen[bytes]) -> None:
    for sig, wait in ((signal.SIGTERM, 2.0), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(process.pid, sig)
        except (ProcessLookupError, PermissionError):
            return
        try:
            process.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


def _tail(*paths: Path) -> str:
    """The last lines of the first non-empty file: stderr, else stdout."""
    for path in paths:
        try:
            with open(path, "rb") as handle:
                handle.seek(max(0, path.stat().st_size - TAIL_BYTES))
                text = handle.read().decode("utf-8", "replace")
        except OSError:
            continue
        lines = [line for line in text.splitlines() if line.strip()]
        if lines:
            return "\n".join(lines[-TAIL_LINES:])
    return ""


def with_tail(tail: str) -> str:
    return ":\n" + "\n".join("    " + line for line in tail.splitlines()) if tail else ""


def setup(space: Workspace, command: str, side: str, sha: str, env: dict[str, str]) -> float:
    """Run ``--setup`` in one checkout (through the shell, as typed); its seconds."""
    checkout = space.base if side == "base" else space.head
    try:
        done = run_process(command, checkout, env, space.root / "logs" / f"setup-{side}")
    except OSError as exc:
        raise RunError(NOT_STARTED.format(what="--setup", side=side, detail=exc)) from None
    if done.status != 0:
        raise RunError(SETUP_FAILED.format(
            side=side, sha=sha[:12], status=done.status, tail=with_tail(done.tail)
        ))
    return done.seconds


def measure(
    space: Workspace, command: Sequence[str], side: str, sha: str, round_number: int,
    env: dict[str, str], format: str,
) -> tuple[tuple[Results, ...], float]:
    """Run the benchmark command once on one side; its results, read, and its seconds."""
    checkout = space.base if side == "base" else space.head
    results = space.root / "results" / f"{side}-{round_number}"
    argv = [arg.replace(PLACEHOLDER, str(results)) for arg in command]
    try:
        done = run_process(
            argv, checkout, {**env, RESULTS_ENV: str(results)},
            space.root / "logs" / f"{side}-{round_number}",
        )
    except OSError as exc:
        raise RunError(NOT_STARTED.format(
            what=f"{command[0]!r}", side=side, detail=exc.strerror or exc
        )) from None
    if done.status != 0:
        raise RunError(COMMAND_FAILED.format(
            side=side, sha=sha[:12], round=round_number, status=done.status,
            tail=with_tail(done.tail),
        ))
    return _read(results, side, round_number, format), done.seconds


def _read(results: Path, side: str, round_number: int, format: str) -> tuple[Results, ...]:
    context = {"side": side, "round": round_number}
    if results.is_dir():
        paths = sorted(
            p for p in results.rglob("*")
            if p.is_file() and p.suffix.lower() not in NOT_RESULTS
            and not any(part.startswith(".") for part in p.relative_to(results).parts)
        )
    elif results.is_file():
        paths = [results]
    else:
        paths = []
    if not paths:
        raise RunError(NO_RESULTS.format(**context, env=RESULTS_ENV, placeholder=PLACEHOLDER))
    files: dict[str, bytes] = {}
    for path in paths:
        name = "results" if path == results else "results/" + path.relative_to(results).as_posix()
        if path.stat().st_size > MAX_BYTES:
            raise RunError(UNPARSED.format(
                **context, problem=f"{name} is larger than {MAX_BYTES:,} bytes"
            ))
        files[name] = path.read_bytes()
    read, problems = read_all(files, format)
    if problems:
        raise RunError(UNPARSED.format(**context, problem=_problem(problems[0])))
    if not read:
        raise RunError(NO_RESULTS.format(**context, env=RESULTS_ENV, placeholder=PLACEHOLDER))
    return tuple(read)


def _problem(error: BenchFileError) -> str:
    return str(error)


def machine() -> dict[str, object]:
    """Where the rounds ran, for the paired file (no user names, no environment)."""
    uname = platform.uname()
    return {
        "hostname": uname.node,
        "system": uname.system,
        "release": uname.release,
        "arch": uname.machine,
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
    }
