"""Logging in and out with a password (the session cookie is HttpOnly and SameSite)."""

from __future__ import annotations

import unicodedata
from urllib.parse import urlsplit

from flask import Blueprint, current_app, redirect, render_template, request, url_for

from engine.db import unit_of_work
from engine.errors import RateLimited, Unauthenticated
from engine.identity.logins import authenticate, record_success
from engine.models import User
from engine.models.types import utcnow
from web.auth import log_in, log_out
from web.db import get_session
from web.errors import status_of
from web.i18n import translate
from web.security import rotate_csrf_token

bp = Blueprint("login", __name__, template_folder="templates")


@bp.get("/login")
def login_form():
    return render_template("login.html", next=_safe_next(request.args.get("next")))


@bp.post("/login")
def login():
    name = request.form.get("login", "")
    password = request.form.get("password", "")
    target = _safe_next(request.form.get("next"))
    # Checked, and a failure recorded, in a transaction of its own, since the request's own
    # rolls back with the 401; end the request's first, so that SQLite's single writer is free.
    get_session().rollback()
    try:
        with unit_of_work(current_app.extensions["budgetloop.sessions"]) as session:
            checked = authenticate(session, name, password, request.remote_addr, utcnow())
    except RateLimited as error:
        return _rejected(name, target, translate("auth.rate_limited"), status_of(error))
    if checked is None:
        return _rejected(name, target, translate("auth.wrong"), status_of(Unauthenticated))
    user = get_session().get(User, checked.id)
    record_success(get_session(), user, request.remote_addr)
    log_in(user)
    rotate_csrf_token()
    # Every role starts its day at its inbox (待办), as in a tasklist, unless it was sent here
    # from another page (`next`).
    return redirect(target or url_for("inbox.inbox"))


@bp.post("/logout")
def logout():
    log_out()
    return redirect(url_for("login.login_form"))


def _rejected(name: str, target: str | None, message: str, status: int):
    return render_template("login.html", next=target, login=name, error=message), status


# Longer than any page of this app's address with its query.
MAX_NEXT = 2000


def _safe_next(target: str | None) -> str | None:
    """Only absolute paths inside this app: an open redirect would help phishing.

    A browser drops tabs and newlines from an address and reads a backslash as a slash, so
    `/\t/evil.com` and `/\\evil.com` go to another site as surely as `//evil.com`; a control
    character would also break the `Location` header. Anything else lands on the inbox.
    """
    if not target or len(target) > MAX_NEXT:
        return None
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    if any(char.isspace() or unicodedata.category(char).startswith("C") for char in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target
