"""Rectification on the web: the orders' API (api.py), their list and page (pages.py), the
rectification task forms (rectification_forms.py), and beside them their templates (templates/)
and text (messages/)."""

from __future__ import annotations

from flask import Flask

from web.api import API_PREFIX
from web.api.base import BudgetloopApi
from web.rectification import api as orders
from web.rectification import pages, rectification_forms
from web.review.task_forms import register_page_forms


def init_app(app: Flask, api: BudgetloopApi) -> None:
    api.register_blueprint(orders.blp, url_prefix=f"{API_PREFIX}/rectification-orders")
    app.register_blueprint(pages.bp)
    register_page_forms(rectification_forms.PAGE_FORMS)
