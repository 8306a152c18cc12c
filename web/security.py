"""Browser-facing protections: CSRF tokens on every unsafe request, and security headers.

API clients authenticate with a bearer header, which a browser never sends on its own, so
they need no CSRF token; everything that rides on the session cookie does.
"""

from __future__ import annotations

import hmac
import secrets

from flask import Flask, current_app, request, session

from engine.errors import Forbidden

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
FIELD, HEADER = "csrf_token", "X-CSRF-Token"
# Sent only when the app is served over TLS (config TLS, BUDGETLOOP_TLS=1): a year, so that a
# browser that has seen the site once never again asks for it over plain HTTP.
HSTS = "max-age=31536000"
# Only the app's own scripts run; styles may be set inline by bpmn-js and Chart.js at runtime;
# the bpmn.io watermark is an inline data: image.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


def init_app(app: Flask) -> None:
    app.before_request(_check_csrf)
    app.after_request(_security_headers)
    app.jinja_env.globals["csrf_token"] = csrf_token


def csrf_token() -> str:
    """This session's CSRF token, created on first use."""
    if FIELD not in session:
        session[FIELD] = secrets.token_urlsafe(32)
    return session[FIELD]


def rotate_csrf_token() -> None:
    session[FIELD] = secrets.token_urlsafe(32)


def _check_csrf() -> None:
    if request.method in SAFE_METHODS or request.headers.get("Authorization"):
        return
    if request.path.startswith("/api/") and "user_id" not in session:
        return  # nothing to forge: the API answers 401 to a request with no credentials
    sent = request.headers.get(HEADER) or request.form.get(FIELD) or ""
    expected = session.get(FIELD) or ""
    if not expected or not hmac.compare_digest(sent.encode(), expected.encode()):
        raise Forbidden(
            "the form's CSRF token is missing or out of date; reload the page and submit again",
            errors={FIELD: "invalid"},
        )


def _security_headers(response):
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if current_app.config.get("TLS"):
        headers.setdefault("Strict-Transport-Security", HSTS)
    if "text/html" in (response.mimetype or ""):
        headers.setdefault("Cache-Control", "no-store")
    return response
