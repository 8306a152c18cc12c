"""Result application: funding decisions (confirm, override), next year's allocations, and the
public disclosure of targets and grades."""

from __future__ import annotations

from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from engine.identity.permissions import Permission
from engine.models.enums import AccountabilityKind, DecisionKind, DecisionStatus
from engine.results.allocation_queries import (
    allocation_summary,
    latest_allocation_year,
    list_allocations,
)
from engine.results.decision_batch import MAX_BATCH, confirm_batch, next_year_amount
from engine.results.decisions import settle
from engine.results.queries import (
    DecisionFilter,
    DisclosureFilter,
    get_decision,
    list_decisions,
    list_disclosures,
)
from web.api.base import forbidden
from web.api.paging import PageArgs, page_of
from web.api.views import ViewSchema
from web.auth import current_actor, protect
from web.db import get_session
from web.input_guard import MAX_ID, MAX_LISTED_ID

blp = Blueprint("results", __name__, description="Funding decisions and allocations (结果应用)")
protect(blp)
public = Blueprint("disclosures", __name__, description="What is disclosed to the public")

YEAR = validate.Range(min=2000, max=2100)
ID = validate.Range(min=1, max=MAX_ID)


class DecisionSchema(ViewSchema):
    id = fields.Integer(required=True, attribute="decision.id")
    project_id = fields.Integer(required=True, attribute="project.id")
    project_code = fields.String(required=True, attribute="project.code")
    project_name = fields.String(required=True, attribute="project.name")
    unit_name = fields.String(required=True, attribute="unit.name")
    department_id = fields.Integer(allow_none=True, attribute="department.id")
    department_name = fields.String(allow_none=True, attribute="department.name")
    year = fields.Integer(required=True, metadata={"description": "the year judged"})
    kind = fields.Enum(DecisionKind, by_value=True, required=True, attribute="decision.kind")
    factor = fields.Decimal(as_string=True, required=True, attribute="decision.factor")
    effective_factor = fields.Decimal(as_string=True, required=True)
    needs_review = fields.Boolean(required=True, attribute="decision.needs_review")
    reclaim_amount = fields.Decimal(
        as_string=True,
        allow_none=True,
        attribute="decision.reclaim_amount",
        metadata={"description": "idle funds reclaimed from this year's balance, in 元 (or null)"},
    )
    status = fields.Enum(DecisionStatus, by_value=True, required=True, attribute="decision.status")
    fired_rules = fields.List(fields.String(), required=True, attribute="decision.fired_rules")
    rule_set_id = fields.Integer(allow_none=True, attribute="decision.rule_set_id")
    ruleset = fields.String(allow_none=True, metadata={"description": "name/region/year@version"})
    rule_set_version = fields.Integer(allow_none=True, attribute="rule_set.version")
    decided_at = fields.DateTime(required=True, attribute="decision.decided_at")
    confirmed_at = fields.DateTime(allow_none=True, attribute="decision.confirmed_at")
    override_factor = fields.Decimal(
        as_string=True, allow_none=True, attribute="decision.override_factor"
    )
    override_reason = fields.String(allow_none=True, attribute="decision.override_reason")
    task_id = fields.Integer(
        allow_none=True, metadata={"description": "the ready confirmation task, if any"}
    )
    next_year_amount = fields.Function(
        lambda row: str(next_year_amount(row)),
        required=True,
        metadata={"description": "requested × the factor in force (or the override), in 元"},
    )


class ActionSchema(Schema):
    id = fields.Integer(required=True)
    kind = fields.Enum(AccountabilityKind, by_value=True, required=True)
    status = fields.String(required=True, attribute="status.value")


class DecisionAllocationSchema(Schema):
    id = fields.Integer(required=True)
    requested = fields.Decimal(as_string=True, required=True)
    factor = fields.Decimal(as_string=True, required=True)
    amount = fields.Decimal(as_string=True, required=True)
    overridden = fields.Boolean(required=True)


class DecisionDetailSchema(DecisionSchema):
    facts = fields.Dict(required=True, attribute="decision.facts")
    actions = fields.List(fields.Nested(ActionSchema), required=True)
    allocation = fields.Nested(DecisionAllocationSchema, allow_none=True)


class SettledSchema(Schema):
    decision = fields.Nested(DecisionDetailSchema, required=True)
    process_status = fields.String(required=True)
    incident_id = fields.Integer(allow_none=True)


class DecisionArgs(PageArgs):
    year = fields.Integer(validate=YEAR)
    kind = fields.String(validate=validate.OneOf([k.value for k in DecisionKind]))
    status = fields.String(validate=validate.OneOf([s.value for s in DecisionStatus]))
    needs_review = fields.Boolean()
    department_id = fields.Integer(validate=ID)
    grade = fields.String(validate=validate.OneOf(["A", "B", "C", "D"]))


