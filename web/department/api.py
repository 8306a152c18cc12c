"""Department overall performance (部门整体绩效): the departments' plans in your scope, and one
plan — its overall target table, its mid-year monitoring, its evaluations and the grade that
counts."""

from __future__ import annotations

from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from engine.department.queries import PlanFilter, list_plans, plan_instance
from engine.models.enums import DocumentStatus
from web.api.paging import PageArgs, page_of
from web.auth import current_actor, protect
from web.cycle.api import InstanceSchema
from web.db import get_session
from web.department.views import plan_detail, plan_rows
from web.input_guard import MAX_ID

blp = Blueprint(
    "department_plans",
    __name__,
    description="Department overall performance: each department's overall target table for "
    "a year, its monitoring and its evaluations (部门整体绩效)",
)
protect(blp)

AS_TEXT = {"type": "string", "example": "0.5048"}
MONEY = {"type": "string", "example": "12000000.00"}
GRADE = {"description": "A 优, B 良, C 中, D 差 (the department frame's bands)"}


def _money(description: str | None = None, **options) -> fields.Decimal:
    metadata = MONEY if description is None else {**MONEY, "description": description}
    return fields.Decimal(as_string=True, metadata=metadata, **options)


class DepartmentPlanSchema(Schema):
    id = fields.Integer(required=True, attribute="plan.id")
    org_id = fields.Integer(required=True, attribute="plan.org_id")
    department_code = fields.String(required=True, attribute="plan.organisation.code")
    department_name = fields.String(required=True, attribute="plan.organisation.name")
    year = fields.Integer(required=True, attribute="plan.fiscal_year.year")
    status = fields.Enum(DocumentStatus, by_value=True, required=True, attribute="plan.status")
    basic_budget = _money(allow_none=True, attribute="plan.basic_budget")
    execution_rate = fields.Decimal(
        as_string=True,
        allow_none=True,
        metadata={**AS_TEXT, "description": "mid-year, projects and basic expenditure together"},
    )
    colour = fields.String(
        allow_none=True,
        attribute="standing.colour",
        metadata={"description": "mid-year: green on pace, yellow or red behind it"},
    )
    self_grade = fields.String(allow_none=True, attribute="standing.self_grade", metadata=GRADE)
    finance_grade = fields.String(
        allow_none=True, attribute="standing.finance_grade", metadata=GRADE
    )
    grade = fields.String(
        allow_none=True,
        metadata={"description": "the grade that counts: finance's, else the self-evaluation's"},
    )
    submitted_at = fields.DateTime(allow_none=True, attribute="plan.submitted_at")
    approved_at = fields.DateTime(allow_none=True, attribute="plan.approved_at")


class DepartmentKeyTaskSchema(Schema):
    name = fields.String(required=True)
    content = fields.String(required=True)
    amount = fields.String(required=True, metadata=MONEY)


class DepartmentLevelSchema(Schema):
    code = fields.String(required=True)
    name_zh = fields.String(required=True)
    name_en = fields.String(required=True)


class DepartmentIndicatorSchema(Schema):
    id = fields.Integer(required=True, attribute="indicator.id")
    level1 = fields.Nested(DepartmentLevelSchema, allow_none=True)
    level2 = fields.Nested(DepartmentLevelSchema, allow_none=True)
    name = fields.String(required=True, attribute="indicator.name")
    operator = fields.String(required=True, attribute="indicator.operator.value")
    target = fields.Decimal(
        as_string=True, allow_none=True, attribute="indicator.target_value", metadata=AS_TEXT
    )
    target_text = fields.String(allow_none=True, attribute="indicator.target_text")
    unit = fields.String(required=True, attribute="indicator.unit_of_measure")
    weight = fields.Decimal(as_string=True, required=True, attribute="indicator.weight")
    basis = fields.String(required=True, attribute="indicator.basis.value")


class DepartmentProgressSchema(Schema):
    indicator_id = fields.Integer(allow_none=True)
    actual = fields.String(allow_none=True)
    band = fields.String(allow_none=True)
    likelihood = fields.String(allow_none=True)
    reason = fields.String(allow_none=True)
    colour = fields.String(allow_none=True)


class DepartmentMonitoringSchema(Schema):
    status = fields.Enum(DocumentStatus, by_value=True, required=True)
    months_elapsed = fields.Integer(required=True)
    project_budget = _money(required=True)
    project_executed = _money(required=True)
    projects = fields.Integer(required=True, metadata={"description": "projects rolled up"})
    basic_budget = _money(required=True)
    basic_executed = _money(allow_none=True)
    execution_rate = fields.Decimal(as_string=True, allow_none=True, metadata=AS_TEXT)
    colour = fields.String(allow_none=True)
    rows = fields.List(fields.Nested(DepartmentProgressSchema), allow_none=True)
    submitted_at = fields.DateTime(allow_none=True)


