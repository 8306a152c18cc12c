"""Logging in with a password: verification, rate limiting and the audit trail of attempts.

Failed attempts are audit events, so the limits hold across every web worker without any
state in a process; the caller checks and records them in one transaction of their own (see
web/identity/pages.py), since the request's transaction rolls back with the 401.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine import audit
from engine.errors import RateLimited
from engine.identity.passwords import hash_password, verify_password
from engine.identity.users import end_sessions, find_user
from engine.models import AuditEvent, User

FAILED = "auth.login_failed"
MAX_FAILURES = 5  # per login and client address
MAX_ADDRESS_FAILURES = 20  # per client address, whatever the logins
WINDOW = timedelta(minutes=15)
LOGIN_LENGTH = 64  # User.login
_KEY_LENGTH = 60  # AuditEvent.object_id
# Verifying against this keeps an unknown login as slow as a known one (no user enumeration).
_DUMMY_HASH = (
    "scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
)


def login_key(login: str | None) -> str:
    """The one name a login's failures are counted and recorded under (at most 60 characters).

    A login is cut to the 64 characters a user name can have; one longer than the audit
    column's 60 is keyed by its digest, so that 61-64 character logins are counted exactly as
    they are recorded.
    """
    login = (login or "").strip()[:LOGIN_LENGTH]
    if len(login) <= _KEY_LENGTH:
        return login
    return "sha256:" + hashlib.sha256(login.encode()).hexdigest()[: _KEY_LENGTH - 7]


def authenticate(
    session: Session, login: str, password: str, address: str | None, now: datetime
) -> User | None:
    """Check a password, at most MAX_FAILURES times per login and address in the window.

    The limits, the check and the record of a failure happen in `session`'s transaction, which
    the caller commits: the user, or None once the failure is recorded; RateLimited without
    checking anything when a limit is reached. Attempts from one address are serialised (a
    transaction-level advisory lock on PostgreSQL; SQLite's transactions here take the write
    lock when they begin), so concurrent guesses cannot all pass the count before any is
    recorded.
    """
    login = (login or "").strip()[:LOGIN_LENGTH]
    key, actor = login_key(login), _actor(address)
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(func.pg_advisory_xact_lock(func.hashtext(actor))))
    since = now - WINDOW
    if (
        _failures(session, since, actor, key) >= MAX_FAILURES
        or _failures(session, since, actor) >= MAX_ADDRESS_FAILURES
    ):
        raise RateLimited(
            f"too many failed logins for '{login}'; wait {int(WINDOW.total_seconds() // 60)} "
            "minutes and try again",
            errors={"login": "rate limited"},
        )
    user = session.scalars(select(User).where(User.login == login)).one_or_none()
    stored = user.password_hash if user is not None else None
    matched = verify_password(password, stored or _DUMMY_HASH)
    if user is None or not user.active or not stored or not matched:
        record_failure(session, login, address, now)
        return None
    return user


def _failures(session: Session, since: datetime, actor: str, key: str | None = None) -> int:
    query = (
        select(func.count())
        .select_from(AuditEvent)
        .where(AuditEvent.action == FAILED, AuditEvent.actor == actor, AuditEvent.at > since)
    )
    if key is not None:
        query = query.where(AuditEvent.object_id == key)
    return session.scalar(query)


def _actor(address: str | None) -> str:
    """Who failed: the anonymous caller at its address (request.remote_addr)."""
    return f"anonymous@{(address or 'unknown')[:80]}"


def record_failure(session: Session, login: str, address: str | None, now: datetime) -> None:
    """Audit a failed attempt (it counts towards the limits)."""
    login = (login or "").strip()[:LOGIN_LENGTH]
    audit.append(
        session,
        actor=_actor(address),
        action=FAILED,
        object_type="login",
        object_id=login_key(login),
        payload={"address": address, "login": login},
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
    """Give `login` a new password (hashed with scrypt; the text is never stored).

    Every session of the user ends: whoever logged in with the old password logs in again.
    """
    user = find_user(session, login)
    user.password_hash = hash_password(password)
    end_sessions(session, user)
    audit.append(
        session,
        actor=actor,
        action="user.password",
        object_type="user",
        object_id=user.id,
        payload={"login": login},
    )
    return user
