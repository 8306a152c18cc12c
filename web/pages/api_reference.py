"""A browsable reference of the API, rendered from its own OpenAPI document (no CDN)."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template

bp = Blueprint("api_docs", __name__)


@bp.get("/api/v1/docs")
def reference():
    spec = current_app.extensions["budgetloop.api"].spec.to_dict()
    operations = [
        (path, method.upper(), operation)
        for path, item in sorted(spec.get("paths", {}).items())
        for method, operation in item.items()
        if method in ("get", "post", "put", "patch", "delete")
    ]
    return render_template("api_reference.html", spec=spec, operations=operations)
