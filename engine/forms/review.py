"""Review forms: a reviewer approves or returns a document; the filer revises and resubmits."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from engine.forms.problems import problem
from engine.forms.registry import form

COMMENT = validate.Length(max=2000)


@form("review")
class ReviewForm(Schema):
    outcome = fields.String(required=True, validate=validate.OneOf(["approve", "return"]))
    comment = fields.String(load_default="", validate=COMMENT)

    @validates_schema
    def reason_for_return(self, data, **_):
        # A unit cannot fix what it is not told: a return must say why.
        if data["outcome"] == "return" and not data.get("comment", "").strip():
            raise ValidationError(problem("return_needs_comment"), "comment")


@form("revise")
class ReviseForm(Schema):
    comment = fields.String(load_default="", validate=COMMENT)


@form("target_table")
class TargetTableForm(Schema):
    # The table itself is edited through the target-table editor; the task confirms it.
    confirmed = fields.Boolean(required=True, validate=validate.Equal(True))
