"""Department plans as the caller may see them: a department its own, a finance desk those of
the departments it handles, the performance division and supervisors all; nobody else any."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import ColumnElement, false, select, true
from sqlalchemy.orm import Session, joinedload

from engine.actors import Actor
from engine.department.start import business_key
from engine.department_key import parse_department_key
from engine.errors import NotFound
from engine.evaluation.department_ranks import OVERALL_PRECEDENCE
from engine.identity.permissions import Scope, scope_of
from engine.models import (
    DepartmentEvaluation,
    DepartmentMonitoring,
    DepartmentPlan,
    FiscalYear,
    HumanTask,
    Organisation,
    ProcessInstance,
)
from engine.models.enums import DocumentStatus
from engine.paging import Page, paginate, sort_by
from engine.workflow.instance_view import InstanceView, instance_view
from engine.workflow.runtime import WorkflowEngine


def plan_for_key(session: Session, key: str | None) -> DepartmentPlan | None:
    """The plan a department_performance task works on, by its business key (None for a task
    of any other process): what the pages and the simulated people look up."""
    found = parse_department_key(key)
    if found is None:
        return None
    code, year = found
    return session.scalars(
        select(DepartmentPlan)
        .join(Organisation, Organisation.id == DepartmentPlan.org_id)
        .join(FiscalYear, FiscalYear.id == DepartmentPlan.fiscal_year_id)
        .where(Organisation.code == code, FiscalYear.year == year)
        .limit(1)
    ).first()


SORTS = {"id": DepartmentPlan.id, "org_id": DepartmentPlan.org_id}


def department_scope(actor: Actor) -> ColumnElement:
    """A WHERE clause on department plans: those `actor` may see."""
    scope = scope_of(actor)
    if scope is Scope.PROVINCE:
        return true()
    if scope is Scope.DEPARTMENT:
        return DepartmentPlan.org_id == actor.org_id
    if scope is Scope.FINANCE_DESK:
        return DepartmentPlan.org_id.in_(
            select(Organisation.id).where(Organisation.finance_desk_id == actor.org_id)
        )
    return false()


@dataclass(frozen=True)
class PlanFilter:
    year: int | None = None
    status: str | None = None
    org_id: int | None = None


def list_plans(
    session: Session, actor: Actor, where: PlanFilter, page: int, per_page: int, sort=None
) -> Page:
    stmt = select(DepartmentPlan).options(
        joinedload(DepartmentPlan.organisation), joinedload(DepartmentPlan.fiscal_year)
    )
    stmt = stmt.where(department_scope(actor))
    if where.year is not None:
        stmt = stmt.join(FiscalYear, FiscalYear.id == DepartmentPlan.fiscal_year_id).where(
            FiscalYear.year == where.year
        )
    if where.status:
        stmt = stmt.where(DepartmentPlan.status == where.status)
    if where.org_id is not None:
        stmt = stmt.where(DepartmentPlan.org_id == where.org_id)
    return paginate(session, sort_by(stmt, sort, SORTS, DepartmentPlan.id), page, per_page)


@dataclass
class PlanView:
    """A plan with its monitoring, its evaluations and the grade that counts."""

    plan: DepartmentPlan
    monitoring: DepartmentMonitoring | None
    evaluations: dict[str, DepartmentEvaluation] = field(default_factory=dict)
    instance_id: int | None = None

    @property
    def counting(self) -> DepartmentEvaluation | None:
        """The evaluation whose grade counts: finance's when final, else the reviewed
        self-evaluation's (engine/evaluation/department_ranks.overall_evaluations)."""
        for kind in OVERALL_PRECEDENCE:
            found = self.evaluations.get(kind)
            if found is not None and found.status.value == "final" and found.grade:
                return found
        return None


def get_plan(session: Session, actor: Actor, plan_id: int) -> PlanView:
    """The plan if `actor` may see it; NotFound otherwise (whether or not it exists)."""
    plan = session.scalars(
        select(DepartmentPlan)
        .options(joinedload(DepartmentPlan.organisation), joinedload(DepartmentPlan.fiscal_year))
        .where(DepartmentPlan.id == plan_id, department_scope(actor))
    ).one_or_none()
    if plan is None:
        raise NotFound(
            f"no department plan {plan_id}", key="no_department_plan", params={"id": plan_id}
        )
    monitoring = session.scalars(
        select(DepartmentMonitoring).where(DepartmentMonitoring.plan_id == plan.id)
    ).first()
    evaluations = {
        e.kind: e
        for e in session.scalars(
            select(DepartmentEvaluation).where(DepartmentEvaluation.plan_id == plan.id)
        )
    }
    key = business_key(plan.organisation, plan.fiscal_year.year)
    instance = session.scalar(select(ProcessInstance.id).where(ProcessInstance.business_key == key))
    return PlanView(plan, monitoring, evaluations, instance)


