"""The inbox (待办) with bulk review (批量审核), the tasks I completed (已办), and a task's page:
its form, shown and completed."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for

from engine.errors import Conflict, InvalidInput
from engine.identity import permissions
from engine.identity.permissions import Permission
from engine.monitoring.alert_queries import AlertFilter, list_alerts
from engine.review.inbox import completed, get_task
from engine.review.inbox import inbox as inbox_query
from engine.review.tasks import BULK_FORM, MAX_BULK, complete, review_many
from web.auth import current_actor, require
from web.db import get_session
from web.errors import refusal_status, status_of
from web.i18n import translate
from web.input_guard import MAX_LISTED_ID
from web.pages.views import page_number, plain_digits
from web.review import task_forms

bp = Blueprint("inbox", __name__, template_folder="templates")
PER_PAGE = 25
# The orders the lists offer (the links in their headings); anything else falls back.
INBOX_SORTS = ("created_at", "-created_at", "due_at", "-due_at")
DONE_SORTS = ("-completed_at", "completed_at", "due_at", "-due_at")


def _sort(allowed: tuple[str, ...]) -> str:
    asked = request.args.get("sort", "")
    return asked if asked in allowed else allowed[0]


@bp.get("/inbox")
def inbox():
    return _render_inbox()


def _render_inbox(error: str | None = None, posted=None, status: int = 200):
    actor = current_actor()
    sort = _sort(INBOX_SORTS)
    page = inbox_query(get_session(), actor, page_number(), PER_PAGE, sort)
    bulk = permissions.may(actor, Permission.REVIEW_IN_BULK) and any(
        i.task.form == BULK_FORM for i in page.items
    )
    return render_template(
        "inbox.html",
        page=page,
        watch=_alerts_to_watch(actor),
        sort=sort,
        bulk=bulk,
        tab="todo",
        bulk_error=error,
        posted=posted or {},
    ), status


# Oversight bodies have no process steps: their daily work is the red alerts nobody has
# acknowledged yet (督办), oldest first, which the inbox lists above their (empty) tasks.
WATCH_ROWS = 10


def _alerts_to_watch(actor):
    if not permissions.may(actor, Permission.WATCH_RED_ALERTS):
        return None
    where = AlertFilter(colours=("red",), status="open")
    return list_alerts(get_session(), actor, where, 1, WATCH_ROWS, sort="id")


@bp.get("/inbox/done")
def done():
    sort = _sort(DONE_SORTS)
    page = completed(get_session(), current_actor(), page_number(), PER_PAGE, sort)
    return render_template("tasks/done.html", page=page, sort=sort, tab="done")


@bp.post("/inbox/bulk-review")
def bulk_review():
    actor = require(Permission.REVIEW_IN_BULK)
    ids = _task_ids(request.form.getlist("task"))
    data = {
        "outcome": request.form.get("outcome", ""),
        "comment": request.form.get("comment", ""),
    }
    problem = _bulk_problem(ids, data)
    if problem:
        get_session().rollback()
        return _render_inbox(problem, request.form, status_of(InvalidInput))
    # Each task is a command of its own, committed on its own: free SQLite's single writer.
    get_session().rollback()
    results = review_many(
        current_app.extensions["budgetloop.sessions"],
        current_app.extensions["budgetloop.workflow"],
        ids,
        data,
        actor,
    )
    names = _names_of(results)
    return render_template("tasks/bulk_result.html", results=results, names=names, data=data)


def _task_ids(raw: list[str]) -> list[int]:
    return [int(value) for value in raw if plain_digits(value) and int(value) <= MAX_LISTED_ID]


def _bulk_problem(ids: list[int], data: dict) -> str | None:
    """The form's own mistakes, said before anything is done."""
    if not ids:
        return translate("bulk.none_selected")
    if len(ids) > MAX_BULK:
        return translate("bulk.too_many", max=MAX_BULK)
    if data["outcome"] not in ("approve", "return"):
        return translate("form.review.choose")
    if data["outcome"] == "return" and not data["comment"].strip():
        return translate("bulk.return_needs_comment")
    return None


def _names_of(results) -> dict[int, object]:
    """Each result's task and project as the caller may see them (to name the rows)."""
    session, actor = get_session(), current_actor()
    names = {}
    for result in results:
        try:
            names[result.task_id] = get_task(session, actor, result.task_id)
        except Exception:  # a task the caller may not see is named by its id alone
            continue
    return names


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
        status = refusal_status(error)
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
