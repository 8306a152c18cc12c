"""The REST API under /api/v1, documented by the OpenAPI document flask-smorest generates."""

from __future__ import annotations

from flask import Flask

from web.api import (
    alerts,
    attachments,
    drafts,
    evaluations,
    meta,
    monitoring,
    operations,
    processes,
    projects,
    rectification,
    results,
    rulesets,
    targets,
    tasks,
)
from web.api.base import BudgetloopApi

API_PREFIX = "/api/v1"


def init_app(app: Flask) -> BudgetloopApi:
    app.config.setdefault("API_TITLE", "budgetloop")
    app.config.setdefault("API_VERSION", "v1")
    app.config.setdefault("OPENAPI_VERSION", "3.0.3")
    app.config.setdefault("OPENAPI_URL_PREFIX", API_PREFIX)
    app.config.setdefault("OPENAPI_JSON_PATH", "openapi.json")
    api = BudgetloopApi(app, spec_kwargs={"info": {"description": "Budget performance cycle API"}})
    api.register_blueprint(meta.blp, url_prefix=API_PREFIX)
    api.register_blueprint(targets.blp, url_prefix=API_PREFIX)
    api.register_blueprint(processes.blp, url_prefix=f"{API_PREFIX}/process-definitions")
    api.register_blueprint(projects.blp, url_prefix=API_PREFIX)
    api.register_blueprint(tasks.blp, url_prefix=f"{API_PREFIX}/tasks")
    api.register_blueprint(drafts.blp, url_prefix=API_PREFIX)
    api.register_blueprint(attachments.blp, url_prefix=API_PREFIX)
    api.register_blueprint(evaluations.blp, url_prefix=f"{API_PREFIX}/evaluations")
    api.register_blueprint(rectification.blp, url_prefix=f"{API_PREFIX}/rectification-orders")
    api.register_blueprint(operations.audit_blp, url_prefix=f"{API_PREFIX}/audit-events")
    api.register_blueprint(operations.incidents_blp, url_prefix=f"{API_PREFIX}/incidents")
    api.register_blueprint(alerts.blp, url_prefix=f"{API_PREFIX}/alerts")
    api.register_blueprint(monitoring.blp, url_prefix=f"{API_PREFIX}/monitoring-reports")
    api.register_blueprint(rulesets.blp, url_prefix=f"{API_PREFIX}/rule-sets")
    api.register_blueprint(results.blp, url_prefix=API_PREFIX)
    api.register_blueprint(results.public, url_prefix=f"{API_PREFIX}/disclosures")
    api.spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    app.extensions["budgetloop.api"] = api
    return api
