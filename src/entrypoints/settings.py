"""Parley's configuration: the `PARLEY_*` environment, read once and checked at start."""

import math
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Literal, TypeVar

import psycopg
from psycopg.conninfo import conninfo_to_dict

from application.policy import ChatPolicy
from domain.text import MAX_STORED_MESSAGE_CHARS

C = TypeVar("C", bound=str)


class SettingsError(ValueError):
    """A `PARLEY_*` variable holds a value Parley cannot use; the message names it."""


@dataclass(frozen=True, slots=True)
class Settings:
    database_url: str | None = None
    """The owner's: migrations run as it."""
    app_database_url: str | None = None
    """The service's own connection; None: `database_url` as the role `parley_app`."""
    data_dir: Path = Path(".parley")
    host: str = "127.0.0.1"
    port: int = 8000
    store: Literal["postgres", "memory"] = "postgres"
    auth_mode: Literal["dev", "clerk"] = "dev"
    dev_secret: str | None = None
    auto_provision: bool = True
    clerk_jwks_url: str | None = None
    clerk_jwt_key: str | None = None
    clerk_issuer: str | None = None
    clerk_authorized_parties: frozenset[str] = field(default_factory=frozenset)
    assistant: Literal["echo", "openai"] = "echo"
    openai_base_url: str | None = None
    openai_model: str | None = None
    openai_api_key: str | None = None
    max_message_chars: int = 16_000
    max_body_bytes: int = 1_048_576
    rate_limit_per_minute: int = 300
    assistant_timeout_s: float = 60.0
    session_idle_minutes: float = 30.0
    log_format: Literal["console", "json"] = "json"
    db_pool_min: int = 2
    db_pool_max: int = 10
    db_pool_timeout_s: float = 5.0
    clerk_secret_key: str | None = None
    clerk_api_url: str = "https://api.clerk.com/v1"
    system_prompt: str | None = None
    """None: the assistant adapter's own prompt."""
    assistant_history_chars: int = 24_000
    assistant_connect_timeout_s: float = 5.0
    assistant_first_token_timeout_s: float = 30.0
    assistant_retries: int = 2

    def policy(self) -> ChatPolicy:
        return ChatPolicy(
            max_message_chars=self.max_message_chars,
            session_idle=timedelta(minutes=self.session_idle_minutes),
            assistant_timeout=timedelta(seconds=self.assistant_timeout_s),
            auto_provision=self.auto_provision,
        )


def settings_from(environ: Mapping[str, str] | None = None) -> Settings:
    """Settings from `environ` (the process environment by default); `SettingsError` if wrong."""
    env = _Env(os.environ if environ is None else environ)
    auth_mode: Literal["dev", "clerk"] = env.choice("PARLEY_AUTH_MODE", ("dev", "clerk"), "dev")
    settings = Settings(
        database_url=env.text("PARLEY_DATABASE_URL"),
        app_database_url=env.text("PARLEY_APP_DATABASE_URL"),
        data_dir=Path(env.text("PARLEY_DATA_DIR") or ".parley"),
        host=env.text("PARLEY_HOST") or "127.0.0.1",
        port=env.integer("PARLEY_PORT", 8000, low=0, high=65535),
        store=env.choice("PARLEY_STORE", ("postgres", "memory"), "postgres"),
        auth_mode=auth_mode,
        dev_secret=env.text("PARLEY_DEV_SECRET"),
        auto_provision=env.flag("PARLEY_AUTO_PROVISION", default=auth_mode == "dev"),
        clerk_jwks_url=env.text("PARLEY_CLERK_JWKS_URL"),
        clerk_jwt_key=env.text("PARLEY_CLERK_JWT_KEY"),
        clerk_issuer=env.text("PARLEY_CLERK_ISSUER"),
        clerk_authorized_parties=env.items("PARLEY_CLERK_AUTHORIZED_PARTIES"),
        assistant=env.choice("PARLEY_ASSISTANT", ("echo", "openai"), "echo"),
        openai_base_url=env.text("PARLEY_OPENAI_BASE_URL"),
        openai_model=env.text("PARLEY_OPENAI_MODEL"),
        openai_api_key=env.text("PARLEY_OPENAI_API_KEY"),
        max_message_chars=env.integer(
            "PARLEY_MAX_MESSAGE_CHARS", 16_000, low=1, high=MAX_STORED_MESSAGE_CHARS
        ),
        max_body_bytes=env.integer("PARLEY_MAX_BODY_BYTES", 1_048_576, low=1024),
        rate_limit_per_minute=env.integer("PARLEY_RATE_LIMIT_PER_MINUTE", 300, low=0),
        assistant_timeout_s=env.number("PARLEY_ASSISTANT_TIMEOUT_S", 60.0, low=0.1),
        session_idle_minutes=env.number("PARLEY_SESSION_IDLE_MINUTES", 30.0, low=0.01),
        log_format=env.choice(
            "PARLEY_LOG_FORMAT", ("console", "json"), "console" if sys.stderr.isatty() else "json"
        ),
        db_pool_min=env.integer("PARLEY_DB_POOL_MIN", 2, low=1),
        db_pool_max=env.integer("PARLEY_DB_POOL_MAX", 10, low=1),
        db_pool_timeout_s=env.number("PARLEY_DB_POOL_TIMEOUT_S", 5.0, low=0.1),
        clerk_secret_key=env.text("CLERK_SECRET_KEY"),
        clerk_api_url=env.text("PARLEY_CLERK_API_URL") or "https://api.clerk.com/v1",
        system_prompt=env.text("PARLEY_SYSTEM_PROMPT"),
        assistant_history_chars=env.integer("PARLEY_ASSISTANT_HISTORY_CHARS", 24_000, low=1),
        assistant_connect_timeout_s=env.number("PARLEY_ASSISTANT_CONNECT_TIMEOUT_S", 5.0, low=0.1),
        assistant_first_token_timeout_s=env.number(
            "PARLEY_ASSISTANT_FIRST_TOKEN_TIMEOUT_S", 30.0, low=0.1
        ),
        assistant_retries=env.integer("PARLEY_ASSISTANT_RETRIES", 2, low=0, high=10),
    )
    _check_consistency(settings)
    return settings


