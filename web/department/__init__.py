"""Department overall performance (部门整体绩效) on the web: its API (api.py), the list and
one plan's page (pages.py), the department's and finance's task forms (plan_form.py,
report_forms.py), and beside them their templates (templates/) and text (messages/)."""

from __future__ import annotations

from flask import Flask

from web.api import API_PREFIX
from web.api.base import BudgetloopApi
from web.department import api as plans_api
from web.department import pages, plan_form, report_forms
from web.review.task_forms import register_page_forms
from web.review.task_subjects import register_task_subject


def init_app(app: Flask, api: BudgetloopApi) -> None:
    api.register_blueprint(plans_api.blp, url_prefix=f"{API_PREFIX}/department-plans")
    app.register_blueprint(pages.bp)
    register_page_forms(plan_form.PAGE_FORMS)
    register_page_forms(report_forms.PAGE_FORMS)
    register_task_subject(pages.department_subject)
