"""Password hashes: scrypt (memory-hard, in the standard library), self-describing strings."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from engine.errors import InvalidInput

SCHEME = "scrypt"
# n=2**14, r=8 costs 16 MiB and ~50 ms a check here: slow for guessing, fine for a login.
COST, BLOCK, PARALLEL = 2**14, 8, 1
MIN_LENGTH, MAX_LENGTH = 8, 256


def check_strength(password: str) -> None:
    """Refuse passwords too short or too long to be sensible (the message says which)."""
    if not isinstance(password, str) or len(password) < MIN_LENGTH:
        raise InvalidInput(
            f"the password must have at least {MIN_LENGTH} characters",
            errors={"password": "too short"},
        )
    if len(password) > MAX_LENGTH:
        raise InvalidInput(
            f"the password must have at most {MAX_LENGTH} characters",
            errors={"password": "too long"},
        )


def hash_password(password: str) -> str:
    """`scrypt$n$r$p$salt$digest` for a new random salt."""
    check_strength(password)
    salt = secrets.token_bytes(16)
    digest = _derive(password, salt, COST, BLOCK, PARALLEL)
    return "$".join([SCHEME, str(COST), str(BLOCK), str(PARALLEL), _b64(salt), _b64(digest)])


def verify_password(password: str, stored: str | None) -> bool:
    """Whether `password` matches the stored hash, in constant time; False for no hash."""
    if not stored or not isinstance(password, str) or len(password) > MAX_LENGTH:
        return False
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != SCHEME:
            return False
        expected = base64.b64decode(digest)
        actual = _derive(password, base64.b64decode(salt), int(n), int(r), int(p))
    except ValueError:
        return False
    return hmac.compare_digest(actual, expected)


def _derive(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(
        password.encode("utf-8"), salt=salt, n=n, r=r, p=p, maxmem=64 * 1024 * 1024, dklen=32
    )


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")