def _check_consistency(settings: Settings) -> None:
    if settings.auth_mode == "clerk" and not (settings.clerk_jwks_url or settings.clerk_jwt_key):
        raise SettingsError(
            "PARLEY_AUTH_MODE=clerk needs PARLEY_CLERK_JWKS_URL or PARLEY_CLERK_JWT_KEY"
        )
    if settings.assistant == "openai" and not (settings.openai_base_url and settings.openai_model):
        raise SettingsError(
            "PARLEY_ASSISTANT=openai needs PARLEY_OPENAI_BASE_URL and PARLEY_OPENAI_MODEL"
        )
    if settings.dev_secret is not None and len(settings.dev_secret.encode()) < 32:
        raise SettingsError("PARLEY_DEV_SECRET must be at least 32 bytes long")
    if settings.db_pool_min > settings.db_pool_max:
        raise SettingsError("PARLEY_DB_POOL_MIN must not exceed PARLEY_DB_POOL_MAX")
    if settings.app_database_url is not None:
        _check_app_database_url(settings)


def _check_app_database_url(settings: Settings) -> None:
    if settings.database_url is None:
        raise SettingsError(
            "PARLEY_APP_DATABASE_URL needs PARLEY_DATABASE_URL (the owner's, for migrations)"
        )
    try:
        user = conninfo_to_dict(settings.app_database_url or "").get("user")
    except psycopg.ProgrammingError:
        raise SettingsError("PARLEY_APP_DATABASE_URL is not a connection URL") from None
    if not user:
        raise SettingsError("PARLEY_APP_DATABASE_URL must name its user")


class _Env:
    def __init__(self, environ: Mapping[str, str]) -> None:
        self._environ = environ

    def text(self, name: str) -> str | None:
        value = self._environ.get(name, "").strip()
        return value or None

    def choice(self, name: str, allowed: tuple[C, ...], default: C) -> C:
        value = self.text(name)
        if value is None:
            return default
        for option in allowed:
            if value == option:
                return option
        raise SettingsError(f"{name} must be one of {', '.join(allowed)}, not {value!r}")

    def flag(self, name: str, *, default: bool) -> bool:
        value = self.text(name)
        if value is None:
            return default
        if value.lower() in {"1", "true", "yes", "on"}:
            return True
        if value.lower() in {"0", "false", "no", "off"}:
            return False
        raise SettingsError(f"{name} must be true or false, not {value!r}")

    def integer(self, name: str, default: int, *, low: int, high: int | None = None) -> int:
        return int(self._bounded(name, default, int, low, high))

    def number(self, name: str, default: float, *, low: float) -> float:
        return float(self._bounded(name, default, float, low, None))

    def items(self, name: str) -> frozenset[str]:
        return frozenset(
            part.strip() for part in (self.text(name) or "").split(",") if part.strip()
        )

    def _bounded(
        self, name: str, default: float, kind: type, low: float, high: float | None
    ) -> float:
        raw = self.text(name)
        if raw is None:
            return default
        try:
            value: float = kind(raw)
        except ValueError:
            raise SettingsError(f"{name} must be a number, not {raw!r}") from None
        if not math.isfinite(value):
            raise SettingsError(f"{name} must be a finite number, not {raw!r}")
        if value < low or (high is not None and value > high):
            limit = f"at least {low}" if high is None else f"between {low} and {high}"
            raise SettingsError(f"{name} must be {limit}, not {raw!r}")
        return value
