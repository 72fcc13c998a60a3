"""``perfbot sweep``: the periodic sweep from cron, on a local checkout or through the App.

``--repo PATH`` scans a checkout's committed files (HEAD) for temporary instrumentation
past its expiry and prints each one; it needs no GitHub access. ``--github OWNER/NAME
--installation ID`` runs the App's sweep on one repository with the App's credentials
from the environment: reminders on overdue mitigation issues, and an issue per expired
marker. Both exit 1 when expired instrumentation was found, so cron can mail about it.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import UTC, date, datetime
from pathlib import Path

from bot.core import config as config_model
from bot.core.review import sweep

EXIT_CLEAN, EXIT_FOUND, EXIT_USAGE = 0, 1, 2


def configure(parser: argparse.ArgumentParser) -> None:
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--repo", type=Path, help="a local checkout to scan")
    where.add_argument("--github", metavar="OWNER/NAME", help="sweep this repository via the App")
    parser.add_argument("--installation", type=int, help="the App's installation id (--github)")
    parser.add_argument("--today", type=date.fromisoformat, help="pretend today is YYYY-MM-DD")


def run(args: argparse.Namespace) -> int:
    today = args.today or datetime.now(UTC).date()
    if args.repo is not None:
        return local(args.repo, today)
    if args.installation is None:
        print("perfbot: --github needs --installation", file=sys.stderr)
        return EXIT_USAGE
    return asyncio.run(remote(args.github, args.installation, today))


def local(path: Path, today: date) -> int:
    from bot.local.git import Checkout, GitError

    checkout = Checkout(path)
    try:
        base = checkout.default_base()
        source = checkout.config_source(base) or config_model.builtin_source()
        config = config_model.load(source)
        listing = checkout.git("ls-tree", "-r", "-l", "-z", "HEAD")
    except (GitError, OSError, config_model.ConfigError) as exc:
        print(f"perfbot: {exc}", file=sys.stderr)
        return EXIT_USAGE
    sizes = []
    for entry in filter(None, listing.split("\0")):
        meta, _, name = entry.partition("\t")
        parts = meta.split()
        if len(parts) == 4 and parts[1] == "blob" and parts[3].isdigit():
            sizes.append((name, int(parts[3])))
    settings = config.review.sweep
    found = []
    for name in sweep.candidates(sizes, settings.temporary_paths):
        try:
            text = checkout.git("show", f"HEAD:{name}")
        except GitError:
            continue
        found += sweep.expired(sweep.temporaries(name, text, settings.temporary_marker), today)
        for bad in sweep.undated(name, text, settings.temporary_marker):
            print(sweep.UNDATED.format(path=bad.path, line=bad.line, text=bad.text,
                                       marker=settings.temporary_marker.strip()),
                  file=sys.stderr)
    for item in found:
        print(f"{item.path}:{item.line}: expired {item.due}: {item.text}")
    return EXIT_FOUND if found else EXIT_CLEAN


async def remote(repo: str, installation: int, today: date) -> int:
    import aiohttp

    from bot.app import settings as app_settings
    from bot.github.app import GitHubApp
    from bot.github.auth import AppCredentials
    from bot.github.sweep import sweep_repo

    try:
        settings = app_settings.from_env()
    except app_settings.SettingsError as exc:
        print(f"perfbot: {exc}", file=sys.stderr)
        return EXIT_USAGE
    async with aiohttp.ClientSession() as session:
        github = GitHubApp(session, base_url=settings.api_url,
                           credentials=AppCredentials(settings.app_id, settings.private_key))
        gh = await github.installation(installation)
        report = await sweep_repo(gh, repo, github.app_id, today)
    for number in report.reminded:
        print(f"reminded #{number}")
    for item in report.expired:
        print(f"{item.path}:{item.line}: expired {item.due}: {item.text}")
    for number in report.opened:
        print(f"opened #{number}")
    return EXIT_FOUND if report.expired else EXIT_CLEAN