@dataclass(frozen=True)
class Standing:
    """Where a plan stands, in a line: its mid-year execution (percent), its grades."""

    execution: str | None
    colour: str | None
    self_grade: str | None
    finance_grade: str | None

    @property
    def grade(self) -> str | None:
        """The grade that counts: finance's where it evaluated, else the self-evaluation's."""
        grades = {"finance": self.finance_grade, "self": self.self_grade}
        return next((grades[kind] for kind in OVERALL_PRECEDENCE if grades[kind]), None)


def standings(session: Session, plan_ids: list[int]) -> dict[int, Standing]:
    """Each plan's standing, read in two queries (a page of plans, not one plan at a time)."""
    monitoring = {
        row.plan_id: row
        for row in session.scalars(
            select(DepartmentMonitoring).where(DepartmentMonitoring.plan_id.in_(plan_ids))
        )
    }
    grades: dict[tuple[int, str], str] = {}
    for plan_id, kind, grade in session.execute(
        select(
            DepartmentEvaluation.plan_id, DepartmentEvaluation.kind, DepartmentEvaluation.grade
        ).where(
            DepartmentEvaluation.plan_id.in_(plan_ids),
            DepartmentEvaluation.status == DocumentStatus.FINAL,
        )
    ):
        grades[(plan_id, kind)] = grade
    result = {}
    for plan_id in plan_ids:
        report = monitoring.get(plan_id)
        rate = report.execution_rate if report is not None else None
        result[plan_id] = Standing(
            None if rate is None else f"{rate * 100:.1f}%",
            report.colour if report is not None else None,
            grades.get((plan_id, "self")),
            grades.get((plan_id, "finance")),
        )
    return result


def instance_of(
    session: Session, actor: Actor, workflow: WorkflowEngine, view: PlanView
) -> InstanceView | None:
    """Where a plan the caller sees has its department_performance process (None before the
    department's year has started): the plan's page and its API read the same view."""
    if view.instance_id is None:
        return None
    instance = session.get(ProcessInstance, view.instance_id)
    return instance_view(session, actor, workflow, instance, view.plan)


def plan_instance(
    session: Session, actor: Actor, workflow: WorkflowEngine, plan_id: int
) -> InstanceView:
    """Where the plan's department_performance process is (404 outside the caller's scope, or
    before the department's year has started)."""
    found = instance_of(session, actor, workflow, get_plan(session, actor, plan_id))
    if found is None:
        raise NotFound(
            f"department plan {plan_id} has no process instance yet",
            key="no_department_instance",
            params={"id": plan_id},
            errors={"instance": "none"},
        )
    return found


@dataclass(frozen=True)
class Step:
    """Where a plan's process is: the step waiting (its task, the role and office that have it,
    when it falls due), or, with no step waiting, the process's own status."""

    process_status: str | None
    name: str | None = None
    role: str | None = None
    office: str | None = None
    due_at: datetime | None = None


def steps(session: Session, plans: list[DepartmentPlan]) -> dict[int, list[Step]]:
    """Each plan's waiting steps (or its process's status when none waits), read in two
    queries for a page of plans; a plan whose process has not started has none."""
    keys = {business_key(plan.organisation, plan.fiscal_year.year): plan.id for plan in plans}
    instances = {
        instance_id: (keys[key], status)
        for instance_id, key, status in session.execute(
            select(ProcessInstance.id, ProcessInstance.business_key, ProcessInstance.status).where(
                ProcessInstance.business_key.in_(keys)
            )
        )
    }
    found: dict[int, list[Step]] = {plan.id: [] for plan in plans}
    for instance_id, name, role, office, due_at in session.execute(
        select(
            HumanTask.instance_id,
            HumanTask.name,
            HumanTask.role,
            Organisation.name,
            HumanTask.due_at,
        )
        .outerjoin(Organisation, Organisation.id == HumanTask.org_id)
        .where(HumanTask.instance_id.in_(instances), HumanTask.status == "ready")
        .order_by(HumanTask.id)
    ):
        plan_id, status = instances[instance_id]
        found[plan_id].append(Step(status, name, role, office, due_at))
    for plan_id, status in instances.values():
        if not found[plan_id]:
            found[plan_id].append(Step(status))
    return found
