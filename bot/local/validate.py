"""``perfbot config validate PATH``: the App's config checks, on a file, before it is committed.

Prints one ``file:line:col: message`` line per problem, the form editors and CI logs
turn into links; exits 0 when the file is valid, 1 when it is not, 2 when it cannot
be read.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot.core.config import EXTENDS_MISSING, ConfigError, extends, load
from bot.local.git import read_config_file

EXIT_VALID, EXIT_INVALID, EXIT_UNREADABLE = 0, 1, 2
VALID = "{path}: valid"
NOT_CHECKED = (
    "{path}: note: extends {label}, which was not checked; pass it with --extends FILE "
    "to check the two together"
)


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    config = commands.add_parser("config", help="work with .github/performance.yml")
    actions = config.add_subparsers(dest="config_command", required=True)
    validate = actions.add_parser(
        "validate",
        help="check a config file against the published schema",
        description="Check PATH as the App would (schema, patterns, extends). Exit 0 when "
        "valid, 1 when invalid (one file:line:col: message per problem), 2 when unreadable.",
    )
    validate.add_argument("path", type=Path, help="the config file, e.g. .github/performance.yml")
    validate.add_argument(
        "--extends", type=Path, dest="extends_file", metavar="FILE",
        help="the file PATH extends, to check the merged result",
    )


def run(args: argparse.Namespace) -> int:
    path: Path = args.path
    try:
        source = read_config_file(path, in_repo=True)
        parent = None if args.extends_file is None else read_config_file(args.extends_file)
    except ConfigError as error:
        return _report(error, str(path))
    except OSError as exc:
        print(f"perfbot: cannot read {exc.filename}: {exc.strerror}", file=sys.stderr)
        return EXIT_UNREADABLE
    except UnicodeDecodeError:
        print(f"perfbot: cannot read {path}: not UTF-8 text", file=sys.stderr)
        return EXIT_UNREADABLE
    reference = extends(source)
    alone = reference is not None and parent is None
    try:
        load(source, parent=parent)
    except ConfigError as error:
        # Checked alone, a file that extends another is judged on what it says itself.
        unread = EXTENDS_MISSING.split("{")[0]
        problems = tuple(p for p in error.problems if not (alone and p.message.startswith(unread)))
        if problems:
            return _report(ConfigError(error.source, problems), str(path))
    if alone and reference is not None:
        print(NOT_CHECKED.format(path=path, label=reference.label))
    print(VALID.format(path=path))
    return EXIT_VALID


def _report(error: ConfigError, path: str) -> int:
    for p in error.problems:
        where = p.file or path
        print(f"{where}:{p.position.line}:{p.position.column}: {p.message}")
    return EXIT_INVALID
