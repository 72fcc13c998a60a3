"""The repository's performance.yml: parsed, validated to the line, with defaults filled in."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from importlib import resources
from pathlib import Path

from bot.core import config_references, layers, validation, yamldoc
from bot.core.binding import Globs, Problem, bind
from bot.core.layers import Reference
from bot.core.review.settings import ReviewSettings
from bot.core.rules import RuleSettings

CONFIG_PATH = ".github/performance.yml"
SUPPORTED_VERSIONS = (1,)

EXTENDS_MISSING = (
    "extends: cannot read {label}: it does not exist, or perfbot is not installed on {repo}"
)
EXTENDS_CYCLE = "extends: {label} is this file itself"
EXTENDS_BACK = "extends: {label} extends this file in turn (a cycle); remove one of the two"
EXTENDS_TOO_DEEP = (
    "extends: {label} itself extends {other}; perfbot follows one level, so extend {other} "
    "directly or copy what you need"
)


class OutOfScope(StrEnum):
    """What an out-of-scope change's check concludes."""

    SUCCESS = "success"
    NEUTRAL = "neutral"


class Drafts(StrEnum):
    """Whether draft pull requests are evaluated."""

    EVALUATE = "evaluate"
    SKIP = "skip"


@dataclass(frozen=True, slots=True)
class Config:
    version: int = 1
    """Config format version; 1 is the only one."""
    extends: str | None = None
    """Start from another file and override it key by key: `org` (the organisation's `.github` repository), `OWNER/REPO`, `OWNER/REPO:PATH`, optionally `@REF`. One level."""  # noqa: E501
    check_name: str = "Performance workflow"
    """The check run's name."""
    out_of_scope: OutOfScope = OutOfScope.SUCCESS
    """The check's conclusion when no rule applies, or the PR is skipped below."""
    paths: Globs = ()
    """Only PRs changing these paths are evaluated (gitignore-style, `!` negates); empty: all. A PR carrying one of `labels` is evaluated too."""  # noqa: E501
    labels: tuple[str, ...] = ()
    """Only PRs with one of these labels are evaluated (or changing `paths`); empty: all."""
    skip_labels: tuple[str, ...] = ("perf:skip",)
    """A PR with one of these labels is not evaluated; the check says so."""
    skip_authors: tuple[str, ...] = ()
    """PR authors whose PRs are not evaluated: logins, `*` matches any run of characters (`dependabot[bot]`, `*[bot]`)."""  # noqa: E501
    drafts: Drafts = Drafts.EVALUATE
    """`evaluate` draft PRs like any other, or `skip` them until they are ready for review."""
    rules: RuleSettings = RuleSettings()
    """Each rule's settings, by rule id."""
    review: ReviewSettings = ReviewSettings()
    """The reviewer's side: the checklist comment, who may sign off, mitigation issues."""


@dataclass(frozen=True, slots=True)
class ConfigSource:
    """Config text and where it came from, as a front fetched it."""

    text: str
    origin: str  # e.g. ".github/performance.yml@main" or "built-in defaults"
    path: str = CONFIG_PATH
    # False for a file outside the repository under review (the organisation's default):
    # its problems cannot be annotated on a file of the pull request.
    in_repo: bool = True


@dataclass(frozen=True, slots=True)
class ConfigFiles:
    """The config that applies to a repository and the file it extends, as a front read them.

    ``owner`` resolves ``extends: org``; ``here`` is ``source``'s own place, to refuse a
    file that extends itself; ``missing_hint`` tells how to supply a missing target.
    """

    source: ConfigSource
    parent: ConfigSource | None = None
    here: Reference | None = None
    owner: str = ""
    missing_hint: str = ""

    def load(self) -> Config:
        return load(
            self.source,
            parent=self.parent,
            owner=self.owner,
            here=self.here,
            missing_hint=self.missing_hint,
        )


class ConfigError(ValueError):
    """The config cannot be used; ``problems`` say where and why, all of them at once."""

    def __init__(self, source: ConfigSource, problems: tuple[Problem, ...]) -> None:
        super().__init__("; ".join(p.message for p in problems))
        self.source = source
        self.problems = problems


def extends(source: ConfigSource, owner: str = "") -> Reference | None:
    """The file ``source`` extends, for a front to fetch before ``load`` (None: none, or
    a reference ``load`` will report as invalid)."""
    try:
        doc = yamldoc.parse(source.text)
    except yamldoc.DocumentError:
        return None
    return layers.reference_in(doc, owner)


