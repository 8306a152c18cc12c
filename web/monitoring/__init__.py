"""Monitoring on the web: the alerts' API (alerts_api.py) and the reports' (reports_api.py), the
supervisor dashboard (dashboard.py), the monitoring task forms (monitoring_forms.py), and beside
them their templates (templates/) and text (messages/)."""

from __future__ import annotations

from flask import Flask

from web.api import API_PREFIX
from web.api.base import BudgetloopApi
from web.monitoring import alerts_api, dashboard, monitoring_forms, reports_api
from web.review.task_forms import register_page_forms


def init_app(app: Flask, api: BudgetloopApi) -> None:
    api.register_blueprint(alerts_api.blp, url_prefix=f"{API_PREFIX}/alerts")
    api.register_blueprint(reports_api.blp, url_prefix=f"{API_PREFIX}/monitoring-reports")
    app.register_blueprint(dashboard.bp)
    register_page_forms(monitoring_forms.PAGE_FORMS)
