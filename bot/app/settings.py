"""The App's settings, read from the environment and checked before anything starts."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from cryptography.hazmat.primitives.serialization import load_pem_private_key


class SettingsError(ValueError):
    """One setting is missing or malformed. The message names it and never shows its value."""


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
    # The store (bot.store): "" is the embedded SQLite file in data_dir.
    database_url: str = field(default="", repr=False)  # may carry a password
    data_dir: str = ".perfbot"

    def store_url(self) -> str:
        from bot.store import default_url

        return self.database_url or default_url(self.data_dir)


def from_env(env: Mapping[str, str] | None = None) -> Settings:
    env = os.environ if env is None else env
    return Settings(
        app_id=_app_id(env),
        private_key=_private_key(env),
        webhook_secret=_required(env, "GITHUB_WEBHOOK_SECRET"),
        api_url=_api_url(env),
        host=env.get("HOST", "0.0.0.0") or "0.0.0.0",  # noqa: S104
        port=_integer(env, "PORT", 8080, 1, 65_535),
        concurrency=_integer(env, "PERFBOT_CONCURRENCY", 8, 1, 256),
        queue_size=_integer(env, "PERFBOT_QUEUE_SIZE", 1_000, 1, 1_000_000),
        database_url=_database_url(env),
        data_dir=env.get("PERFBOT_DATA_DIR", "").strip() or ".perfbot",
    )


def _required(env: Mapping[str, str], name: str) -> str:
    value = env.get(name, "").strip()
    if not value:
        raise SettingsError(f"{name} is not set")
    return value


def _app_id(env: Mapping[str, str]) -> str:
    value = _required(env, "GITHUB_APP_ID")
    if not value.isdigit():
        raise SettingsError("GITHUB_APP_ID must be the App's numeric id")
    return value


def _private_key(env: Mapping[str, str]) -> str:
    text = env.get("GITHUB_PRIVATE_KEY", "").strip()
    name = "GITHUB_PRIVATE_KEY"
    if not text:
        path = env.get("GITHUB_PRIVATE_KEY_PATH", "").strip()
        if not path:
            raise SettingsError("GITHUB_PRIVATE_KEY or GITHUB_PRIVATE_KEY_PATH must be set")
        name = "GITHUB_PRIVATE_KEY_PATH"
        try:
            text = Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) else "not text"
            raise SettingsError(f"{name}: cannot read the key file ({reason})") from None
    # Keys pasted into one-line environment variables often carry literal "\n".
    text = text.replace("\\n", "\n")
    try:
        key = load_pem_private_key(text.encode(), password=None)
    except (ValueError, TypeError):
        raise SettingsError(f"{name} is not a PEM-encoded private key") from None
    if not isinstance(key, RSAPrivateKey):
        raise SettingsError(f"{name} must be an RSA key (GitHub App keys are RSA)")
    return text


def _api_url(env: Mapping[str, str]) -> str:
    value = env.get("GITHUB_API_URL", "").strip() or "https://api.github.com"
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise SettingsError(
            "GITHUB_API_URL must be an http(s) URL, e.g. https://HOST/api/v3 for GitHub "
            "Enterprise Server"
        )
    return value.rstrip("/")


def _database_url(env: Mapping[str, str]) -> str:
    value = env.get("PERFBOT_DATABASE_URL", "").strip()
    scheme = value.split(":", 1)[0].split("+", 1)[0].lower()
    if value and (":" not in value or scheme not in ("sqlite", "postgresql", "postgres")):
        raise SettingsError(
            "PERFBOT_DATABASE_URL must be a postgresql://USER:PASSWORD@HOST/DB or "
            "sqlite:///PATH URL"
        )
    return value


def _integer(env: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise SettingsError(f"{name} must be a whole number from {low} to {high}")
    return int(raw)
