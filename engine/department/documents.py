"""A department's documents opened for its process, and its overall target table recorded from
the filing form (checked against the department frame first) and published once approved."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import delete, select

from engine import audit
from engine.department import rollup
from engine.department.forms import MAX_INDICATORS
from engine.errors import InvalidInput, NotFound
from engine.frame_map import frame_named
from engine.models import (
    DepartmentEvaluation,
    DepartmentIndicator,
    DepartmentMonitoring,
    DepartmentPlan,
    FiscalYear,
    Organisation,
)
from engine.models.enums import Basis, DocumentStatus, Operator
from engine.targets.editing import storage_problems
from engine.targets.validation import MIN_INDICATORS, IndicatorDraft, check
from engine.workflow.operations import OperationRegistry, ServiceCall

FRAME = "department"
EVALUATION_KINDS = {
    "department_self_evaluation": "self",
    "department_finance_evaluation": "finance",
}
CENT = Decimal("0.01")


def plan_of(call: ServiceCall) -> DepartmentPlan:
    """The department's plan for the instance's year (from `plan_id` in its data)."""
    plan = call.session.get(DepartmentPlan, call.require("plan_id"))
    if plan is None:
        raise NotFound(f"no department plan {call.data['plan_id']}")
    return plan


def open_plan(session, department: Organisation, fiscal_year: FiscalYear) -> DepartmentPlan:
    """The department's plan for the year, created (on the department frame) the first time."""
    plan = session.scalars(
        select(DepartmentPlan).where(
            DepartmentPlan.org_id == department.id,
            DepartmentPlan.fiscal_year_id == fiscal_year.id,
        )
    ).first()
    if plan is None:
        frame = frame_named(session, FRAME, fiscal_year.region_code, fiscal_year.year)
        plan = DepartmentPlan(
            org_id=department.id, fiscal_year_id=fiscal_year.id, frame_id=frame.id
        )
        session.add(plan)
        session.flush()
    return plan


def open_department_document(call: ServiceCall) -> dict:
    """Find or create the department document a stage works on; returns {type, id}."""
    kind = call.params.get("document_type")
    plan = plan_of(call)
    if kind == "department_plan":
        return {"type": kind, "id": plan.id}
    if kind == "department_monitoring":
        report = call.session.scalars(
            select(DepartmentMonitoring).where(DepartmentMonitoring.plan_id == plan.id)
        ).first()
        if report is None:
            projects = rollup.mid_year(call.session, plan.org_id, plan.fiscal_year_id)
            report = DepartmentMonitoring(
                plan_id=plan.id,
                project_budget=projects.budget,
                project_executed=projects.executed,
                projects=projects.reported,
                basic_budget=plan.basic_budget or 0,
            )
            call.session.add(report)
            call.session.flush()
        return {"type": kind, "id": report.id}
    if kind in EVALUATION_KINDS:
        evaluation = call.session.scalars(
            select(DepartmentEvaluation).where(
                DepartmentEvaluation.plan_id == plan.id,
                DepartmentEvaluation.kind == EVALUATION_KINDS[kind],
            )
        ).first()
        if evaluation is None:
            evaluator = plan.org_id if kind == "department_self_evaluation" else None
            evaluation = DepartmentEvaluation(
                plan_id=plan.id,
                kind=EVALUATION_KINDS[kind],
                evaluator_org_id=evaluator or call.data.get("finance_org_id"),
            )
            call.session.add(evaluation)
            call.session.flush()
        return {"type": kind, "id": evaluation.id}
    raise InvalidInput(f"unknown department document type {kind!r}")


def drafts_from(rows: list[dict]) -> list[IndicatorDraft]:
    """The filing form's indicator rows as the target-table validation reads them."""
    drafts = []
    for index, row in enumerate(rows):
        target = row.get("target")
        drafts.append(
            IndicatorDraft(
                node_code=str(row["item"]),
                name=str(row["name"]).strip(),
                operator=Operator(row["operator"]),
                target_value=None if target in (None, "") else Decimal(str(target)),
                target_text=(row.get("target_text") or "").strip() or None,
                unit_of_measure=str(row.get("unit") or "").strip(),
                weight=Decimal(str(row["weight"])),
                basis=Basis(row.get("basis") or Basis.PLAN.value),
                where=f"indicators.{index}",
            )
        )
    return drafts


def table_problems(plan: DepartmentPlan, rows: list[dict]) -> dict[str, str]:
    """Every problem of the filed table under the plan's frame, by field path."""
    frame = plan.frame
    drafts = drafts_from(rows)
    problems = storage_problems(drafts) + check(
        drafts, frame.nodes, frame.total_points, (MIN_INDICATORS, MAX_INDICATORS)
    )
    errors: dict[str, str] = {}
    for problem in problems:
        key = f"{problem.where}.{problem.field}" if problem.where else problem.field
        errors.setdefault(key, problem.reason)
    return errors


def record_plan(call: ServiceCall) -> dict:
    """The filing form (just completed) becomes the department's table, once it is valid for
    the department frame; the indicators filed before are replaced."""
    plan = plan_of(call)
    rows = call.data.get("indicators") or []
    errors = table_problems(plan, rows)
    if errors:
        first, why = next(iter(errors.items()))
        raise InvalidInput(
            f"the department's target table cannot be filed: {first}: {why}",
            errors=errors,
            key="department_table_invalid",
            params={"field": first, "reason": why},
        )
    call.session.execute(delete(DepartmentIndicator).where(DepartmentIndicator.plan_id == plan.id))
    nodes = {node.code: node for node in plan.frame.nodes if node.level == 2}
    for position, draft in enumerate(drafts_from(rows)):
        call.session.add(
            DepartmentIndicator(
                plan_id=plan.id,
                node_id=nodes[draft.node_code].id,
                position=position,
                name=draft.name,
                operator=draft.operator,
                target_value=draft.target_value,
                target_text=draft.target_text,
                unit_of_measure=draft.unit_of_measure,
                weight=draft.weight,
                basis=draft.basis,
            )
        )
    plan.duties = str(call.data.get("duties") or "")
    plan.goal = str(call.data.get("goal") or "")
    plan.basic_budget = Decimal(str(call.data.get("basic_budget") or 0)).quantize(CENT)
    plan.key_tasks = [
        {
            "name": str(task.get("name", "")),
            "content": str(task.get("content") or ""),
            "amount": str(Decimal(str(task.get("amount") or 0)).quantize(CENT)),
        }
        for task in call.data.get("key_tasks") or []
    ]
    call.session.flush()
    call.session.expire(plan, ["indicators"])
    return {"plan_id": plan.id, "indicators": len(rows)}


def publish_plan(call: ServiceCall) -> dict:
    """Approved overall targets are final (published with the department's budget)."""
    plan = plan_of(call)
    plan.status = DocumentStatus.FINAL
    audit.append(
        call.session,
        actor=call.actor.name,
        action="department_plan.publish",
        object_type="department_plan",
        object_id=plan.id,
        payload={"org_id": plan.org_id, "fiscal_year_id": plan.fiscal_year_id},
        at=call.now,
    )
    call.session.flush()
    return {"plan_id": plan.id, "status": "final"}


def register(registry: OperationRegistry) -> None:
    registry.register("open_department_document", open_department_document)
    registry.register("record_department_plan", record_plan)
    registry.register("publish_department_plan", publish_plan)