class OverrideSchema(Schema):
    override_factor = fields.Decimal(
        required=True,
        as_string=True,
        places=4,
        validate=validate.Range(min=0, max=2),
        metadata={"description": "next year's factor instead of the rules' (0 … 2)"},
    )
    override_reason = fields.String(
        load_default="",
        validate=validate.Length(max=2000),
        metadata={"description": "required: why the rules' factor is set aside"},
    )


class AllocationSchema(ViewSchema):
    id = fields.Integer(required=True, attribute="allocation.id")
    project_id = fields.Integer(required=True, attribute="project.id")
    project_code = fields.String(required=True, attribute="project.code")
    project_name = fields.String(required=True, attribute="project.name")
    unit_name = fields.String(required=True, attribute="unit.name")
    department_id = fields.Integer(allow_none=True, attribute="department.id")
    department_name = fields.String(allow_none=True, attribute="department.name")
    year = fields.Integer(required=True, metadata={"description": "this year"})
    next_year = fields.Integer(required=True, metadata={"description": "the year funded"})
    this_year_amount = fields.Decimal(as_string=True, required=True, attribute="this_year")
    requested = fields.Decimal(as_string=True, required=True, attribute="allocation.requested")
    factor = fields.Decimal(as_string=True, required=True, attribute="allocation.factor")
    amount = fields.Decimal(as_string=True, required=True, attribute="allocation.amount")
    change = fields.Decimal(as_string=True, required=True)
    overridden = fields.Boolean(required=True, attribute="allocation.overridden")
    override_reason = fields.String(allow_none=True, attribute="allocation.override_reason")
    decision_id = fields.Integer(allow_none=True, attribute="allocation.decision_id")
    decision_kind = fields.Enum(
        DecisionKind, by_value=True, allow_none=True, attribute="decision.kind"
    )
    rules = fields.List(fields.String(), required=True)
    ruleset = fields.String(allow_none=True)


class AllocationArgs(PageArgs):
    year = fields.Integer(validate=YEAR, metadata={"description": "this year (default: latest)"})
    department_id = fields.Integer(validate=ID)


class SummaryArgs(Schema):
    year = fields.Integer(validate=YEAR, metadata={"description": "this year (default: latest)"})


class DepartmentTotalSchema(Schema):
    department_id = fields.Integer(allow_none=True)
    department = fields.String(allow_none=True)
    projects = fields.Integer(required=True)
    this_year = fields.Decimal(as_string=True, required=True)
    requested = fields.Decimal(as_string=True, required=True)
    next_year = fields.Decimal(as_string=True, required=True)
    change = fields.Decimal(as_string=True, required=True)
    overridden = fields.Integer(required=True)


class SummarySchema(Schema):
    year = fields.Integer(allow_none=True)
    departments = fields.List(fields.Nested(DepartmentTotalSchema), required=True)


class IndicatorSchema(Schema):
    name = fields.String(allow_none=True)
    operator = fields.String(allow_none=True)
    target = fields.String(allow_none=True)
    unit = fields.String(allow_none=True)


class DisclosedSchema(Schema):
    project_id = fields.Integer(required=True, attribute="project.id")
    project_code = fields.String(required=True, attribute="project.code")
    project_name = fields.String(required=True, attribute="project.name")
    unit_name = fields.String(required=True, attribute="unit.name")
    department_id = fields.Integer(allow_none=True, attribute="department.id")
    department_name = fields.String(allow_none=True, attribute="department.name")
    year = fields.Integer(required=True)
    grade = fields.String(allow_none=True)
    score = fields.String(allow_none=True)
    goal = fields.String(allow_none=True)
    indicators = fields.List(fields.Nested(IndicatorSchema), required=True)
    disclosed_at = fields.DateTime(allow_none=True)


class DisclosureArgs(PageArgs):
    year = fields.Integer(validate=YEAR)
    department_id = fields.Integer(validate=ID)
    q = fields.String(validate=validate.Length(min=1, max=100))


@blp.route("/funding-decisions/")
class Decisions(MethodView):
    @blp.arguments(DecisionArgs, location="query")
    @blp.response(200, page_of(DecisionSchema))
    def get(self, args):
        """Funding decisions within your scope, filtered and paged (sort: id)."""
        paging = {key: args.pop(key) for key in ("page", "per_page", "sort")}
        return list_decisions(
            get_session(),
            current_actor(),
            DecisionFilter(**args),
            paging["page"],
            paging["per_page"],
            paging["sort"],
        )


@blp.route("/funding-decisions/<int:decision_id>")
class DecisionDetail(MethodView):
    @blp.response(200, DecisionDetailSchema)
    @blp.alt_response(404, description="no such decision in your scope")
    def get(self, decision_id: int):
        """One decision: the facts the rules read, the rules that fired, the rule-set version."""
        return get_decision(get_session(), current_actor(), decision_id)


