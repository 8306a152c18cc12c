"""Users and their API tokens (the token is shown once; only its SHA-256 is stored).

A token is valid until it expires (BUDGETLOOP_TOKEN_DAYS after it was issued, 90 by default)
or is revoked, and only while its user is active. A user's login sessions all carry the user's
`session_epoch`: raising it (`end_sessions`) ends every one of them at once.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import audit
from engine.config import DEFAULT_TOKEN_DAYS, MAX_TOKEN_DAYS
from engine.errors import Conflict, InvalidInput, NotFound, Unauthenticated
from engine.identity.permissions import USER_ROLES
from engine.models import ApiToken, Organisation, User
from engine.models.enums import ROLE_ORG_KIND, Role
from engine.models.types import utcnow

TOKEN_PREFIX = "bl_"
PREFIX_LENGTH = 10  # what ApiToken.prefix keeps, and `token list` shows
LOGIN_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{1,63}$")


@dataclass(frozen=True)
class NewUser:
    """A created user and the one time its token is visible."""

    user: User
    token: str


def parse_role(raw: str) -> Role:
    """The role named `raw`, or a message listing the roles that exist."""
    if raw == Role.PUBLIC:
        raise InvalidInput(
            "role 'public' is for anonymous visitors and has no user accounts",
            errors={"role": "public users do not log in"},
        )
    try:
        return Role(raw)
    except ValueError:
        known = ", ".join(role.value for role in USER_ROLES)
        raise InvalidInput(
            f"unknown role {raw!r}; choose one of: {known}", errors={"role": "unknown role"}
        ) from None


def add_user(
    session: Session,
    *,
    login: str,
    role: str,
    org_code: str,
    display_name: str | None = None,
    actor: str = "system",
    token_days: int = DEFAULT_TOKEN_DAYS,
) -> NewUser:
    """Create a user in an organisation whose kind fits the role, with a fresh API token."""
    parsed_role = parse_role(role)
    if not LOGIN_PATTERN.match(login or ""):
        raise InvalidInput(
            f"user name {login!r} must be 2–64 letters, digits, '.', '_' or '-'",
            errors={"name": "invalid user name"},
        )
    organisation = session.scalars(
        select(Organisation).where(Organisation.code == org_code)
    ).one_or_none()
    if organisation is None:
        raise NotFound(
            f"no organisation with code {org_code!r}", errors={"org": "unknown organisation"}
        )
    needed = ROLE_ORG_KIND[parsed_role]
    if organisation.kind != needed:
        raise InvalidInput(
            f"role {parsed_role.value!r} needs an organisation of kind {needed.value!r}, "
            f"but {org_code} ({organisation.name}) is a {organisation.kind.value!r}",
            errors={"org": "organisation kind does not fit the role"},
        )
    if session.scalars(select(User.id).where(User.login == login)).first() is not None:
        raise Conflict(f"a user named {login!r} already exists", errors={"name": "taken"})
    user = User(
        login=login,
        display_name=display_name or login,
        role=parsed_role,
        organisation_id=organisation.id,
    )
    session.add(user)
    session.flush()
    token = issue_token(session, user, days=token_days)
    audit.append(
        session,
        actor=actor,
        action="user.add",
        object_type="user",
        object_id=user.id,
        payload={"login": login, "role": parsed_role.value, "org": org_code},
    )
    return NewUser(user=user, token=token)


def issue_token(
    session: Session, user: User, *, days: int = DEFAULT_TOKEN_DAYS, now: datetime | None = None
) -> str:
    """Create a new bearer token for `user`, valid for `days`, and return it (shown only once)."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    issued = now or utcnow()
    session.add(
        ApiToken(
            user_id=user.id,
            token_sha256=token_digest(token),
            prefix=token[:PREFIX_LENGTH],
            created_at=issued,
            expires_at=issued + timedelta(days=days),
        )
    )
    session.flush()
    return token


