"""Operators on the web: the API of the hash-chained audit log and of incidents (api.py), their
pages (pages.py, with the log read aloud by audit_text.py), and beside them their templates
(templates/) and text (messages/).

The audit log is the engine's core (engine/audit) and incidents are the workflow runtime's:
the operators' console is an area of the web of its own.
"""

from __future__ import annotations

from flask import Flask

from web.api import API_PREFIX
from web.api.base import BudgetloopApi
from web.operations import api as operations
from web.operations import pages


def init_app(app: Flask, api: BudgetloopApi) -> None:
    api.register_blueprint(operations.audit_blp, url_prefix=f"{API_PREFIX}/audit-events")
    api.register_blueprint(operations.incidents_blp, url_prefix=f"{API_PREFIX}/incidents")
    app.register_blueprint(pages.bp)
