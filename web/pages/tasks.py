"""The inbox and a task's page: its form, shown and completed."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for

from engine.errors import Conflict, InvalidInput
from engine.queries.tasks import get_task
from engine.queries.tasks import inbox as inbox_query
from engine.tasks import complete
from web.auth import current_actor
from web.db import get_session
from web.i18n import translate
from web.pages import task_forms
from web.pages.views import page_number

bp = Blueprint("inbox", __name__)


@bp.get("/inbox")
def inbox():
    actor = current_actor()
    page = inbox_query(get_session(), actor, page_number(), 25)
    return render_template("inbox.html", page=page)


@bp.get("/tasks/<int:task_id>")
def task(task_id: int):
    return _render_task(task_id)


@bp.post("/tasks/<int:task_id>")
def complete_task(task_id: int):
    actor = current_actor()
    session = get_session()
    item = get_task(session, actor, task_id)
    form = task_forms.page_form_for(item.task.form)
    try:
        data = form.parse(request.form)
        outcome = complete(
            session, current_app.extensions["budgetloop.workflow"], task_id, data, actor
        )
    except (InvalidInput, Conflict) as error:
        status = 409 if isinstance(error, Conflict) else 422
        session.rollback()
        return _render_task(task_id, error=error, posted=request.form), status
    if outcome.ok:
        flash(translate("task.done", name=item.task.name), "notice")
    else:
        flash(translate("task.incident", incident=outcome.incident_id), "error")
    return redirect(url_for("inbox.inbox"))


def _render_task(task_id: int, error=None, posted=None):
    session = get_session()
    item = get_task(session, current_actor(), task_id)
    form = task_forms.page_form_for(item.task.form)
    return render_template(
        "task.html",
        item=item,
        form_template=form.template,
        context=form.context(session, item.task, item.project),
        error=error,
        posted=posted or {},
    )