class DepartmentScoreSchema(Schema):
    key = fields.String(required=True, metadata={"description": "execution, or an indicator id"})
    name = fields.String(allow_none=True)
    weight = fields.String(allow_none=True)
    target = fields.String(allow_none=True)
    actual = fields.String(allow_none=True)
    band = fields.String(allow_none=True)
    band_pct = fields.String(allow_none=True)
    score = fields.String(allow_none=True)
    reason = fields.String(allow_none=True)


class DepartmentEvaluationSchema(Schema):
    kind = fields.String(required=True, metadata={"description": "self, or finance"})
    status = fields.Enum(DocumentStatus, by_value=True, required=True)
    budget = _money("projects and basic expenditure", required=True)
    executed = _money(allow_none=True)
    project_executed = _money(required=True)
    total_score = fields.Decimal(as_string=True, allow_none=True)
    grade = fields.String(allow_none=True, metadata=GRADE)
    summary = fields.String(allow_none=True)
    scores = fields.List(fields.Nested(DepartmentScoreSchema), allow_none=True)
    submitted_at = fields.DateTime(allow_none=True)
    finalized_at = fields.DateTime(allow_none=True)


class DepartmentPlanDetailSchema(Schema):
    id = fields.Integer(required=True, attribute="plan.id")
    org_id = fields.Integer(required=True, attribute="plan.org_id")
    department_code = fields.String(required=True, attribute="plan.organisation.code")
    department_name = fields.String(required=True, attribute="plan.organisation.name")
    year = fields.Integer(required=True, attribute="plan.fiscal_year.year")
    status = fields.Enum(DocumentStatus, by_value=True, required=True, attribute="plan.status")
    frame = fields.String(required=True, attribute="plan.frame.code")
    duties = fields.String(allow_none=True, attribute="plan.duties")
    goal = fields.String(allow_none=True, attribute="plan.goal")
    basic_budget = _money(allow_none=True, attribute="plan.basic_budget")
    key_tasks = fields.List(
        fields.Nested(DepartmentKeyTaskSchema), allow_none=True, attribute="plan.key_tasks"
    )
    indicators = fields.List(fields.Nested(DepartmentIndicatorSchema), required=True)
    monitoring = fields.Nested(DepartmentMonitoringSchema, allow_none=True)
    evaluations = fields.List(fields.Nested(DepartmentEvaluationSchema), required=True)
    grade = fields.String(
        allow_none=True,
        metadata={
            "description": "the grade that counts: finance's when final, else the "
            "reviewed self-evaluation's; null before either"
        },
    )
    submitted_at = fields.DateTime(allow_none=True, attribute="plan.submitted_at")
    approved_at = fields.DateTime(allow_none=True, attribute="plan.approved_at")


class DepartmentInstanceSchema(InstanceSchema):
    """A project's instance view, about a department plan instead (the same diagrams, active
    elements, flows taken and history: web/static/js/instance.js draws either)."""

    class Meta:
        exclude = ("project_id",)

    plan_id = fields.Integer(required=True, attribute="subject.id")


class DepartmentPlanArgs(PageArgs):
    year = fields.Integer(validate=validate.Range(min=2000, max=2100))
    status = fields.String(validate=validate.OneOf([s.value for s in DocumentStatus]))
    org_id = fields.Integer(validate=validate.Range(min=1, max=MAX_ID))


@blp.route("/")
class PlanList(MethodView):
    @blp.arguments(DepartmentPlanArgs, location="query")
    @blp.response(200, page_of(DepartmentPlanSchema))
    def get(self, args):
        """List the departments' plans you may see (sort: id or org_id, - reverses)."""
        paging = {key: args.pop(key) for key in ("page", "per_page", "sort")}
        session = get_session()
        page = list_plans(
            session,
            current_actor(),
            PlanFilter(**args),
            paging["page"],
            paging["per_page"],
            paging["sort"],
        )
        return plan_rows(session, page)


# A plan's id is a 32-bit column on PostgreSQL: a larger one is no plan (404), never bound.
@blp.route("/<int:plan_id>")
class PlanDetail(MethodView):
    @blp.response(200, DepartmentPlanDetailSchema)
    @blp.alt_response(404, description="no such plan in your scope")
    def get(self, plan_id: int):
        """One plan: duties, goal, basic budget, key tasks, indicators under their frame
        items; the mid-year monitoring; the evaluations with their scores; the grade."""
        return plan_detail(get_session(), current_actor(), plan_id)


@blp.route("/<int:plan_id>/instance")
class PlanInstance(MethodView):
    @blp.response(200, DepartmentInstanceSchema)
    @blp.alt_response(404, description="no such plan in your scope, or its year not started")
    def get(self, plan_id: int):
        """Where the plan's process is (department_performance: filing, review, monitoring,
        evaluations): its diagrams, the active and completed elements, the flows taken, and
        who did what when, with return comments."""
        workflow = current_app.extensions["budgetloop.workflow"]
        return plan_instance(get_session(), current_actor(), workflow, plan_id)
