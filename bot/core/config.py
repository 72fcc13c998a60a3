"""The repository's performance.yml: parsed, validated to the line, with defaults filled in."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from importlib import resources
from pathlib import Path

from bot.core import yamldoc
from bot.core.binding import Problem, bind
from bot.core.review.settings import ReviewSettings
from bot.core.rules import RuleSettings

CONFIG_PATH = ".github/performance.yml"
SUPPORTED_VERSIONS = (1,)


class OutOfScope(StrEnum):
    """What an out-of-scope change's check concludes."""

    SUCCESS = "success"
    NEUTRAL = "neutral"


@dataclass(frozen=True, slots=True)
class Config:
    version: int = 1
    check_name: str = "Performance workflow"
    out_of_scope: OutOfScope = OutOfScope.SUCCESS
    rules: RuleSettings = RuleSettings()
    review: ReviewSettings = ReviewSettings()


@dataclass(frozen=True, slots=True)
class ConfigSource:
    """Config text and where it came from, as a front fetched it."""

    text: str
    origin: str  # e.g. ".github/performance.yml@main" or "built-in defaults"
    path: str = CONFIG_PATH


class ConfigError(ValueError):
    """The config cannot be used; ``problems`` say where and why, all of them at once."""

    def __init__(self, source: ConfigSource, problems: tuple[Problem, ...]) -> None:
        super().__init__("; ".join(p.message for p in problems))
        self.source = source
        self.problems = problems


def load(source: ConfigSource) -> Config:
    try:
        doc = yamldoc.parse(source.text)
    except yamldoc.DocumentError as exc:
        raise ConfigError(source, (Problem(exc.message, exc.position),)) from None
    if doc.data is not None and not isinstance(doc.data, dict):
        where = doc.position(())
        raise ConfigError(source, (Problem("the file must be a mapping of settings", where),))
    config, problems = bind(Config, doc)
    if config.version not in SUPPORTED_VERSIONS:
        supported = ", ".join(map(str, SUPPORTED_VERSIONS))
        message = f"version: {config.version} is not supported (use {supported})"
        problems += (Problem(message, doc.position(("version",))),)
    if not config.check_name.strip():
        problems += (Problem("check_name: must not be empty", doc.position(("check_name",))),)
    if problems:
        raise ConfigError(source, problems)
    return config


def builtin_source() -> ConfigSource:
    """The defaults a repository without its own file gets: advice, not enforcement."""
    packaged = resources.files("bot").joinpath("_config/default.yml")
    if packaged.is_file():
        text = packaged.read_text(encoding="utf-8")
    else:  # a source checkout or editable install
        text = (Path(__file__).parents[2] / "config" / "default.yml").read_text(encoding="utf-8")
    return ConfigSource(text=text, origin="built-in defaults")
