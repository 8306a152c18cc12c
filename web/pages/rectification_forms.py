"""The rectification tasks on the task page: the unit's feedback, the finance desk's review
(accept, or return with a comment) and the escalation of an overdue order."""

from __future__ import annotations

from werkzeug.datastructures import MultiDict

from engine.rectification.forms import ESCALATIONS
from engine.rectification.queries import history, open_order_for, reported_feedback
from web.pages.task_extras import evidence_context, form_fields
from web.pages.task_forms import page_form, plain_fields


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


@page_form("rectification_feedback", "forms/rectification_feedback.html", feedback_context)
def parse_feedback(posted: MultiDict) -> dict:
    # Without the draft's version and the file chooser, which sit in the same HTML form.
    return form_fields(posted)


@page_form("rectification_review", "forms/rectification_review.html", order_context)
def parse_review(posted: MultiDict) -> dict:
    return plain_fields(posted)


@page_form("overdue_escalation", "forms/overdue_escalation.html", order_context)
def parse_escalation(posted: MultiDict) -> dict:
    return plain_fields(posted)
