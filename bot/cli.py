"""``perfbot serve`` runs the App; ``perfbot check`` evaluates a local checkout the same way."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from bot import __version__, bench_cli, init_cli, register_cli, sweep_cli
from bot.core.render import json_report, markdown_report
from bot.core.reports.github import step_summary, workflow_commands
from bot.core.reports.sarif import sarif_report
from bot.core.reports.text import text_report
from bot.core.results import Conclusion, Evaluation, Outcome
from bot.local import validate

if TYPE_CHECKING:
    from bot.app import settings as app_settings_t
    from bot.local.git import Checkout

EXIT_PASS, EXIT_FAIL, EXIT_USAGE = 0, 1, 2
FORMATS = ("text", "markdown", "json", "github", "sarif")
UNCOMMITTED = (
    "perfbot: warning: {count:,} uncommitted change{s} ({shown}) {verb} not checked: perfbot "
    "check reads commits; commit them, or pass --worktree to check the work tree as it stands"
)
SAME_COMMIT = (
    "`{head}` and `{base}` are the same commit ({sha}), so there is no change to check. "
    "Pass the branch the change would merge into (e.g. `--base origin/main`), or "
    "`--base HEAD~1` to check the last commit."
)
ALREADY_MERGED = (
    "`{head}` ({sha}) is already part of `{base}`, so there is no change to check. "
    "Pass the branch the change would merge into (e.g. `--base origin/main`), or "
    "`--base HEAD~1` to check the last commit."
)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="perfbot", description="Hold changes to a performance engineering workflow."
    )
    parser.add_argument("--version", action="version", version=f"perfbot {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)

    check = commands.add_parser(
        "check",
        help="evaluate a local git checkout as the App would a pull request",
        description="Evaluate the change from the merge base of BASE and HEAD to HEAD, with "
        "the config committed on BASE (or the built-in defaults). Exit 0 when the rules pass, "
        "1 when a rule fails, 2 on a usage or config error.",
    )
    check.add_argument("--repo", type=Path, default=Path.cwd(), help="checkout (default: .)")
    check.add_argument("--base", help="base branch (default: origin/HEAD, main or master)")
    check.add_argument("--head", default="HEAD", help="head ref (default: HEAD)")
    check.add_argument(
        "--worktree", action="store_true",
        help="check the work tree as it stands (uncommitted and untracked files included) "
        "instead of the HEAD commit",
    )
    check.add_argument(
        "--format", choices=FORMATS, default=None,
        help="text (colour on a terminal), markdown (the check run's text), json (every "
        "finding), github (Actions annotations and job summary) or sarif (code scanning); "
        "default: text when stdout is a terminal, else markdown",
    )
    check.add_argument(
        "--strict", action="store_true",
        help="exit 1 when any rule fails, warnings and notices included",
    )
    check.add_argument("--label", action="append", default=[], help="a PR label (repeatable)")
    body = check.add_mutually_exclusive_group()
    body.add_argument("--body", help="PR description (default: the commit messages)")
    body.add_argument("--body-file", type=Path, help="read the PR description from a file")

    check.add_argument(
        "--extends", type=Path, dest="extends_file", metavar="FILE",
        help="the file the config's `extends:` names (perfbot check does not read GitHub)",
    )

    commands.add_parser("serve", help="run the GitHub App (settings from the environment)")
    register_cli.configure(commands.add_parser(
        "register", help="create perfbot's GitHub App from its manifest and write its settings",
        description=register_cli.__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    ))
    init_cli.configure(commands.add_parser(
        "init", help="write a config, an objectives skeleton and a workflow fitted to this "
        "repository", description=init_cli.__doc__,
    ))
    validate.add_parser(commands)
    sweep_cli.configure(commands.add_parser(
        "sweep", help="remind overdue mitigations and find expired temporary instrumentation",
        description=sweep_cli.__doc__,
    ))
    bench_cli.register(commands)

    args = parser.parse_args(argv)
    if args.command == "serve":
        return serve()
    if args.command == "config":
        return validate.run(args)
    if args.command == "init":
        return init_cli.run(args)
    if args.command == "register":
        return register_cli.run(args)
    if args.command == "sweep":
        return sweep_cli.run(args)
    if args.command == "bench":
        return bench_cli.run(args)
    return run_check(args)


def run_check(args: argparse.Namespace) -> int:
    from bot import pipeline
    from bot.local.git import Checkout, GitError
    from bot.local.source import LocalOutlet, LocalSource, finish

    checkout = Checkout(args.repo)
    if args.worktree and args.head != "HEAD":
        print("perfbot: --worktree checks the work tree, so it takes no --head", file=sys.stderr)
        return EXIT_USAGE
    notes: list[str] = []
    try:
        body = args.body
        if args.body_file is not None:
            body = _read_body(args.body_file)
        base = args.base or checkout.default_base()
        checkout.resolve(base)
        if args.head == "HEAD" and not args.worktree:
            _warn_uncommitted(checkout.uncommitted())
        pr = checkout.pull_request(
            base, args.head, body=body, labels=frozenset(args.label), worktree=args.worktree
        )
        if not args.worktree or not pr.files:
            notes += _same_commit(checkout, base, args.head)
        files = checkout.config_files(base, args.extends_file)
    except (GitError, OSError, UnicodeDecodeError) as exc:
        print(f"perfbot: {exc}", file=sys.stderr)
        return EXIT_USAGE
    # The App's pipeline, over git: the same phases, the verdict printed instead of posted.
    local = LocalSource(checkout, base, pr, files, args.extends_file, args.head)
    verdict = finish(pipeline.run(local, LocalOutlet()))
    evaluation = verdict.evaluation
    code = EXIT_USAGE if verdict.config_broken else _exit_code(evaluation, strict=args.strict)
    if notes:
        evaluation = replace(evaluation, notes=(*notes, *evaluation.notes))
    _write(evaluation, args.format)
    return code


def _exit_code(evaluation: Evaluation, *, strict: bool) -> int:
    if evaluation.conclusion is Conclusion.FAILURE:
        return EXIT_FAIL
    if strict and any(r.outcome is Outcome.FAILED for r in evaluation.results):
        return EXIT_FAIL
    return EXIT_PASS


def _write(evaluation: Evaluation, chosen: str | None) -> None:
    """Print the report in the format asked for; the default suits where stdout goes."""
    terminal = sys.stdout.isatty()
    form = chosen or ("text" if terminal else "markdown")
    if form == "text":
        colour = terminal and not os.environ.get("NO_COLOR") and os.environ.get("TERM") != "dumb"
        out = text_report(evaluation, colour=colour)
    elif form == "json":
        out = json_report(evaluation)
    elif form == "sarif":
        out = sarif_report(evaluation, __version__)
    elif form == "github":
        out = workflow_commands(evaluation)
        summary = os.environ.get("GITHUB_STEP_SUMMARY")
        if summary:
            try:
                with open(summary, "a", encoding="utf-8") as handle:
                    handle.write(step_summary(evaluation).rstrip("\n") + "\n")
            except OSError as exc:
                print(f"perfbot: cannot write the job summary to {summary}: {exc.strerror}",
                      file=sys.stderr)
    else:
        out = markdown_report(evaluation)
    sys.stdout.write(out.rstrip("\n") + "\n")


def _read_body(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise OSError(f"cannot read --body-file {path}: not UTF-8 text") from None
    except OSError as exc:
        raise OSError(f"cannot read --body-file {path}: {exc.strerror}") from None


def _warn_uncommitted(paths: tuple[str, ...]) -> None:
    if not paths:
        return
    shown = ", ".join(paths[:3]) + (f" and {len(paths) - 3:,} more" if len(paths) > 3 else "")
    plural = len(paths) != 1
    print(UNCOMMITTED.format(count=len(paths), s="s" if plural else "", shown=shown,
                             verb="are" if plural else "is"), file=sys.stderr)


def _same_commit(checkout: Checkout, base: str, head: str) -> list[str]:
    """Say so when there is nothing to check because head is already on base."""
    head_sha = checkout.resolve(head)
    if checkout.merge_base(base, head_sha) != head_sha:
        return []
    sha = head_sha[:12]
    if checkout.resolve(base) == head_sha:
        return [SAME_COMMIT.format(head=head, base=base, sha=sha)]
    return [ALREADY_MERGED.format(head=head, base=base, sha=sha)]


def serve() -> int:
    import asyncio

    from bot.app import settings as app_settings
    from bot.telemetry import logs, secrets, traces

    try:
        settings = app_settings.from_env()
    except app_settings.SettingsError as exc:
        print(f"perfbot: {exc}", file=sys.stderr)
        return EXIT_USAGE
    secrets.hide(settings.webhook_secret, settings.private_key)
    logs.configure(settings.log_format, settings.log_level)
    stop_tracing = traces.configure(settings.traces_endpoint)
    try:
        return asyncio.run(_serve(settings))
    except KeyboardInterrupt:
        return EXIT_PASS
    finally:
        if stop_tracing is not None:
            stop_tracing()  # flushes the spans still buffered


async def _serve(settings: app_settings_t.Settings) -> int:
    """Listen, say where, look at GitHub once, then serve until SIGTERM or SIGINT."""
    import asyncio
    import signal

    import aiohttp
    from aiohttp import web

    from bot.app.server import create_app
    from bot.github import probe
    from bot.github.auth import AppCredentials

    log = logging.getLogger("bot.serve")
    # No access log: every delivery's outcome is logged once it is processed, and a line per
    # request would cost the acknowledgement path for nothing.
    runner = web.AppRunner(create_app(settings), access_log=None, handle_signals=False)
    await runner.setup()
    try:
        site = web.TCPSite(runner, settings.host, settings.port)
        try:
            await site.start()
        except OSError as exc:
            # asyncio rewrites strerror into a sentence; the errno says it plainly.
            reason = (os.strerror(exc.errno) if exc.errno else str(exc)).lower()
            log.error("cannot listen on %s:%d: %s", settings.host, settings.port, reason,
                      extra={"error": reason})
            return EXIT_FAIL
        where = f"http://{_host_for_url(settings.host)}:{settings.port}"
        log.info("perfbot %s listening on %s (webhooks at %s/webhooks)", __version__, where,
                 where, extra={"url": where})
        stopping = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stopping.set)
        async with aiohttp.ClientSession(timeout=probe.TIMEOUT) as session:
            reached = await probe.reach(session, settings.api_url,
                                        AppCredentials(settings.app_id, settings.private_key))
        level = logging.INFO if reached.ok else logging.ERROR
        log.log(level, "%s", reached.message, extra={"github_url": settings.api_url,
                                                     "app": reached.slug or None})
        await stopping.wait()
        log.info("stopping: finishing accepted deliveries")
    finally:
        await runner.cleanup()
    return EXIT_PASS


def _host_for_url(host: str) -> str:
    return f"[{host}]" if ":" in host else host
