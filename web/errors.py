"""The one error handler: every failure becomes `{code, status, message, errors}`."""

from __future__ import annotations

import logging

from flask import Flask, jsonify, redirect, render_template, request, url_for
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from engine.errors import (
    BudgetloopError,
    Conflict,
    DatabaseUnavailable,
    Forbidden,
    InvalidInput,
    NotFound,
    RateLimited,
    TooLarge,
    Unauthenticated,
    UnsupportedMediaType,
)
from web.i18n import catalogue

log = logging.getLogger(__name__)

STATUS_OF: dict[type[BudgetloopError], int] = {
    InvalidInput: 422,
    Unauthenticated: 401,
    Forbidden: 403,
    NotFound: 404,
    Conflict: 409,
    TooLarge: 413,
    UnsupportedMediaType: 415,
    RateLimited: 429,
    DatabaseUnavailable: 503,
}
JSON_PREFIXES = ("/api/", "/healthz")


def payload(code: str, status: int, message: str, errors: dict | None = None):
    """The single error shape: JSON for API clients, the same facts as a page for people."""
    errors = errors or {}
    if not _wants_page():
        body = {"code": code, "status": status, "message": message, "errors": errors}
        return jsonify(body), status
    if status == 401 and request.method == "GET" and not request.headers.get("HX-Request"):
        return redirect(url_for("login.login_form", next=request.full_path.rstrip("?")))
    template = "_error_fragment.html" if request.headers.get("HX-Request") else "error.html"
    title_key = f"error.{status}" if f"error.{status}" in catalogue() else "error.title"
    page = render_template(
        template,
        code=code,
        status=status,
        message=message,
        errors=flat_errors(errors),
        title_key=title_key,
    )
    return page, status


def _wants_page() -> bool:
    if request.path.startswith(JSON_PREFIXES):
        return False
    return "text/html" in request.accept_mimetypes or request.headers.get("HX-Request") is not None


def flat_errors(errors: dict, prefix: str = "") -> list[tuple[str, str]]:
    """Field errors as (field, message) pairs, nested names joined with dots."""
    pairs: list[tuple[str, str]] = []
    for key, value in errors.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            pairs.extend(flat_errors(value, f"{name}."))
        elif isinstance(value, list) and all(isinstance(item, str) for item in value):
            pairs.append((name, "; ".join(value)))
        else:
            pairs.append((name, str(value)))
    return pairs


def init_app(app: Flask) -> None:
    """Register the handlers (after flask-smorest, so ours are the ones that answer)."""
    app.jinja_env.globals["error_pairs"] = flat_errors
    app.register_error_handler(BudgetloopError, _engine_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(OperationalError, _database_down)
    app.register_error_handler(IntegrityError, _concurrent_change)
    app.register_error_handler(StaleDataError, _concurrent_change)
    app.register_error_handler(Exception, _unexpected)


def _engine_error(error: BudgetloopError):
    status = next((code for cls, code in STATUS_OF.items() if isinstance(error, cls)), 400)
    return payload(error.code, status, error.message, error.errors)


def _http_error(error: HTTPException):
    status = error.code or 500
    errors = {}
    # webargs/flask-smorest attach field errors to 422 responses here.
    data = getattr(error, "data", None)
    if isinstance(data, dict) and "messages" in data:
        errors = data["messages"]
    code = (error.name or "error").lower().replace(" ", "_")
    message = error.description if isinstance(error.description, str) else error.name
    return payload(code, status, message, errors)


def _database_down(error: OperationalError):
    log.warning("database unavailable: %s", error.orig)
    return payload("database_unavailable", 503, "the database is unavailable; try again shortly")


def _concurrent_change(error: Exception):
    # The engine validates input before writing, so a constraint or version failure that gets
    # this far is a race with another request: report it as the conflict it is.
    log.info("conflict: %s", error)
    return payload("conflict", 409, "the data changed meanwhile; reload and try again")


def _unexpected(error: Exception):
    log.exception("unhandled error")
    return payload("internal_error", 500, "an internal error occurred; it has been logged")
