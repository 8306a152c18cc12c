"""Users and their API tokens (the token is shown once; only its SHA-256 is stored)."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import audit
from engine.errors import Conflict, InvalidInput, NotFound
from engine.models import ApiToken, Organisation, User
from engine.models.enums import ROLE_ORG_KIND, Role
from engine.models.types import utcnow

TOKEN_PREFIX = "bl_"
LOGIN_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{1,63}$")


@dataclass(frozen=True)
class NewUser:
    """A created user and the one time its token is visible."""

    user: User
    token: str


def parse_role(raw: str) -> Role:
    """The role named `raw`, or a message listing the roles that exist."""
    if raw == "public":
        raise InvalidInput(
            "role 'public' is for anonymous visitors and has no user accounts",
            errors={"role": "public users do not log in"},
        )
    try:
        return Role(raw)
    except ValueError:
        known = ", ".join(role.value for role in Role)
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
    token = issue_token(session, user)
    audit.append(
        session,
        actor=actor,
        action="user.add",
        object_type="user",
        object_id=user.id,
        payload={"login": login, "role": parsed_role.value, "org": org_code},
    )
    return NewUser(user=user, token=token)


def issue_token(session: Session, user: User) -> str:
    """Create a new bearer token for `user` and return it (it is not recoverable later)."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    session.add(ApiToken(user_id=user.id, token_sha256=token_digest(token), prefix=token[:10]))
    session.flush()
    return token


def token_digest(token: str) -> str:
    """SHA-256 of a token: tokens carry 256 random bits, so a fast hash is enough."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def user_for_token(session: Session, token: str) -> User | None:
    """The active user a token belongs to, if the token is valid, unrevoked and unexpired."""
    # One query (every API request asks it): the token with its user.
    found = session.execute(
        select(ApiToken.revoked_at, ApiToken.expires_at, User)
        .join(User, User.id == ApiToken.user_id)
        .where(ApiToken.token_sha256 == token_digest(token))
    ).one_or_none()
    if found is None:
        return None
    revoked_at, expires_at, user = found
    if revoked_at is not None or (expires_at is not None and expires_at <= utcnow()):
        return None
    return user if user.active else None
