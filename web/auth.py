"""Who is calling: a bearer token (API clients) or the login session cookie (the pages).

The signed session cookie holds the user's id and the user's `session_epoch` at login. Logout,
a new password and deactivation raise the epoch in the database, which ends every session of
that user at once: a copy of the cookie is refused from then on, however long it would live.
"""

from __future__ import annotations

from flask import g, request, session

from engine import audit
from engine.actors import Actor
from engine.errors import Unauthenticated
from engine.identity import permissions
from engine.identity.access import PUBLIC
from engine.identity.permissions import Permission
from engine.identity.users import check_token, end_sessions
from engine.models import User
from web.db import get_session

SESSION_USER = "user_id"
SESSION_EPOCH = "epoch"


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


def require(permission: Permission) -> Actor:
    """The caller, if the permission table gives their role `permission`; Forbidden (403)."""
    actor = current_actor()
    permissions.require(actor, permission, "this")
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
    session[SESSION_EPOCH] = user.session_epoch
    if language:
        session["lang"] = language
    g.pop("actor", None)


def log_out() -> None:
    """End this session and every other session of its user (the request commits it)."""
    user = _session_user()
    if user is not None:
        end_sessions(get_session(), user)
        audit.append(
            get_session(),
            actor=f"user:{user.login}",
            action="auth.logout",
            object_type="user",
            object_id=user.id,
            payload={"address": request.remote_addr},
        )
    session.clear()
    g.pop("actor", None)


def _bearer_actor() -> Actor:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("send an API token: 'Authorization: Bearer <token>'")
    # Unknown, revoked, expired, or of a deactivated user: a 401 that says which.
    return Actor.of_user(check_token(get_session(), token.strip()))


def _session_actor() -> Actor:
    user = _session_user()
    return PUBLIC if user is None else Actor.of_user(user)


def _session_user() -> User | None:
    """The session's user, if it is active and the session is of its current epoch."""
    user_id, epoch = session.get(SESSION_USER), session.get(SESSION_EPOCH)
    if not isinstance(user_id, int):
        return None
    user = get_session().get(User, user_id)
    # A cookie from before the epochs (no epoch at all) is ended like an old one.
    if user is None or not user.active or type(epoch) is not int or epoch != user.session_epoch:
        session.clear()
        return None
    return user
