"""The one error handler: every failure becomes `{code, status, message, errors}`."""

from __future__ import annotations

import logging
from uuid import uuid4

from flask import Flask, jsonify, make_response, redirect, render_template, request, url_for
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from engine.errors import (
    AuditChainBroken,
    BudgetloopError,
    ConfigurationError,
    Conflict,
    Corrupted,
    DatabaseUnavailable,
    Forbidden,
    InvalidInput,
    NotFound,
    RateLimited,
    TooLarge,
    Unauthenticated,
    UnsupportedMediaType,
)
from web.i18n import catalogue, current_language, translate
from web.problem_text import say, say_errors, say_text
from web.server_answers import RequestTimedOut

log = logging.getLogger(__name__)

# The one error table: the only place a status is chosen for an error (the handlers below and
# the pages that show a refusal beside their form all ask `status_of`). An error answers the
# status of its nearest class listed here; one not listed is a server fault (500, logged).
STATUS_OF: dict[type[Exception], int] = {
    InvalidInput: 422,
    Unauthenticated: 401,
    Forbidden: 403,
    NotFound: 404,
    Conflict: 409,
    TooLarge: 413,
    UnsupportedMediaType: 415,
    RateLimited: 429,
    DatabaseUnavailable: 503,
    RequestTimedOut: 503,
    # Faults of the server, not of the request: a spec edited in the database, a broken audit
    # chain, a misconfiguration. They answer 500 and are logged with the request's id; an error
    # not listed here is a server fault too, never a client's 400.
    ConfigurationError: 500,
    AuditChainBroken: 500,
    Corrupted: 500,
    # The database's own failures. The engine validates input before writing, so a constraint
    # or version failure that gets this far is a race with another request: a conflict.
    IntegrityError: 409,
    StaleDataError: 409,
    OperationalError: 503,
}
SERVER_FAULT = 500
UNAVAILABLE = 503
REQUEST_ID_HEADER = "X-Request-Id"
JSON_PREFIXES = ("/api/", "/healthz")


def status_of(error: BaseException | type[BaseException]) -> int:
    """The status of `error` (an instance or a class): its nearest class in STATUS_OF, so that a
    subclass answers as its family does; SERVER_FAULT for anything the table does not list."""
    kind = error if isinstance(error, type) else type(error)
    return next((STATUS_OF[cls] for cls in kind.__mro__ if cls in STATUS_OF), SERVER_FAULT)


def is_server_fault(status: int) -> bool:
    """A 500 is logged with a request id; 503 (unavailable, timed out) is the server's state."""
    return status >= SERVER_FAULT and status != UNAVAILABLE


def refusal_status(error: BudgetloopError) -> int:
    """The status of a refusal that a page shows beside its form (the form kept as typed).

    A server fault is never shown on a form: it is raised on to the one handler, which logs it
    and answers 500 with a request id.
    """
    status = status_of(error)
    if is_server_fault(status):
        raise error
    return status


def payload(code: str, status: int, message: str, errors: dict | None = None):
    """The single error shape: JSON for API clients, the same facts as a page for people.

    `message` is in the request's language already; here the field errors are put in it too
    (marshmallow's and the forms' sentences; a page also words the short reason codes).
    """
    errors = errors or {}
    if not _wants_page():
        body = {"code": code, "status": status, "message": message, "errors": say_errors(errors)}
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
        errors=error_pairs(errors),
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


def error_pairs(errors: dict) -> list[tuple[str, str]]:
    """Field errors as a page shows them: (field, message) in the user's language."""
    return flat_errors(say_errors(errors or {}, words=True))


def init_app(app: Flask) -> None:
    """Register the handlers (after flask-smorest, so ours are the ones that answer)."""
    app.jinja_env.globals["error_pairs"] = error_pairs
    app.jinja_env.globals["say_error"] = _say_any
    app.register_error_handler(BudgetloopError, _engine_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(OperationalError, _database_down)
    app.register_error_handler(IntegrityError, _concurrent_change)
    app.register_error_handler(StaleDataError, _concurrent_change)
    app.register_error_handler(Exception, _unexpected)


def _engine_error(error: BudgetloopError):
    status = status_of(error)
    if is_server_fault(status):
        return _server_fault(error.code, error)
    return payload(error.code, status, say(error), error.errors)


def _server_fault(code: str, error: Exception):
    """500 in the error shape; the details go to the log under an id the answer carries."""
    request_id = uuid4().hex[:16]
    log.error(
        "server fault %s (request %s %s %s)",
        code,
        request_id,
        request.method,
        request.path,
        exc_info=error,
    )
    message = say_text("an internal error occurred; it has been logged")
    response = make_response(payload(code, SERVER_FAULT, message))
    response.headers[REQUEST_ID_HEADER] = request_id
    return response


def _say_any(error) -> str:
    """An error shown on a page (an engine error, or text already worded) in the user's language."""
    return say(error) if isinstance(error, BudgetloopError) else say_text(str(error))


def _http_error(error: HTTPException):
    status = error.code or 500
    errors = {}
    # webargs/flask-smorest attach field errors to 422 responses here.
    data = getattr(error, "data", None)
    if isinstance(data, dict) and "messages" in data:
        errors = data["messages"]
    code = (error.name or "error").lower().replace(" ", "_")
    return payload(code, status, _http_message(error, status), errors)


def _http_message(error: HTTPException, status: int) -> str:
    """Werkzeug's English description on English pages; the status said plainly otherwise."""
    described = error.description if isinstance(error.description, str) else None
    if described and described != type(error).description:
        found = say_text(described)
        if found != described or current_language() == "en":
            return found
    if current_language() == "en":
        return described or error.name
    key = f"error.{status}"
    return translate(key if key in catalogue() else "error.title")


def _database_down(error: OperationalError):
    log.warning("database unavailable: %s", error.orig)
    message = say_text("the database is unavailable; try again shortly")
    return payload("database_unavailable", status_of(error), message)


def _concurrent_change(error: Exception):
    log.info("conflict: %s", error)
    message = say_text("the data changed meanwhile; reload and try again")
    return payload("conflict", status_of(error), message)


def _unexpected(error: Exception):
    return _server_fault("internal_error", error)
