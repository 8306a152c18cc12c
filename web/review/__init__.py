"""Review on the web: the API of tasks, drafts (暂存) and attachments (佐证材料); the inbox and a
task's page (tasks.py), what a unit keeps beside a task's form (task_extras.py), and the task
forms' registry with the review area's own forms (task_forms.py), which the other areas' forms
join, as their descriptions of a task that is not a project's (task_subjects.py); beside them
their templates (templates/) and text (messages/)."""

from __future__ import annotations

from flask import Flask

from web.api import API_PREFIX
from web.api.base import BudgetloopApi
from web.review import (
    attachments_api,
    drafts_api,
    task_extras,
    task_forms,
    task_subjects,
    tasks,
    tasks_api,
)


def init_app(app: Flask, api: BudgetloopApi) -> None:
    api.register_blueprint(tasks_api.blp, url_prefix=f"{API_PREFIX}/tasks")
    api.register_blueprint(drafts_api.blp, url_prefix=API_PREFIX)
    api.register_blueprint(attachments_api.blp, url_prefix=API_PREFIX)
    app.register_blueprint(tasks.bp)
    app.register_blueprint(task_extras.bp)
    task_forms.register_page_forms(task_forms.REVIEW_FORMS)
    app.jinja_env.globals["task_subject"] = task_subjects.task_subject
