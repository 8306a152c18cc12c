"""The application factory."""

from __future__ import annotations

from flask import Flask
from werkzeug.routing import IntegerConverter

from engine.composition import build_engine
from engine.config import load_settings, tls_enabled
from web import (
    api,
    areas,
    db,
    errors,
    formatting,
    health,
    i18n,
    input_guard,
    pages,
    security,
    uploads,
)


def create_app(config: dict | None = None) -> Flask:
    """Build the app; `config` overrides the environment (tests pass DATABASE_URL here)."""
    app = Flask(__name__)
    # Ids in paths are BIGINTs: a larger number names nothing (404) rather than overflowing.
    app.url_map.converters["int"] = BoundedId
    overrides = dict(config or {})
    if "DATABASE_URL" not in overrides or "SECRET_KEY" not in overrides:
        settings = load_settings()
        overrides.setdefault("DATABASE_URL", settings.database_url)
        overrides.setdefault("SECRET_KEY", settings.secret_key)
    # Served over TLS (BUDGETLOOP_TLS=1, or TLS=True here): the cookies are Secure, and the
    # answers carry Strict-Transport-Security (web/security.py).
    tls = bool(overrides.pop("TLS")) if "TLS" in overrides else tls_enabled()
    app.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_NAME="budgetloop_session",
        SESSION_COOKIE_SECURE=tls,
        TLS=tls,
        PERMANENT_SESSION_LIFETIME=8 * 3600,
        MAX_CONTENT_LENGTH=8 * 1024 * 1024,
    )
    app.config.update(overrides)

    db.init_app(app)
    # One workflow engine per process: it caches parsed definitions between requests.
    app.extensions["budgetloop.workflow"] = build_engine()
    # The API's root, then every area's API and pages (web/areas.py), then the shared pages.
    areas.init_app(app, api.init_app(app))
    app.register_blueprint(health.bp)
    pages.init_app(app)
    i18n.init_app(app)
    formatting.init_app(app)
    # After the language is chosen, before the CSRF and text guards read (spool) a form.
    uploads.init_app(app)
    security.init_app(app)
    input_guard.init_app(app)
    errors.init_app(app)
    return app


class BoundedId(IntegerConverter):
    """`<int:…>` path parts between 0 and the largest BIGINT."""

    def __init__(self, map, *args, **kwargs) -> None:
        kwargs.setdefault("max", input_guard.MAX_ID)
        super().__init__(map, *args, **kwargs)
