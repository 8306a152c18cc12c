"""Logging in with a password: verification, rate limiting and the audit trail of attempts.

Failed attempts are audit events, so the limit holds across every web worker without any
state in a process; they are written in their own transaction by the caller (see web/login).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine import audit
from engine.errors import NotFound, RateLimited, Unauthenticated
from engine.models import AuditEvent, User
from engine.passwords import hash_password, verify_password

FAILED = "auth.login_failed"
MAX_FAILURES = 5
WINDOW = timedelta(minutes=15)
# Verifying against this keeps an unknown login as slow as a known one (no user enumeration).
_DUMMY_HASH = (
    "scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
)


def authenticate(session: Session, login: str, password: str, now: datetime) -> User:
    """The active user with this login and password; Unauthenticated or RateLimited otherwise."""
    login = (login or "").strip()[:64]
    if recent_failures(session, login, now) >= MAX_FAILURES:
        raise RateLimited(
            f"too many failed logins for '{login}'; wait {int(WINDOW.total_seconds() // 60)} "
            "minutes and try again",
            errors={"login": "rate limited"},
        )
    user = session.scalars(select(User).where(User.login == login)).one_or_none()
    stored = user.password_hash if user is not None else None
    matched = verify_password(password, stored or _DUMMY_HASH)
    if user is None or not user.active or not stored or not matched:
        raise Unauthenticated("wrong user name or password", errors={"login": "rejected"})
    return user


def recent_failures(session: Session, login: str, now: datetime) -> int:
    """Failed attempts for `login` within the rate-limit window."""
    return session.scalar(
        select(func.count())
        .select_from(AuditEvent)
        .where(
            AuditEvent.action == FAILED,
            AuditEvent.object_id == login,
            AuditEvent.at > now - WINDOW,
        )
    )


def record_failure(session: Session, login: str, address: str | None, now: datetime) -> None:
    """Audit a failed attempt (it counts towards the limit)."""
    audit.append(
        session,
        actor="anonymous",
        action=FAILED,
        object_type="login",
        object_id=(login or "").strip()[:60],
        payload={"address": address},
        at=now,
    )


def record_success(session: Session, user: User, address: str | None) -> None:
    audit.append(
        session,
        actor=f"user:{user.login}",
        action="auth.login",
        object_type="user",
        object_id=user.id,
        payload={"address": address},
    )


def set_password(session: Session, login: str, password: str, actor: str) -> User:
    """Give `login` a new password (hashed with scrypt; the text is never stored)."""
    user = session.scalars(select(User).where(User.login == login)).one_or_none()
    if user is None:
        raise NotFound(f"no user named {login!r}", errors={"name": "unknown user"})
    user.password_hash = hash_password(password)
    audit.append(
        session,
        actor=actor,
        action="user.password",
        object_type="user",
        object_id=user.id,
        payload={"login": login},
    )
    return user
