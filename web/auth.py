"""Who is calling: a bearer token for the API (`Authorization: Bearer bl_…`)."""

from __future__ import annotations

from collections.abc import Iterable

from flask import g, request

from engine.actors import Actor
from engine.errors import Forbidden, Unauthenticated
from engine.identity import user_for_token
from web.db import get_session


def current_actor() -> Actor:
    """The authenticated caller, or Unauthenticated (401)."""
    if "actor" not in g:
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthenticated("send an API token: 'Authorization: Bearer <token>'")
        user = user_for_token(get_session(), token.strip())
        if user is None:
            raise Unauthenticated("the API token is unknown, revoked or expired")
        g.actor = Actor.of_user(user)
    return g.actor


def require(roles: Iterable[str]) -> Actor:
    """The caller, if their role is one of `roles`; Forbidden (403) otherwise."""
    actor = current_actor()
    allowed = set(roles)
    if actor.role not in allowed:
        raise Forbidden(
            f"this needs one of the roles {', '.join(sorted(allowed))}; you are '{actor.role}'"
        )
    return actor


def protect(blueprint) -> None:
    """Authenticate every request to `blueprint` before its input is even parsed."""
    blueprint.before_request(lambda: current_actor() and None)