def load(
    source: ConfigSource,
    *,
    parent: ConfigSource | None = None,
    owner: str = "",
    here: Reference | None = None,
    missing_hint: str = "",
) -> Config:
    """The config in ``source``, over ``parent`` (the file it ``extends``, as fetched).

    ``owner`` resolves ``extends: org``; ``here`` is ``source``'s own place, to refuse a
    file that extends itself.
    """
    doc = _document(source, "")
    problems: tuple[Problem, ...] = ()
    data = doc.data if isinstance(doc.data, dict) else {}
    if isinstance(data.get("extends"), str):
        merged, problems = _extended(doc, data["extends"], parent, owner, here, missing_hint)
        doc = merged or doc
    problems += validation.problems(doc) + _meaning(doc)
    problems += config_references.problems(doc)
    if problems:
        raise ConfigError(source, tuple(sorted(problems, key=_in_file_order)))
    config, problems = bind(Config, doc)
    if problems:
        raise ConfigError(source, problems)
    return config


def _meaning(doc: yamldoc.Document) -> tuple[Problem, ...]:
    """What the schema cannot say: the values it accepts that perfbot still cannot use."""
    data = doc.data if isinstance(doc.data, dict) else {}
    problems: tuple[Problem, ...] = ()
    version = data.get("version")
    if isinstance(version, int) and version not in SUPPORTED_VERSIONS:
        supported = ", ".join(map(str, SUPPORTED_VERSIONS))
        message = f"version: {version} is not supported (use {supported})"
        problems += (_problem(doc, ("version",), message),)
    name = data.get("check_name")
    if isinstance(name, str) and not name.strip():
        problems += (_problem(doc, ("check_name",), "check_name: must not be empty"),)
    return problems


def _in_file_order(problem: Problem) -> tuple[str, int, int]:
    return problem.file, problem.position.line, problem.position.column


def _problem(doc: yamldoc.Document, path: yamldoc.Path, message: str) -> Problem:
    return Problem(message, doc.position(path), doc.file(path))


def _document(source: ConfigSource, file: str) -> yamldoc.Document:
    try:
        doc = yamldoc.parse(source.text)
    except yamldoc.DocumentError as exc:
        raise ConfigError(source, (Problem(exc.message, exc.position, file),)) from None
    if doc.data is not None and not isinstance(doc.data, dict):
        where = doc.position(())
        message = "the file must be a mapping of settings"
        raise ConfigError(source, (Problem(message, where, file),))
    return doc


def _extended(
    doc: yamldoc.Document,
    written: str,
    parent: ConfigSource | None,
    owner: str,
    here: Reference | None,
    missing_hint: str,
) -> tuple[yamldoc.Document | None, tuple[Problem, ...]]:
    """``doc`` merged over the file it extends, or the problem with its ``extends:`` line."""
    where = doc.position(("extends",))
    try:
        reference = layers.parse_reference(written, owner)
    except ValueError as exc:
        return None, (Problem(f"extends: {exc}", where),)
    label = reference.label
    if here is not None and reference.same_file(here):
        return None, (Problem(EXTENDS_CYCLE.format(label=label), where),)
    if parent is None:
        message = EXTENDS_MISSING.format(label=label, repo=reference.repo) + missing_hint
        return None, (Problem(message, where),)
    try:
        parent_doc = _document(parent, parent.path)
    except ConfigError as error:
        return None, error.problems
    further = layers.reference_in(parent_doc, owner)
    if further is not None:
        if here is not None and further.same_file(here):
            return None, (Problem(EXTENDS_BACK.format(label=label), where),)
        message = EXTENDS_TOO_DEEP.format(label=label, other=further.label)
        return None, (Problem(message, where),)
    return layers.merge(parent_doc, doc, parent.path), ()


def builtin_source() -> ConfigSource:
    """The defaults a repository without its own file gets: advice, not enforcement."""
    packaged = resources.files("bot").joinpath("_config/default.yml")
    if packaged.is_file():
        text = packaged.read_text(encoding="utf-8")
    else:  # a source checkout or editable install
        text = (Path(__file__).parents[2] / "config" / "default.yml").read_text(encoding="utf-8")
    return ConfigSource(text=text, origin="built-in defaults")