def token_digest(token: str) -> str:
    """SHA-256 of a token: tokens carry 256 random bits, so a fast hash is enough."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def check_token(session: Session, token: str, now: datetime | None = None) -> User:
    """The active user `token` belongs to; Unauthenticated saying why when it is not usable."""
    # One query (every API request asks it): the token with its user.
    found = session.execute(
        select(ApiToken.revoked_at, ApiToken.expires_at, User)
        .join(User, User.id == ApiToken.user_id)
        .where(ApiToken.token_sha256 == token_digest(token))
    ).one_or_none()
    if found is None:
        raise Unauthenticated(
            "the API token is unknown", errors={"token": "unknown"}, key="token_unknown"
        )
    revoked_at, expires_at, user = found
    if revoked_at is not None:
        raise Unauthenticated(
            f"the API token was revoked on {revoked_at:%Y-%m-%d}; ask an administrator for a "
            "new one",
            errors={"token": "revoked"},
            key="token_revoked",
            params={"date": f"{revoked_at:%Y-%m-%d}"},
        )
    if expires_at is not None and expires_at <= (now or utcnow()):
        raise Unauthenticated(
            f"the API token expired on {expires_at:%Y-%m-%d}; ask an administrator for a new one",
            errors={"token": "expired"},
            key="token_expired",
            params={"date": f"{expires_at:%Y-%m-%d}"},
        )
    if not user.active:
        raise Unauthenticated(
            "the account of this API token is deactivated",
            errors={"token": "account deactivated"},
            key="token_user_inactive",
        )
    return user


def user_for_token(session: Session, token: str) -> User | None:
    """The active user a token belongs to, if the token is valid, unrevoked and unexpired."""
    try:
        return check_token(session, token)
    except Unauthenticated:
        return None


def find_user(session: Session, login: str) -> User:
    """The user named `login`, or NotFound."""
    user = session.scalars(select(User).where(User.login == login)).one_or_none()
    if user is None:
        raise NotFound(
            f"no user named {login!r}",
            errors={"name": "unknown user"},
            key="unknown_user",
            params={"login": login},
        )
    return user


def end_sessions(session: Session, user: User) -> None:
    """End every login session of `user` at once (each carries the epoch this raises)."""
    # Raised in SQL, so that two concurrent ends never raise it once between them.
    user.session_epoch = User.session_epoch + 1
    session.flush()


def deactivate_user(session: Session, login: str, *, actor: str) -> int | None:
    """Deactivate `login`: end its sessions and revoke its API tokens (how many is returned).

    A deactivated user cannot log in, and no session or token of theirs works. Deactivating one
    who is already inactive changes nothing (and returns None).
    """
    user = find_user(session, login)
    if not user.active:
        return None
    user.active = False
    end_sessions(session, user)
    tokens = list(session.scalars(select(ApiToken).where(ApiToken.user_id == user.id)))
    revoked = _revoke(session, tokens, utcnow())
    audit.append(
        session,
        actor=actor,
        action="user.deactivate",
        object_type="user",
        object_id=user.id,
        payload={"login": login, "tokens_revoked": [token.prefix for token in revoked]},
    )
    return len(revoked)


def activate_user(session: Session, login: str, *, actor: str) -> bool:
    """Let `login` log in again (it gets no token back: issue a new one); False if active."""
    user = find_user(session, login)
    if user.active:
        return False
    user.active = True
    audit.append(
        session,
        actor=actor,
        action="user.activate",
        object_type="user",
        object_id=user.id,
        payload={"login": login},
    )
    return True


def issue_token_for(session: Session, login: str, *, days: int, actor: str) -> str:
    """A new API token for the active user `login`, valid for `days` (1–3650)."""
    if not 1 <= days <= MAX_TOKEN_DAYS:
        raise InvalidInput(
            f"a token is valid for 1 to {MAX_TOKEN_DAYS} days, not {days}",
            errors={"days": "out of range"},
        )
    user = find_user(session, login)
    if not user.active:
        raise InvalidInput(
            f"user {login!r} is deactivated; activate them first (`budgetloop user activate`)",
            errors={"name": "deactivated"},
        )
    token = issue_token(session, user, days=days)
    audit.append(
        session,
        actor=actor,
        action="token.issue",
        object_type="user",
        object_id=user.id,
        payload={"login": login, "prefix": token[:PREFIX_LENGTH], "days": days},
    )
    return token


@dataclass(frozen=True)
class Revocation:
    """What `revoke_tokens` matched: the tokens it revoked and those already revoked before."""

    revoked: list[ApiToken]
    already: list[ApiToken]


def revoke_tokens(
    session: Session,
    *,
    actor: str,
    token: str | None = None,
    token_id: int | None = None,
    login: str | None = None,
) -> Revocation:
    """Revoke one token (by the token itself, its 10-character prefix or its id) or every token
    of `login`. Exactly one of them is given; NotFound when nothing matches."""
    if sum(value is not None for value in (token, token_id, login)) != 1:
        raise InvalidInput(
            "name the token (the token or its prefix), its --id, or a --user whose tokens to "
            "revoke: exactly one of them",
            errors={"token": "exactly one of token, id, user"},
        )
    if login is not None:
        user = find_user(session, login)
        matched = list(session.scalars(select(ApiToken).where(ApiToken.user_id == user.id)))
        subject = {"login": login}
    else:
        matched = _matching_tokens(session, token, token_id)
        subject = {"login": matched[0].user.login}
    now = utcnow()
    already = [row for row in matched if row.revoked_at is not None]
    revoked = _revoke(session, matched, now)
    if revoked:
        audit.append(
            session,
            actor=actor,
            action="token.revoke",
            object_type="user",
            object_id=revoked[0].user_id,
            payload={**subject, "prefixes": [row.prefix for row in revoked]},
        )
    return Revocation(revoked=revoked, already=already)


def _matching_tokens(session: Session, token: str | None, token_id: int | None) -> list[ApiToken]:
    if token_id is not None:
        row = session.get(ApiToken, token_id) if 0 < token_id < 2**63 else None
        if row is None:
            raise NotFound(f"no API token with id {token_id}", errors={"id": "unknown token"})
        return [row]
    token = (token or "").strip()
    if len(token) > PREFIX_LENGTH:
        query = select(ApiToken).where(ApiToken.token_sha256 == token_digest(token))
    elif len(token) == PREFIX_LENGTH:
        query = select(ApiToken).where(ApiToken.prefix == token)
    else:
        raise InvalidInput(
            f"give the token, or its first {PREFIX_LENGTH} characters as `budgetloop token "
            f"list` shows them ({token!r} is too short)",
            errors={"token": "too short"},
        )
    rows = list(session.scalars(query.order_by(ApiToken.id)))
    if not rows:
        named = f"with prefix {token!r}" if len(token) == PREFIX_LENGTH else "like that one"
        raise NotFound(f"no API token {named}", errors={"token": "unknown token"})
    if len(rows) > 1:
        ids = ", ".join(str(row.id) for row in rows)
        raise InvalidInput(
            f"prefix {token!r} names {len(rows)} tokens (ids {ids}); revoke one with --id",
            errors={"token": "ambiguous prefix"},
        )
    return rows


def _revoke(session: Session, tokens: list[ApiToken], now: datetime) -> list[ApiToken]:
    revoked = [row for row in tokens if row.revoked_at is None]
    for row in revoked:
        row.revoked_at = now
    session.flush()
    return revoked


@dataclass(frozen=True)
class TokenLine:
    """One token as `budgetloop token list` shows it."""

    id: int
    prefix: str
    login: str
    created_at: datetime
    expires_at: datetime | None
    state: str  # valid, expired, revoked, account deactivated


def list_tokens(session: Session, login: str | None = None) -> list[TokenLine]:
    """Every token (of `login`, if given), oldest first, with whether it works now."""
    query = select(ApiToken, User).join(User, User.id == ApiToken.user_id).order_by(ApiToken.id)
    if login is not None:
        query = query.where(User.id == find_user(session, login).id)
    now = utcnow()
    lines = []
    for token, user in session.execute(query):
        if token.revoked_at is not None:
            state = "revoked"
        elif token.expires_at is not None and token.expires_at <= now:
            state = "expired"
        elif not user.active:
            state = "account deactivated"
        else:
            state = "valid"
        lines.append(
            TokenLine(token.id, token.prefix, user.login, token.created_at, token.expires_at, state)
        )
    return lines