def _settle(decision_id: int, data: dict) -> dict:
    workflow = current_app.extensions["budgetloop.workflow"]
    row, outcome = settle(get_session(), workflow, current_actor(), decision_id, data)
    return {"decision": row, "process_status": outcome.status, "incident_id": outcome.incident_id}


@blp.route("/funding-decisions/<int:decision_id>/confirm")
class Confirm(MethodView):
    @blp.response(200, SettledSchema)
    @blp.alt_response(403, description=forbidden(Permission.CONFIRM_DECISIONS))
    @blp.alt_response(404, description="no such decision in your scope")
    @blp.alt_response(409, description="already confirmed or overridden")
    def post(self, decision_id: int):
        """Confirm the proposed decision: next year's allocation follows its factor."""
        return _settle(decision_id, {"confirm": True})


@blp.route("/funding-decisions/<int:decision_id>/override")
class Override(MethodView):
    @blp.arguments(OverrideSchema)
    @blp.response(200, SettledSchema)
    @blp.alt_response(403, description=forbidden(Permission.CONFIRM_DECISIONS))
    @blp.alt_response(404, description="no such decision in your scope")
    @blp.alt_response(409, description="already confirmed or overridden")
    @blp.alt_response(422, description="no reason, or a factor outside 0 … 2")
    def post(self, body, decision_id: int):
        """Override the proposed factor, with a reason (recorded on the decision and allocation)."""
        return _settle(decision_id, body)


class BatchConfirmSchema(Schema):
    decision_ids = fields.List(
        fields.Integer(validate=validate.Range(min=1, max=MAX_LISTED_ID)),
        required=True,
        validate=validate.Length(min=1, max=MAX_BATCH),
        metadata={"description": "the decisions to confirm, as listed (filter first)"},
    )


class BatchItemSchema(Schema):
    decision_id = fields.Integer(required=True)
    outcome = fields.String(
        required=True, metadata={"description": "confirmed, incident or refused"}
    )
    project_code = fields.String(allow_none=True)
    project_name = fields.String(allow_none=True)
    next_year_amount = fields.Decimal(as_string=True, allow_none=True)
    incident_id = fields.Integer(allow_none=True)
    code = fields.String(allow_none=True, metadata={"description": "why it was refused"})
    message = fields.String(allow_none=True)


class BatchResultSchema(Schema):
    confirmed = fields.Integer(required=True)
    failed = fields.Integer(required=True)
    items = fields.List(fields.Nested(BatchItemSchema), required=True)


@blp.route("/funding-decisions/confirm-batch")
class ConfirmBatch(MethodView):
    @blp.arguments(BatchConfirmSchema)
    @blp.response(200, BatchResultSchema)
    @blp.alt_response(403, description=forbidden(Permission.CONFIRM_DECISIONS))
    @blp.alt_response(422, description="no ids, or more than 200")
    def post(self, body):
        """Confirm several proposed decisions, each by its own command: one that is refused
        (already settled, outside your scope) leaves the others confirmed, and `items` says
        what happened to each, in the order given."""
        workflow = current_app.extensions["budgetloop.workflow"]
        items = confirm_batch(get_session(), workflow, current_actor(), body["decision_ids"])
        confirmed = sum(item.outcome == "confirmed" for item in items)
        return {"confirmed": confirmed, "failed": len(items) - confirmed, "items": items}


@blp.route("/allocations/")
class Allocations(MethodView):
    @blp.arguments(AllocationArgs, location="query")
    @blp.response(200, page_of(AllocationSchema))
    def get(self, args):
        """This year → next year per project, with the decision and rules behind each (sort:
        id, code)."""
        session, actor = get_session(), current_actor()
        year = args.get("year") or latest_allocation_year(session, actor)
        return list_allocations(
            session,
            actor,
            year,
            args.get("department_id"),
            args["page"],
            args["per_page"],
            args["sort"],
        )


@blp.route("/allocations/summary")
class AllocationSummary(MethodView):
    @blp.arguments(SummaryArgs, location="query")
    @blp.response(200, SummarySchema)
    def get(self, args):
        """This year → next year totals by department, within your scope."""
        session, actor = get_session(), current_actor()
        year = args.get("year") or latest_allocation_year(session, actor)
        return {"year": year, "departments": allocation_summary(session, actor, year)}


@public.route("/")
class Disclosures(MethodView):
    @public.arguments(DisclosureArgs, location="query")
    @public.response(200, page_of(DisclosedSchema))
    @public.doc(security=[])
    def get(self, args):
        """Disclosed projects with their targets and grades: public, no login needed (sort:
        code, id)."""
        paging = {key: args.pop(key) for key in ("page", "per_page", "sort")}
        return list_disclosures(
            get_session(),
            DisclosureFilter(**args),
            paging["page"],
            paging["per_page"],
            paging["sort"],
        )
