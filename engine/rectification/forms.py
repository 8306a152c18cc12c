"""Rectification forms: the unit's feedback, the finance desk's review, overdue escalation."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from engine.forms.problems import problem
from engine.models.enums import AccountabilityKind

TEXT = validate.Length(max=2000)


class RectificationFeedbackForm(Schema):
    feedback = fields.String(required=True, validate=validate.Length(min=1, max=4000))

    @validates_schema
    def says_something(self, data, **_):
        if not data.get("feedback", "").strip():
            raise ValidationError(problem("say_rectified"), "feedback")


class RectificationReviewForm(Schema):
    outcome = fields.String(required=True, validate=validate.OneOf(["accept", "return"]))
    comment = fields.String(load_default="", validate=TEXT)

    @validates_schema
    def reason_for_return(self, data, **_):
        # The unit has to know what is still missing before it can rectify again.
        if data.get("outcome") == "return" and not data.get("comment", "").strip():
            raise ValidationError(problem("return_says_missing"), "comment")


# What a finance desk can do about an overdue order (domain.md: 约谈, 通报, 督促).
ESCALATIONS = [
    AccountabilityKind.REMINDER.value,
    AccountabilityKind.INTERVIEW.value,
    AccountabilityKind.CIRCULAR.value,
]


class OverdueEscalationForm(Schema):
    action = fields.String(required=True, validate=validate.OneOf(ESCALATIONS))
    comment = fields.String(load_default="", validate=TEXT)


# The forms this area's tasks name (the `form` property of a BPMN user task); the area's
# `register` adds them to the form registry when the composition root runs.
FORMS = {
    "rectification_feedback": RectificationFeedbackForm,
    "rectification_review": RectificationReviewForm,
    "overdue_escalation": OverdueEscalationForm,
}
