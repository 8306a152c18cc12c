"""`/healthz`: is the database reachable and its schema current?"""

from __future__ import annotations

from flask import Blueprint, jsonify

from engine import schema
from engine.db import check_connection
from engine.errors import DatabaseUnavailable
from web.db import get_engine
from web.errors import status_of

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    engine = get_engine()
    try:
        check_connection(engine)
    except DatabaseUnavailable as error:
        return jsonify({"status": "unavailable", "database": error.message}), status_of(error)
    current, head = schema.current_revision(engine), schema.head_revision()
    body = {"status": "ok", "database": engine.dialect.name, "schema": current}
    if current != head:
        body.update(status="degraded", schema_expected=head)
        return jsonify(body), 503
    return jsonify(body), 200
