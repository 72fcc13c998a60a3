"""``perfbot serve`` runs the App; ``perfbot check`` evaluates a local checkout the same way."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from bot import __version__, bench_cli, sweep_cli
from bot.core.render import json_report, markdown_report
from bot.core.results import Conclusion
from bot.local import validate

EXIT_PASS, EXIT_FAIL, EXIT_USAGE = 0, 1, 2


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
    check.add_argument("--format", choices=("markdown", "json"), default="markdown")
    check.add_argument("--label", action="append", default=[], help="a PR label (repeatable)")
    check.add_argument("--body", help="PR description (default: the commit messages)")
    check.add_argument("--body-file", type=Path, help="read the PR description from a file")

    check.add_argument(
        "--extends", type=Path, dest="extends_file", metavar="FILE",
        help="the file the config's `extends:` names (perfbot check does not read GitHub)",
    )

    commands.add_parser("serve", help="run the GitHub App (settings from the environment)")
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
    try:
        body = args.body
        if args.body_file is not None:
            body = args.body_file.read_text(encoding="utf-8")
        source = LocalSource.open(
            checkout, args.base or checkout.default_base(), args.head, body=body,
            labels=frozenset(args.label), extends_file=args.extends_file,
        )
    except (GitError, OSError, UnicodeDecodeError) as exc:
        print(f"perfbot: {exc}", file=sys.stderr)
        return EXIT_USAGE
    # The App's pipeline, over git: the same phases, the verdict printed instead of posted.
    verdict = finish(pipeline.run(source, LocalOutlet()))
    evaluation = verdict.evaluation
    if verdict.config_broken:
        code = EXIT_USAGE
    else:
        code = EXIT_FAIL if evaluation.conclusion is Conclusion.FAILURE else EXIT_PASS
    render = json_report if args.format == "json" else markdown_report
    sys.stdout.write(render(evaluation).rstrip("\n") + "\n")
    return code


def serve() -> int:
    from aiohttp import web

    from bot.app import settings as app_settings
    from bot.app.server import create_app

    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    try:
        settings = app_settings.from_env()
    except app_settings.SettingsError as exc:
        print(f"perfbot: {exc}", file=sys.stderr)
        return EXIT_USAGE
    # No access log: every delivery's outcome is logged once it is processed, and a line per
    # request would cost the acknowledgement path for nothing.
    web.run_app(
        create_app(settings), host=settings.host, port=settings.port, print=None, access_log=None
    )
    return EXIT_PASS
