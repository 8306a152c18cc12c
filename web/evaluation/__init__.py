"""Evaluations on the web: their API (api.py), an evaluation's page and the live score preview
(pages.py), the ex-ante assessments' API and list page (ex_ante_api.py, ex_ante_pages.py), the
scoring task forms (evaluation_forms.py), and beside them their templates
(templates/) and text (messages/)."""

from __future__ import annotations

from flask import Flask

from web.api import API_PREFIX
from web.api.base import BudgetloopApi
from web.evaluation import api as evaluations
from web.evaluation import evaluation_forms, ex_ante_api, ex_ante_forms, ex_ante_pages, pages
from web.review.task_forms import register_page_forms


def init_app(app: Flask, api: BudgetloopApi) -> None:
    api.register_blueprint(evaluations.blp, url_prefix=f"{API_PREFIX}/evaluations")
    api.register_blueprint(ex_ante_api.blp, url_prefix=f"{API_PREFIX}/ex-ante-assessments")
    app.register_blueprint(pages.bp)
    app.register_blueprint(ex_ante_pages.bp)
    register_page_forms(evaluation_forms.PAGE_FORMS)
    register_page_forms(ex_ante_forms.PAGE_FORMS)
