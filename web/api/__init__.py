"""The REST API under /api/v1, documented by the OpenAPI document flask-smorest generates.

This package holds what every area's API shares (the Api object, paging, read-model schemas)
and the API's root; each web area registers its own blueprints on the Api (web/areas.py).
"""

from __future__ import annotations

from flask import Flask

from web.api import meta
from web.api.base import BudgetloopApi

API_PREFIX = "/api/v1"


def init_app(app: Flask) -> BudgetloopApi:
    """The Api with its root (`GET /api/v1/`); the areas add theirs after it."""
    app.config.setdefault("API_TITLE", "budgetloop")
    app.config.setdefault("API_VERSION", "v1")
    app.config.setdefault("OPENAPI_VERSION", "3.0.3")
    app.config.setdefault("OPENAPI_URL_PREFIX", API_PREFIX)
    app.config.setdefault("OPENAPI_JSON_PATH", "openapi.json")
    api = BudgetloopApi(app, spec_kwargs={"info": {"description": "Budget performance cycle API"}})
    api.spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    api.register_blueprint(meta.blp, url_prefix=API_PREFIX)
    app.extensions["budgetloop.api"] = api
    return api
