"""The App's settings, read from the environment and checked before anything starts.

Every setting is read, and every problem collected, before one `SettingsError` names them
all: an operator fixing a deployment learns of the third missing variable at the same time
as the first, not after three restarts. A problem names its variable and never shows its
value (a mistyped secret is still a secret).

To add a setting, add a field to `Settings` and read it in `from_env` through the
`_Reader` (`required`, `integer`, `number`, `text`, `choice`): it records a problem and returns a
placeholder, so reading goes on.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from cryptography.hazmat.primitives.serialization import load_pem_private_key


class SettingsError(ValueError):
    """Settings are missing or malformed: the message names each, and never a value."""

    def __init__(self, problems: tuple[str, ...]) -> None:
        self.problems = problems
        if len(problems) == 1:
            message = problems[0]
        else:
            message = f"{len(problems)} settings to fix: " + "; ".join(problems)
        super().__init__(message)


@dataclass(frozen=True, slots=True)
class Settings:
    app_id: str
    private_key: str = field(repr=False)
    webhook_secret: str = field(repr=False)
    api_url: str = "https://api.github.com"
    host: str = "0.0.0.0"  # noqa: S104 - a server in a container listens on all interfaces
    port: int = 8080
    concurrency: int = 8
    queue_size: int = 1_000
    # Bodies are read before their signature can be checked: bound them (see app/bodies.py).
    body_timeout: float = 10.0  # seconds for a whole body to arrive
    unverified_mb: int = 64  # MB of bodies not yet verified, held at once
    # The store (bot.store): "" is the embedded SQLite file in data_dir.
    database_url: str = field(default="", repr=False)  # may carry a password
    data_dir: str = ".perfbot"

    def store_url(self) -> str:
        from bot.store import default_url

        return self.database_url or default_url(self.data_dir)
    log_format: str = "json"
    log_level: str = "info"
    traces_endpoint: str = ""  # OTLP/HTTP; empty: no traces


def from_env(env: Mapping[str, str] | None = None) -> Settings:
    read = _Reader(os.environ if env is None else env)
    settings = Settings(
        app_id=_app_id(read),
        private_key=_private_key(read),
        webhook_secret=read.required("GITHUB_WEBHOOK_SECRET"),
        api_url=_api_url(read),
        host=read.text("HOST", "0.0.0.0"),  # noqa: S104
        port=read.integer("PORT", 8080, 1, 65_535),
        concurrency=read.integer("PERFBOT_CONCURRENCY", 8, 1, 256),
        queue_size=read.integer("PERFBOT_QUEUE_SIZE", 1_000, 1, 1_000_000),
        body_timeout=read.number("PERFBOT_BODY_TIMEOUT", 10.0, 0.1, 600.0),
        # At least one largest delivery (25 MB) must fit.
        unverified_mb=read.integer("PERFBOT_UNVERIFIED_MB", 64, 25, 65_536),
        database_url=_database_url(read),
        data_dir=read.text("PERFBOT_DATA_DIR", ".perfbot"),
        log_format=read.choice("PERFBOT_LOG_FORMAT", "json", ("json", "text")),
        log_level=read.choice("PERFBOT_LOG_LEVEL", "info", ("debug", "info", "warning", "error")),
        traces_endpoint=_traces_endpoint(read),
    )
    read.done()
    return settings


class _Reader:
    """Reads variables, collecting every problem instead of stopping at the first."""

    def __init__(self, env: Mapping[str, str]) -> None:
        self.env = env
        self.problems: list[str] = []

    def problem(self, message: str) -> None:
        self.problems.append(message)

    def done(self) -> None:
        if self.problems:
            raise SettingsError(tuple(self.problems))

    def text(self, name: str, default: str) -> str:
        return self.env.get(name, "").strip() or default

    def required(self, name: str) -> str:
        value = self.env.get(name, "").strip()
        if not value:
            self.problem(f"{name} is not set")
        return value

    def integer(self, name: str, default: int, low: int, high: int) -> int:
        raw = self.env.get(name, "").strip()
        if not raw:
            return default
        if not raw.isdigit() or not low <= int(raw) <= high:
            self.problem(f"{name} must be a whole number from {low} to {high}")
            return default
        return int(raw)

    def choice(self, name: str, default: str, choices: tuple[str, ...]) -> str:
        raw = self.env.get(name, "").strip().lower()
        if not raw:
            return default
        if raw not in choices:
            self.problem(f"{name} must be one of {', '.join(choices)}")
            return default
        return raw

    def number(self, name: str, default: float, low: float, high: float) -> float:
        raw = self.env.get(name, "").strip()
        if not raw:
            return default
        try:
            value = float(raw)
        except ValueError:
            value = math.nan
        if not low <= value <= high:  # NaN fails both comparisons
            self.problem(f"{name} must be a number from {low:g} to {high:g}")
            return default
        return value


def _app_id(read: _Reader) -> str:
    value = read.required("GITHUB_APP_ID")
    if value and not value.isdigit():
        read.problem("GITHUB_APP_ID must be the App's numeric id")
    return value


def _private_key(read: _Reader) -> str:
    text = read.env.get("GITHUB_PRIVATE_KEY", "").strip()
    name = "GITHUB_PRIVATE_KEY"
    if not text:
        path = read.env.get("GITHUB_PRIVATE_KEY_PATH", "").strip()
        if not path:
            read.problem("GITHUB_PRIVATE_KEY or GITHUB_PRIVATE_KEY_PATH must be set")
            return ""
        name = "GITHUB_PRIVATE_KEY_PATH"
        try:
            text = Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) else "not text"
            read.problem(f"{name}: cannot read the key file ({reason})")
            return ""
    # Keys pasted into one-line environment variables often carry literal "\n".
    text = text.replace("\\n", "\n")
    try:
        key = load_pem_private_key(text.encode(), password=None)
    except (ValueError, TypeError):
        read.problem(f"{name} is not a PEM-encoded private key")
        return ""
    if not isinstance(key, RSAPrivateKey):
        read.problem(f"{name} must be an RSA key (GitHub App keys are RSA)")
        return ""
    return text


def _traces_endpoint(read: _Reader) -> str:
    """The OTLP endpoint the SDK will read; checked here so a typo is reported at start
    with the other problems rather than as export errors later."""
    chosen = ""
    for name in ("OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"):
        value = read.text(name, "")
        if value and not _is_http_url(value):
            read.problem(f"{name} must be an http(s) URL, e.g. http://collector:4318")
        elif value:
            chosen = value  # the traces-specific one wins, as in the SDK
    if read.text("OTEL_SDK_DISABLED", "").lower() == "true":
        return ""
    return chosen


def _is_http_url(value: str) -> bool:
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises ValueError on a port that is not a number
        return parts.scheme in ("http", "https") and bool(parts.hostname)
    except ValueError:  # e.g. an unclosed IPv6 bracket or a port that is not a number
        return False


def _api_url(read: _Reader) -> str:
    value = read.text("GITHUB_API_URL", "https://api.github.com")
    if not _is_http_url(value):
        read.problem(
            "GITHUB_API_URL must be an http(s) URL, e.g. https://HOST/api/v3 for GitHub "
            "Enterprise Server"
        )
    return value.rstrip("/")


def _database_url(read: _Reader) -> str:
    value = read.text("PERFBOT_DATABASE_URL", "")
    scheme = value.split(":", 1)[0].split("+", 1)[0].lower()
    if value and (":" not in value or scheme not in ("sqlite", "postgresql", "postgres")):
        read.problem(
            "PERFBOT_DATABASE_URL must be a postgresql://USER:PASSWORD@HOST/DB or "
            "sqlite:///PATH URL"
        )
        return ""
    return value
