"""Who is calling: a bearer token (API clients) or the login session cookie (the pages)."""

from __future__ import annotations

from collections.abc import Iterable

from flask import g, request, session

from engine.access import PUBLIC, require_role
from engine.actors import Actor
from engine.errors import Unauthenticated
from engine.identity import user_for_token
from engine.models import User
from web.db import get_session

SESSION_USER = "user_id"


def current_actor() -> Actor:
    """The authenticated caller, or Unauthenticated (401)."""
    actor = optional_actor()
    if actor is PUBLIC:
        raise Unauthenticated(
            "log in, or send an API token: 'Authorization: Bearer <token>'",
            errors={"auth": "required"},
        )
    return actor


def optional_actor() -> Actor:
    """The caller if authenticated, else the anonymous public."""
    if "actor" not in g:
        g.actor = _bearer_actor() if request.headers.get("Authorization") else _session_actor()
    return g.actor


def current_user() -> User | None:
    actor = optional_actor()
    return get_session().get(User, actor.user_id) if actor.user_id else None


def require(roles: Iterable[str]) -> Actor:
    """The caller, if their role is one of `roles`; Forbidden (403) otherwise."""
    actor = current_actor()
    require_role(actor, roles, "this")
    return actor


def protect(blueprint) -> None:
    """Authenticate every request to `blueprint` before its input is even parsed."""
    blueprint.before_request(lambda: current_actor() and None)


def log_in(user: User) -> None:
    """Start a fresh session for `user` (a new session id defeats session fixation)."""
    language = session.get("lang")
    session.clear()
    session.permanent = True
    session[SESSION_USER] = user.id
    if language:
        session["lang"] = language
    g.pop("actor", None)


def log_out() -> None:
    session.clear()
    g.pop("actor", None)


def _bearer_actor() -> Actor:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("send an API token: 'Authorization: Bearer <token>'")
    user = user_for_token(get_session(), token.strip())
    if user is None:
        raise Unauthenticated("the API token is unknown, revoked or expired")
    return Actor.of_user(user)


def _session_actor() -> Actor:
    user_id = session.get(SESSION_USER)
    if not isinstance(user_id, int):
        return PUBLIC
    user = get_session().get(User, user_id)
    if user is None or not user.active:
        session.clear()
        return PUBLIC
    return Actor.of_user(user)
