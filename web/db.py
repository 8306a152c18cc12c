"""One database session per request; the request's end commits or rolls back, nowhere else."""

from __future__ import annotations

from flask import Flask, current_app, g, has_request_context, request
from sqlalchemy.orm import Session

from engine.db import create_db_engine, session_factory


def init_app(app: Flask) -> None:
    """Build the engine for the app's configured database (connections open on first use)."""
    engine = create_db_engine(app.config["DATABASE_URL"])
    app.extensions["budgetloop.engine"] = engine
    app.extensions["budgetloop.sessions"] = session_factory(engine)
    app.extensions["budgetloop.read_sessions"] = session_factory(engine, writes=False)
    app.after_request(_commit_on_success)
    app.teardown_appcontext(_close)


def get_engine():
    return current_app.extensions["budgetloop.engine"]


def get_session() -> Session:
    """The request's session, begun on first use (reads never queue behind SQLite writers)."""
    if "db_session" not in g:
        reading = has_request_context() and request.method in ("GET", "HEAD", "OPTIONS")
        factory = "budgetloop.read_sessions" if reading else "budgetloop.sessions"
        g.db_session = current_app.extensions[factory]()
    return g.db_session


def _commit_on_success(response):
    session: Session | None = g.get("db_session")
    if session is not None:
        if response.status_code < 400:
            session.commit()
        else:
            session.rollback()
    return response


def _close(_error: BaseException | None) -> None:
    session: Session | None = g.pop("db_session", None)
    if session is not None:
        session.rollback()
        session.close()
