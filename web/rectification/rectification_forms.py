"""The rectification tasks on the task page: the unit's feedback, the finance desk's review
(accept, or return with a comment) and the escalation of an overdue order."""

from __future__ import annotations

from werkzeug.datastructures import MultiDict

from engine.rectification.forms import ESCALATIONS
from engine.rectification.queries import history, open_order_for, reported_feedback
from web.review.task_extras import evidence_context, form_fields
from web.review.task_forms import PageForm, plain_fields


def order_context(session, task, project) -> dict:
    order = open_order_for(session, project)
    steps = history(session, order) if order is not None else []
    return {
        "order": order,
        "feedback": reported_feedback(steps),
        "escalations": ESCALATIONS,
    }


def feedback_context(session, task, project) -> dict:
    """The order, with the unit's draft (暂存) and its evidence files (佐证材料)."""
    return {**order_context(session, task, project), **evidence_context(session, task, project)}


def parse_feedback(posted: MultiDict) -> dict:
    # Without the draft's version and the file chooser, which sit in the same HTML form.
    return form_fields(posted)


def parse_review(posted: MultiDict) -> dict:
    return plain_fields(posted)


def parse_escalation(posted: MultiDict) -> dict:
    return plain_fields(posted)


PAGE_FORMS = {
    "rectification_feedback": PageForm(
        "forms/rectification_feedback.html", parse_feedback, feedback_context
    ),
    "rectification_review": PageForm(
        "forms/rectification_review.html", parse_review, order_context
    ),
    "overdue_escalation": PageForm(
        "forms/overdue_escalation.html", parse_escalation, order_context
    ),
}
