"""The department's task forms: its overall target table, its monitoring report, an evaluation.

The schemas check the shape; the service task after each form checks it against the department
frame and the table (and names the row when one is wrong), before anything is stored.
"""

from __future__ import annotations

from decimal import Decimal

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from engine.evaluation.forms import IndicatorScore, Number
from engine.forms.problems import problem
from engine.models.enums import Basis, Likelihood, Operator, QualitativeBand

STATEMENT = validate.Length(min=1, max=4000)
TEXT = validate.Length(max=2000)
# A department's table is larger than a project's: duties, key tasks and the usual branches.
MAX_INDICATORS = 30
MAX_KEY_TASKS = 30


def _not_negative(data: dict, name: str) -> None:
    if data.get(name) is not None and Decimal(data[name]) < 0:
        raise ValidationError(problem("negative"), name)


class KeyTask(Schema):
    """A key work task of the year (重点工作任务) and the money it needs."""

    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    content = fields.String(load_default="", validate=TEXT)
    amount = Number(required=True)

    @validates_schema
    def amount_is_not_negative(self, data, **_):
        _not_negative(data, "amount")


class IndicatorRow(Schema):
    """One indicator of the table, under a level-2 item of the department frame."""

    item = fields.String(required=True, validate=validate.Length(min=1, max=40))
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    operator = fields.String(required=True, validate=validate.OneOf([o.value for o in Operator]))
    target = Number(allow_none=True, load_default=None)
    target_text = fields.String(allow_none=True, load_default=None, validate=TEXT)
    unit = fields.String(load_default="", validate=validate.Length(max=20))
    weight = Number(required=True)
    basis = fields.String(
        load_default=Basis.PLAN.value, validate=validate.OneOf([b.value for b in Basis])
    )


class DepartmentPlanForm(Schema):
    """部门整体绩效目标表: duties, the year's goal, basic expenditure, key tasks, indicators."""

    duties = fields.String(required=True, validate=STATEMENT)
    goal = fields.String(required=True, validate=STATEMENT)
    basic_budget = Number(required=True)
    key_tasks = fields.List(
        fields.Nested(KeyTask), required=True, validate=validate.Length(min=1, max=MAX_KEY_TASKS)
    )
    indicators = fields.List(
        fields.Nested(IndicatorRow),
        required=True,
        validate=validate.Length(min=1, max=MAX_INDICATORS),
    )

    @validates_schema
    def budget_is_not_negative(self, data, **_):
        _not_negative(data, "basic_budget")


class ProgressRow(Schema):
    """One indicator's progress to date."""

    indicator_id = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    actual = Number(allow_none=True, load_default=None)
    band = fields.String(
        allow_none=True,
        load_default=None,
        validate=validate.OneOf([b.value for b in QualitativeBand]),
    )
    likelihood = fields.String(
        required=True, validate=validate.OneOf([x.value for x in Likelihood])
    )
    reason = fields.String(allow_none=True, load_default=None, validate=TEXT)

    @validates_schema
    def actual_or_band(self, data, **_):
        if data.get("actual") is None and data.get("band") is None:
            raise ValidationError(problem("actual_or_band"), "actual")


class DepartmentMonitoringForm(Schema):
    """The mid-year report: basic expenditure executed to date, each indicator's progress."""

    basic_executed = Number(required=True)
    rows = fields.List(
        fields.Nested(ProgressRow), required=True, validate=validate.Length(max=MAX_INDICATORS)
    )
    comment = fields.String(load_default="", validate=TEXT)

    @validates_schema
    def checks(self, data, **_):
        _not_negative(data, "basic_executed")
        ids = [row["indicator_id"] for row in data.get("rows", [])]
        if len(ids) != len(set(ids)):
            raise ValidationError(problem("indicator_once"), "rows")


class DepartmentEvaluationForm(Schema):
    """The department's self-evaluation or finance's evaluation: the basic expenditure
    executed in the year, each indicator scored, and a summary."""

    basic_executed = Number(required=True)
    scores = fields.List(
        fields.Nested(IndicatorScore), required=True, validate=validate.Length(max=MAX_INDICATORS)
    )
    summary = fields.String(load_default="", validate=validate.Length(max=4000))

    @validates_schema
    def checks(self, data, **_):
        _not_negative(data, "basic_executed")
        ids = [row["indicator_id"] for row in data.get("scores", [])]
        if len(ids) != len(set(ids)):
            raise ValidationError(problem("scored_once"), "scores")


FORMS = {
    "department_plan": DepartmentPlanForm,
    "department_monitoring": DepartmentMonitoringForm,
    "department_self_evaluation": DepartmentEvaluationForm,
    "department_finance_evaluation": DepartmentEvaluationForm,
}
