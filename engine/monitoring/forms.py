"""Monitoring forms: a unit's mid-year report, its answer to an alert, a target adjustment.

The shapes are what the service tasks read (engine/monitoring/operations.py `compute_alerts`
and `record_alert_response`, engine/results/operations.py `apply_adjustment`) and what the
simulated units of engine/demo/simulation.py enter. Amounts leave as decimal strings: task data is
stored as JSON in the process instance. `FORMS` names them; the area's `register`
(engine/monitoring/__init__.py) adds them to the form registry.
"""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, post_load, validate, validates_schema

from engine.forms.problems import problem
from engine.models.enums import Course, DeviationReason, Likelihood, QualitativeBand

# Text a database can store: PostgreSQL refuses NUL, UTF-8 cannot encode lone surrogates.
STORABLE = validate.Regexp(r"^[^\x00\ud800-\udfff]*$", error=problem("unstorable"))
TEXT = [validate.Length(max=2000), STORABLE]
EXPLANATION = [validate.Length(min=1, max=2000), STORABLE]
AMOUNT = validate.Range(min=0, max=10**12)
# A project has 3–15 indicators; leave room for provinces with longer tables.
MAX_ROWS = 50


def _choice(enum) -> validate.OneOf:
    return validate.OneOf([member.value for member in enum])


class MonitoringRowForm(Schema):
    """Progress on one indicator: a number (or a band when qualitative), likelihood, reason."""

    indicator_id = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    actual = fields.Decimal(allow_none=True, validate=validate.Range(min=0, max=10**12))
    band = fields.String(allow_none=True, validate=_choice(QualitativeBand))
    likelihood = fields.String(load_default="possible", validate=_choice(Likelihood))
    reason = fields.String(allow_none=True, validate=_choice(DeviationReason))
    note = fields.String(allow_none=True, validate=TEXT)

    @validates_schema
    def complete_row(self, data, **_):
        has_actual, has_band = data.get("actual") is not None, bool(data.get("band"))
        if has_actual == has_band:
            raise ValidationError(problem("actual_or_band"), "actual")
        # A shortfall the unit itself declares must be explained: why (one of the four
        # reasons), and in words. The alert computation flags pace shortfalls on top of this.
        # ("Partly achieved" by mid-year is on the way, not a shortfall.)
        shortfall = (
            data.get("likelihood") == Likelihood.IMPOSSIBLE
            or data.get("band") == QualitativeBand.NOT_ACHIEVED
        )
        if shortfall and not data.get("reason"):
            raise ValidationError(problem("shortfall_reason"), "reason")
        if data.get("reason") and not (data.get("note") or "").strip():
            raise ValidationError(problem("explain_in_note"), "note")

    @post_load
    def as_json(self, data, **_):
        if data.get("actual") is not None:
            data["actual"] = str(data["actual"])
        return {key: value for key, value in data.items() if value is not None}


class MonitoringReportForm(Schema):
    executed_to_date = fields.Decimal(required=True, validate=AMOUNT)
    rows = fields.List(
        fields.Nested(MonitoringRowForm),
        load_default=list,
        validate=validate.Length(max=MAX_ROWS),
    )

    @validates_schema
    def one_row_per_indicator(self, data, **_):
        ids = [row["indicator_id"] for row in data.get("rows", [])]
        if len(ids) != len(set(ids)):
            raise ValidationError(problem("indicator_once"), "rows")

    @post_load
    def as_json(self, data, **_):
        return {**data, "executed_to_date": str(data["executed_to_date"])}


class AlertResponseForm(Schema):
    course = fields.String(required=True, validate=_choice(Course))
    explanation = fields.String(required=True, validate=EXPLANATION)

    @validates_schema
    def explained(self, data, **_):
        if not data.get("explanation", "").strip():
            raise ValidationError(problem("explain_deviation"), "explanation")


class AdjustmentRequestForm(Schema):
    explanation = fields.String(required=True, validate=EXPLANATION)
    course = fields.String(
        validate=validate.OneOf([Course.ADJUST_TARGETS, Course.REALLOCATE, Course.CANCEL])
    )
    amount_change = fields.Decimal(
        allow_none=True, validate=validate.Range(min=-(10**12), max=10**12)
    )

    @validates_schema
    def consistent(self, data, **_):
        if not data.get("explanation", "").strip():
            raise ValidationError(problem("say_change"), "explanation")
        if data.get("course") == Course.REALLOCATE and data.get("amount_change") is None:
            raise ValidationError(problem("reallocation_amount"), "amount_change")

    @post_load
    def as_json(self, data, **_):
        if data.get("amount_change") is not None:
            data["amount_change"] = str(data["amount_change"])
        return data


# Form name (a BPMN user task's `form`) → schema.
FORMS = {
    "monitoring_report": MonitoringReportForm,
    "alert_response": AlertResponseForm,
    "adjustment_request": AdjustmentRequestForm,
}
