"""Review forms: a reviewer approves or returns a document; the filer revises and resubmits."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from engine.forms.problems import problem

COMMENT = validate.Length(max=2000)


class ReviewForm(Schema):
    outcome = fields.String(required=True, validate=validate.OneOf(["approve", "return"]))
    comment = fields.String(load_default="", validate=COMMENT)

    @validates_schema
    def reason_for_return(self, data, **_):
        # A unit cannot fix what it is not told: a return must say why.
        if data["outcome"] == "return" and not data.get("comment", "").strip():
            raise ValidationError(problem("return_needs_comment"), "comment")


class ReviseForm(Schema):
    comment = fields.String(load_default="", validate=COMMENT)


# The forms this area's tasks name (the `form` property of a BPMN user task); the area's
# `register` adds them to the form registry when the composition root runs.
FORMS = {
    "review": ReviewForm,
    "revise": ReviseForm,
}
