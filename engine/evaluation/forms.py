"""Evaluation forms: a unit's self-evaluation, and the frame-item scoring of key, department and
third-party evaluations. The schemas check the shape; the scoring service task checks the
scores against the target table and the frame (and names the row when one is wrong)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from engine.forms.problems import problem
from engine.models.enums import QualitativeBand

TEXT = validate.Length(max=2000)
# Actual values and the amount executed are stored as Measure (four places in a 64-bit integer,
# about 9.2e14): anything from here on could not be stored and is refused as no number.
MAX_NUMBER = Decimal("1e14")


class Number(fields.Field):
    """A finite decimal given as text or a number, kept as text (task data is plain JSON)."""

    default_error_messages = {"invalid": problem("not_a_number")}

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise self.make_error("invalid")
        try:
            number = Decimal(str(value).strip())
        except InvalidOperation:
            raise self.make_error("invalid") from None
        if not number.is_finite() or abs(number) >= MAX_NUMBER:
            raise self.make_error("invalid")
        return str(number)


class IndicatorScore(Schema):
    indicator_id = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    actual = Number(allow_none=True, load_default=None)
    band = fields.String(
        allow_none=True,
        load_default=None,
        validate=validate.OneOf([b.value for b in QualitativeBand]),
    )
    band_pct = Number(allow_none=True, load_default=None)
    # Required below full points: the scoring step knows the points and names the row.
    reason = fields.String(allow_none=True, load_default=None, validate=TEXT)

    @validates_schema
    def band_pct_is_a_share(self, data, **_):
        if data.get("band_pct") is not None and not 0 <= Decimal(data["band_pct"]) <= 1:
            raise ValidationError(problem("share"), "band_pct")


class SelfEvaluationForm(Schema):
    executed = Number(required=True)
    scores = fields.List(
        fields.Nested(IndicatorScore), required=True, validate=validate.Length(max=200)
    )

    @validates_schema
    def one_row_per_indicator(self, data, **_):
        ids = [row["indicator_id"] for row in data.get("scores", [])]
        if len(ids) != len(set(ids)):
            raise ValidationError(problem("scored_once"), "scores")
        if data.get("executed") is not None and Decimal(data["executed"]) < 0:
            raise ValidationError(problem("negative"), "executed")


class FrameItemForm(Schema):
    """Points per level-1 frame item (decision, process, output, effect) and the findings."""

    items = fields.Dict(
        keys=fields.String(validate=validate.Length(min=1, max=40)),
        values=Number(),
        required=True,
        validate=validate.Length(min=1, max=50),
    )
    findings = fields.List(
        fields.String(validate=validate.Length(min=1, max=2000)),
        load_default=list,
        validate=validate.Length(max=50),
    )


class KeyEvaluationForm(FrameItemForm):
    pass


class DepartmentEvaluationForm(FrameItemForm):
    pass


class ThirdPartyEvaluationForm(FrameItemForm):
    pass


# The forms this area's tasks name (the `form` property of a BPMN user task); the area's
# `register` adds them to the form registry when the composition root runs.
FORMS = {
    "self_evaluation": SelfEvaluationForm,
    "key_evaluation": KeyEvaluationForm,
    "department_evaluation": DepartmentEvaluationForm,
    "third_party_evaluation": ThirdPartyEvaluationForm,
}
