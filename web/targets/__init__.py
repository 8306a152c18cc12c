"""Target tables on the web: their API (api.py), the editor's pages (pages.py, with the posted
rows read back in target_rows.py), the filing task's form (target_forms.py), and beside them
their templates (templates/) and text (messages/)."""

from __future__ import annotations

from flask import Flask

from web.api import API_PREFIX
from web.api.base import BudgetloopApi
from web.review.task_forms import register_page_forms
from web.targets import api as target_tables
from web.targets import pages, target_forms


def init_app(app: Flask, api: BudgetloopApi) -> None:
    api.register_blueprint(target_tables.blp, url_prefix=API_PREFIX)
    app.register_blueprint(pages.bp)
    register_page_forms(target_forms.PAGE_FORMS)
