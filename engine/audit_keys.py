"""The audit chain's keys: HMAC secrets kept outside the database, with rotation.

The key ring comes from `BUDGETLOOP_AUDIT_KEY` when it is set, else from the file `audit_keys`
in the instance folder (created, mode 0600, on first use). Both hold `ID:SECRET` entries, the
variable separated by commas, the file one a line; the last entry signs new events, the ones
before it are retired keys kept to verify the events they signed. Rotating adds an entry.
"""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from engine.config import INSTANCE_DIR_VAR
from engine.errors import ConfigurationError

AUDIT_KEY_VAR = "BUDGETLOOP_AUDIT_KEY"
KEY_FILE = "audit_keys"
DEFAULT_ENV_ID = "env"
MIN_SECRET = 16
KEY_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,39}\Z")
_NUMBERED = re.compile(r"k(\d{1,9})\Z")
_FILE_HEADER = (
    "# budgetloop audit keys: ID:SECRET, one a line. The last line signs new audit events;\n"
    "# the lines before it verify the events they signed. Never delete a line; back this up.\n"
)


@dataclass(frozen=True)
class KeyRing:
    """The keys that verify the chain; `current` signs new events."""

    keys: tuple[tuple[str, bytes], ...]
    source: str

    @property
    def current(self) -> str:
        return self.keys[-1][0]

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(key_id for key_id, _ in self.keys)

    def secret(self, key_id: str | None) -> bytes | None:
        for known, secret in self.keys:
            if known == key_id:
                return secret
        return None


def parse_entries(entries: list[str], source: str) -> KeyRing:
    """Build a ring from `ID:SECRET` entries (a lone SECRET is the key `env`), oldest first."""
    keys: list[tuple[str, bytes]] = []
    for entry in entries:
        key_id, sep, secret = entry.partition(":")
        if not sep:
            key_id, secret = DEFAULT_ENV_ID, entry
        if not KEY_ID.match(key_id):
            raise ConfigurationError(
                f"{source}: the audit key id {key_id[:40]!r} is not 1–40 letters, digits, . _ -"
            )
        if len(secret) < MIN_SECRET:
            raise ConfigurationError(
                f"{source}: the audit key {key_id!r} is shorter than {MIN_SECRET} characters"
            )
        if any(known == key_id for known, _ in keys):
            raise ConfigurationError(f"{source}: the audit key id {key_id!r} appears twice")
        keys.append((key_id, secret.encode("utf-8")))
    if not keys:
        raise ConfigurationError(f"{source}: no audit key (expected ID:SECRET entries)")
    return KeyRing(tuple(keys), source)


def instance_key_file(env: Mapping[str, str] | None = None) -> Path:
    return Path(_key_path(os.environ if env is None else env))


def _key_path(env: Mapping[str, str]) -> str:
    # Plain strings, no resolve(): this runs at every append.
    return os.path.join(os.path.abspath(env.get(INSTANCE_DIR_VAR) or "instance"), KEY_FILE)


# One ring per process, reloaded when the variable or the file changes (a rotation by the CLI
# reaches running workers at their next append). Checking costs one stat() per append.
_cached: tuple[object, KeyRing] | None = None


def load_key_ring(env: Mapping[str, str] | None = None) -> KeyRing:
    """The configured key ring; creates the instance key file on first use."""
    global _cached
    env = os.environ if env is None else env
    raw = (env.get(AUDIT_KEY_VAR) or "").strip()
    if raw:
        stamp: object = ("env", raw)
        if _cached is not None and _cached[0] == stamp:
            return _cached[1]
        ring = parse_entries([e for e in re.split(r"[,\s]+", raw) if e], AUDIT_KEY_VAR)
        _cached = (stamp, ring)
        return ring
    path = _key_path(env)
    try:
        try:
            info = os.stat(path)
        except FileNotFoundError:
            _create_key_file(Path(path))
            info = os.stat(path)
    except OSError as error:
        raise ConfigurationError(f"cannot read the audit keys {path}: {error.strerror}") from None
    stamp = (path, info.st_mtime_ns, info.st_size, info.st_ino)
    if _cached is not None and _cached[0] == stamp:
        return _cached[1]
    ring = _read_key_file(Path(path))
    _cached = (stamp, ring)
    return ring


def _read_key_file(path: Path) -> KeyRing:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        reason = getattr(error, "strerror", None) or str(error)
        raise ConfigurationError(f"cannot read the audit keys {path}: {reason}") from None
    entries = [
        line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")
    ]
    return parse_entries(entries, str(path))


def _create_key_file(path: Path) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(f"{_FILE_HEADER}k1:{secrets.token_urlsafe(32)}\n")
    except FileExistsError:
        return  # another process created it first: use theirs
    except OSError as error:
        raise ConfigurationError(
            f"cannot create the audit keys in {path.parent}: {error.strerror}; "
            f"set {AUDIT_KEY_VAR} or make the folder writable"
        ) from None


def rotate(env: Mapping[str, str] | None = None) -> tuple[str, KeyRing]:
    """Add a new signing key to the instance key file; the old ones stay to verify."""
    env = os.environ if env is None else env
    if (env.get(AUDIT_KEY_VAR) or "").strip():
        raise ConfigurationError(
            f"the audit keys come from {AUDIT_KEY_VAR}: to rotate, append a new ID:SECRET entry "
            "at its end (keep the old entries, they verify older events) and restart"
        )
    ring = load_key_ring(env)
    path = instance_key_file(env)
    numbers = [int(m.group(1)) for m in map(_NUMBERED.match, ring.ids) if m]
    new_id = f"k{max(numbers, default=0) + 1}"
    while ring.secret(new_id) is not None:  # ids written by hand: never reuse one
        new_id = f"{new_id}-{secrets.token_hex(2)}"
    text = path.read_text(encoding="utf-8")
    if text and not text.endswith("\n"):
        text += "\n"
    text += f"{new_id}:{secrets.token_urlsafe(32)}\n"
    temporary = path.with_name(f".{KEY_FILE}.{os.getpid()}.tmp")
    try:
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except OSError as error:
        raise ConfigurationError(f"cannot rotate the audit keys {path}: {error.strerror}") from None
    return new_id, load_key_ring(env)
