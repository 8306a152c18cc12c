"""What a unit keeps beside a task's form on the task page: 暂存 (save the typed fields as a
draft without completing the task) and 佐证材料 (attach evidence files to the document).

The buttons sit inside the task's form and post to these routes (formaction), so the draft is
exactly what was typed; an upload or a deletion shows the page again with the typed fields kept.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, request, url_for

from engine.attachments import (
    add_attachment,
    delete_attachment,
    document_attachments,
    document_of_task,
    size_text,
    visible_attachment,
)
from engine.errors import BudgetloopError, Conflict, InvalidInput, TooLarge, UnsupportedMediaType
from engine.models import TaskDraft
from engine.review.drafts import DRAFT_FORMS, save_draft
from web.auth import current_actor
from web.db import get_session
from web.errors import refusal_status
from web.i18n import translate
from web.pages.views import plain_digits
from web.review.tasks import _render_task
from web.uploads import UPLOAD_ENDPOINTS, in_user_language, limits

bp = Blueprint("task_extras", __name__, template_folder="templates")

# Fields of the task form that are not the form's own data.
NOT_DATA = frozenset({"csrf_token", "draft_version", "file"})
REFUSALS = (InvalidInput, Conflict, TooLarge, UnsupportedMediaType)


def form_fields(posted) -> dict:
    """The typed fields of a posted task form (what a draft keeps and a parser reads)."""
    return {key: value for key, value in posted.items() if key not in NOT_DATA}


def evidence_context(session, task, project) -> dict:
    """The draft and the attachments shown with a task's form (merged into its context)."""
    document = document_of_task(session, task, project)
    attachments = (
        document_attachments(session, current_actor(), document.type, document.id)
        if document is not None
        else []
    )
    size = limits()
    return {
        "draft": session.get(TaskDraft, task.id) if task.form in DRAFT_FORMS else None,
        "draftable": task.form in DRAFT_FORMS and task.status == "ready",
        "document": document,
        "attachments": attachments,
        "attachment_limit_size": size_text(size.max_bytes),
        "attachment_limit_files": size.max_files,
    }


@bp.app_template_global("attachments_of_document")
def attachments_of_document(document_type: str, document_id: int) -> list:
    """For any page showing a document (a review page): its attachments that the current user
    sees, for attachments/_list.html. Document types: monitoring_report (MonitoringReport.id),
    evaluation (Evaluation.id), rectification_order (RectificationOrder.id)."""
    return document_attachments(get_session(), current_actor(), document_type, document_id)


def _refused(task_id: int, error: BudgetloopError):
    get_session().rollback()
    worded = in_user_language(error)
    return _render_task(task_id, error=worded, posted=request.form), refusal_status(error)


@bp.post("/tasks/<int:task_id>/draft")
def save(task_id: int):
    raw_version = request.form.get("draft_version", "")
    version = int(raw_version) if plain_digits(raw_version) and len(raw_version) < 10 else None
    try:
        draft = save_draft(
            get_session(), current_actor(), task_id, form_fields(request.form), version
        )
    except REFUSALS as error:
        return _refused(task_id, error)
    flash(translate("draft.saved", version=draft.version), "notice")
    return redirect(url_for("inbox.task", task_id=task_id))


@bp.post("/tasks/<int:task_id>/attachments")
def upload(task_id: int):
    upload = request.files.get("file")
    try:
        attachment = add_attachment(
            get_session(),
            current_actor(),
            task_id,
            upload.filename if upload is not None else None,
            upload.stream if upload is not None else None,
            limits(),
        )
    except REFUSALS as error:
        return _refused(task_id, error)
    flash(translate("att.uploaded", name=attachment.file_name), "notice")
    # The page again, with what was typed: the upload did not save the form.
    return _render_task(task_id, posted=request.form)


UPLOAD_ENDPOINTS.add(f"{bp.name}.upload")


@bp.post("/tasks/<int:task_id>/attachments/<int:attachment_id>/delete")
def delete(task_id: int, attachment_id: int):
    session = get_session()
    actor = current_actor()
    try:
        name = visible_attachment(session, actor, attachment_id).file_name
        delete_attachment(session, actor, attachment_id)
    except (Conflict, InvalidInput) as error:
        return _refused(task_id, error)
    flash(translate("att.deleted", name=name), "notice")
    return _render_task(task_id, posted=request.form)
