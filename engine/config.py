"""Settings from the environment, with the embedded SQLite file as the default."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from engine.errors import ConfigurationError

DATABASE_URL_VAR = "BUDGETLOOP_DATABASE_URL"
SECRET_KEY_VAR = "BUDGETLOOP_SECRET_KEY"
INSTANCE_DIR_VAR = "BUDGETLOOP_INSTANCE_DIR"
TLS_VAR = "BUDGETLOOP_TLS"
TOKEN_DAYS_VAR = "BUDGETLOOP_TOKEN_DAYS"
DEFAULT_DATABASE_FILE = "budgetloop.sqlite3"
DEFAULT_TOKEN_DAYS = 90
MAX_TOKEN_DAYS = 3650
_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"", "0", "false", "no", "off"})


@dataclass(frozen=True)
class Settings:
    """What an installation is configured with."""

    database_url: str
    secret_key: str
    # Served over TLS (directly or behind a proxy that terminates it): Secure cookie and HSTS.
    tls: bool = False
    # Days a new API token is valid.
    token_days: int = DEFAULT_TOKEN_DAYS


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Read settings from `env` (the process environment by default)."""
    env = os.environ if env is None else env
    instance_dir = Path(env.get(INSTANCE_DIR_VAR) or "instance").resolve()
    database_url = env.get(DATABASE_URL_VAR) or f"sqlite:///{instance_dir / DEFAULT_DATABASE_FILE}"
    secret_key = env.get(SECRET_KEY_VAR) or _instance_secret_key(instance_dir)
    return Settings(
        database_url=database_url,
        secret_key=secret_key,
        tls=tls_enabled(env),
        token_days=token_days(env),
    )


def tls_enabled(env: Mapping[str, str] | None = None) -> bool:
    """BUDGETLOOP_TLS: 1/true/yes/on or 0/false/no/off (unset: off)."""
    env = os.environ if env is None else env
    raw = (env.get(TLS_VAR) or "").strip().lower()
    if raw in _TRUE:
        return True
    if raw in _FALSE:
        return False
    raise ConfigurationError(
        f"{TLS_VAR} must be 1 or 0 (true/false, yes/no, on/off), not {raw[:20]!r}"
    )


def token_days(env: Mapping[str, str] | None = None) -> int:
    """BUDGETLOOP_TOKEN_DAYS: how many days a new API token is valid (1–3650, default 90)."""
    env = os.environ if env is None else env
    raw = (env.get(TOKEN_DAYS_VAR) or "").strip()
    if not raw:
        return DEFAULT_TOKEN_DAYS
    if not (len(raw) <= 6 and raw.isascii() and raw.isdigit() and 1 <= int(raw) <= MAX_TOKEN_DAYS):
        raise ConfigurationError(
            f"{TOKEN_DAYS_VAR} must be a whole number of days from 1 to {MAX_TOKEN_DAYS}, "
            f"not {raw[:20]!r}"
        )
    return int(raw)


def _instance_secret_key(instance_dir: Path) -> str:
    """Return the instance's generated secret key, creating it (mode 0600) on first use."""
    path = instance_dir / "secret_key"
    try:
        if path.exists():
            return path.read_text(encoding="ascii").strip()
        instance_dir.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(48)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(key)
        return key
    except FileExistsError:
        # Another process created it between our check and our write: use theirs.
        return path.read_text(encoding="ascii").strip()
    except OSError as error:
        raise ConfigurationError(
            f"cannot create the secret key in {instance_dir}: {error.strerror}; "
            f"set {SECRET_KEY_VAR} or make the folder writable"
        ) from error
