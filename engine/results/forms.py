"""The finance desk's answer to a proposed funding decision: confirm it, or override the
factor with a reason (engine/results/operations.py `set_allocation` reads these fields)."""

from __future__ import annotations

from decimal import Decimal

from marshmallow import Schema, ValidationError, fields, post_load, validate, validates_schema

from engine.forms.problems import problem


class DecisionConfirmationForm(Schema):
    confirm = fields.Boolean(load_default=False)
    override_factor = fields.Decimal(
        allow_none=True,
        load_default=None,
        places=4,
        validate=validate.Range(min=Decimal(0), max=Decimal(2)),
        metadata={"description": "next year's factor instead of the rules' (0 … 2)"},
    )
    override_reason = fields.String(load_default="", validate=validate.Length(max=2000))

    @validates_schema
    def one_answer(self, data, **_):
        if data.get("override_factor") is None:
            if not data.get("confirm"):
                raise ValidationError(problem("confirm_or_override"), "confirm")
            return
        # An override departs from the published rules: the record must say why.
        if not data.get("override_reason", "").strip():
            raise ValidationError(problem("override_reason"), "override_reason")

    @post_load
    def as_process_data(self, data, **_):
        # Process data is JSON: the factor travels as text, as set_allocation expects.
        if data.get("override_factor") is None:
            return {"confirm": True}
        return {
            "override_factor": str(data["override_factor"]),
            "override_reason": data["override_reason"].strip(),
        }


# The forms this area's tasks name (the `form` property of a BPMN user task); the area's
# `register` adds them to the form registry when the composition root runs.
FORMS = {
    "decision_confirmation": DecisionConfirmationForm,
}
