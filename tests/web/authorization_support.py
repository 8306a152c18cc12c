"""What the authorization tests query for themselves: which rows each role sees by the policy
(not by the code under test), the row a call is made on, and the bodies the writes send."""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import case, false, not_, or_, select, true
from sqlalchemy.orm import Session, aliased

from engine.models import (
    Alert,
    Attachment,
    DepartmentPlan,
    Evaluation,
    ExAnteAssessment,
    FundingDecision,
    HumanTask,
    Incident,
    MonitoringReport,
    Organisation,
    PolicySetting,
    ProcessDefinition,
    Project,
    RectificationOrder,
    RuleSet,
    TargetTable,
)
from engine.models.enums import AlertStatus, Colour, DecisionStatus, DocumentStatus

# ---- scopes, by policy -------------------------------------------------------------------


@dataclass(frozen=True)
class Who:
    """A role's account as the policy queries need it."""

    role: str
    org_id: int


def _units_of(who: Who):
    """The ids of the units whose projects `who` sees, or None for every unit."""
    org = who.org_id
    if who.role in ("performance", "supervisor"):
        return None
    if who.role == "unit":
        return select(Organisation.id).where(Organisation.id == org)
    if who.role == "department":
        return select(Organisation.id).where(
            or_(Organisation.id == org, Organisation.parent_id == org)
        )
    if who.role == "finance":
        department = aliased(Organisation)
        return (
            select(Organisation.id)
            .join(department, department.id == Organisation.parent_id)
            .where(department.finance_desk_id == org)
        )
    return select(Organisation.id).where(false())


def project_ids(who: Who):
    """The ids of the projects `who` sees, or None for every project."""
    if who.role == "evaluator":
        return select(Evaluation.project_id).where(Evaluation.evaluator_org_id == who.org_id)
    units = _units_of(who)
    return None if units is None else select(Project.id).where(Project.unit_id.in_(units))


def _by_project(column):
    def scope(who: Who):
        projects = project_ids(who)
        return None if projects is None else column.in_(projects)

    return scope


def _organisations(who: Who):
    """Its own organisation; a department also its units; a finance desk also its departments
    and their units; everything for performance and supervisors."""
    if who.role in ("performance", "supervisor"):
        return None
    if who.role == "finance":
        departments = select(Organisation.id).where(Organisation.finance_desk_id == who.org_id)
        return or_(
            Organisation.id == who.org_id,
            Organisation.id.in_(departments),
            Organisation.parent_id.in_(departments),
        )
    if who.role == "department":
        return or_(Organisation.id == who.org_id, Organisation.parent_id == who.org_id)
    return Organisation.id == who.org_id


def _evaluations(who: Who):
    if who.role == "evaluator":
        return Evaluation.evaluator_org_id == who.org_id
    return _by_project(Evaluation.project_id)(who)


def _ex_ante(who: Who):
    if who.role == "evaluator":
        return ExAnteAssessment.assessor_org_id == who.org_id
    return _by_project(ExAnteAssessment.project_id)(who)


def _department_plans(who: Who):
    """A department its own plans, a finance desk its departments', performance and supervisors
    all; units and evaluators none."""
    if who.role in ("performance", "supervisor"):
        return None
    if who.role == "department":
        return DepartmentPlan.org_id == who.org_id
    if who.role == "finance":
        departments = select(Organisation.id).where(Organisation.finance_desk_id == who.org_id)
        return DepartmentPlan.org_id.in_(departments)
    return false()


def _tasks(who: Who):
    """The inbox is personal: the task's role, and its organisation when it names one."""
    return (HumanTask.role == who.role) & or_(
        HumanTask.org_id == who.org_id, HumanTask.org_id.is_(None)
    )


def _everyone(who: Who):
    return None


@dataclass(frozen=True)
class Kind:
    """A kind of row an operation acts on: how to tell whether a role sees it."""

    model: type
    scope: Callable[[Who], object]  # a WHERE clause on `model`; None: every row
    project_id: object = None  # the model's project column (to pick near misses)
    # Rows worth acting on first (an editable table, an open alert, a proposed decision).
    actionable: Callable[[], object] = field(default=lambda: true())


KINDS = {
    "project_id": Kind(Project, _by_project(Project.id), Project.id),
    "org_id": Kind(Organisation, _organisations),
    "table_id": Kind(
        TargetTable,
        _by_project(TargetTable.project_id),
        TargetTable.project_id,
        lambda: TargetTable.status.in_([DocumentStatus.DRAFT, DocumentStatus.RETURNED]),
    ),
    "task_id": Kind(HumanTask, _tasks, actionable=lambda: HumanTask.status == "ready"),
    "report_id": Kind(
        MonitoringReport, _by_project(MonitoringReport.project_id), MonitoringReport.project_id
    ),
    "alert_id": Kind(
        Alert,
        _by_project(Alert.project_id),
        Alert.project_id,
        lambda: (Alert.status == AlertStatus.OPEN) & (Alert.colour != Colour.GREEN),
    ),
    "evaluation_id": Kind(Evaluation, _evaluations, Evaluation.project_id),
    "assessment_id": Kind(ExAnteAssessment, _ex_ante, ExAnteAssessment.project_id),
    "plan_id": Kind(DepartmentPlan, _department_plans),
    "order_id": Kind(
        RectificationOrder,
        _by_project(RectificationOrder.project_id),
        RectificationOrder.project_id,
    ),
    "decision_id": Kind(
        FundingDecision,
        _by_project(FundingDecision.project_id),
        FundingDecision.project_id,
        lambda: FundingDecision.status == DecisionStatus.PROPOSED,
    ),
    "ruleset_id": Kind(RuleSet, _everyone),
    # Every account reads every calendar; the clause only keeps the picks to calendar rows.
    "calendar_id": Kind(
        PolicySetting,
        lambda who: (
            (PolicySetting.key == "working_calendar") & PolicySetting.fiscal_year.is_not(None)
        ),
    ),
    "definition_id": Kind(ProcessDefinition, _everyone),
    "incident_id": Kind(Incident, _everyone),
    "attachment_id": Kind(Attachment, _by_project(Attachment.project_id), Attachment.project_id),
}
# The score preview names its evaluation in the body, not the path.
BODY_SUBJECT = {("POST", "/api/v1/evaluations/score-preview"): "evaluation_id"}

# (kind, role) with no row in the role's scope in the lived-in year: only "outside" is checked.
# Listed so that the matrix says so; the test fails if the world changes and a row appears.
# The unit (the busiest by alerts) has no order in the lived-in year; its orders are scoped by
# tests/web/rectification/test_rectification_api.py, which opens one for it.
EMPTY_SCOPES = frozenset(
    {
        ("order_id", "evaluator"),
        ("order_id", "unit"),
        ("assessment_id", "evaluator"),
        # Department plans are never a unit's or an evaluator's.
        ("plan_id", "unit"),
        ("plan_id", "evaluator"),
    }
)


def subject_of(method: str, path: str) -> str | None:
    if (method, path) in BODY_SUBJECT:
        return BODY_SUBJECT[(method, path)]
    names = [part[1:-1] for part in path.split("/") if part.startswith("{")]
    assert len(names) <= 1, path
    return names[0] if names else None


def _near_miss(kind: Kind, who: Who, session: Session):
    """Order rows outside `who`'s scope nearest first: a sibling unit's, a sibling
    department's (same finance desk), an evaluator's other evaluations of its own projects."""
    if kind.model is HumanTask:
        return case((HumanTask.role == who.role, 0), else_=1)
    if kind.project_id is None:
        return None
    if who.role == "evaluator" and kind.model is Evaluation:
        return case((kind.project_id.in_(project_ids(who)), 0), else_=1)
    own = session.get(Organisation, who.org_id)
    if who.role == "unit":
        siblings = select(Organisation.id).where(Organisation.parent_id == own.parent_id)
    elif who.role == "department":
        departments = select(Organisation.id).where(
            Organisation.finance_desk_id == own.finance_desk_id
        )
        siblings = select(Organisation.id).where(Organisation.parent_id.in_(departments))
    else:
        return None
    near = select(Project.id).where(Project.unit_id.in_(siblings))
    return case((kind.project_id.in_(near), 0), else_=1)


def pick(
    session: Session, kind: Kind, who: Who, inside: bool, avoid: frozenset = frozenset()
) -> int | None:
    """A row `who` sees (inside) or does not (outside), the most telling one first."""
    scope = kind.scope(who)
    model = kind.model
    stmt = select(model.id).where(model.id.not_in(avoid)) if avoid else select(model.id)
    if scope is None:
        if not inside:
            return None
    else:
        stmt = stmt.where(scope if inside else not_(scope))
    if inside:
        order = case((kind.actionable(), 0), else_=1)
    else:
        order = _near_miss(kind, who, session)
    first = () if order is None else (order,)
    return session.scalar(stmt.order_by(*first, model.id).limit(1))


def _any_row(session: Session, kind: Kind) -> int | None:
    return session.scalar(
        select(kind.model.id)
        .order_by(case((kind.actionable(), 0), else_=1), kind.model.id)
        .limit(1)
    )


# ---- requests -----------------------------------------------------------------------------


def _version(model):
    return lambda session, row_id: {"json": {"version": session.get(model, row_id).version}}


def _table_put(session, row_id):
    table = session.get(TargetTable, row_id)
    return {"json": {"version": table.version, "goal": "提高资金使用效益", "indicators": []}}


def _workbook(session, row_id):
    return {
        "data": {"file": (io.BytesIO(b"not a workbook"), "table.xlsx")},
        "content_type": "multipart/form-data",
    }


BPMN = '<?xml version="1.0"?><definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL"/>'

BODIES: dict[tuple[str, str], Callable[[Session, int | None], dict]] = {
    ("PUT", "/api/v1/target-tables/{table_id}"): _table_put,
    ("POST", "/api/v1/target-tables/{table_id}/excel"): _workbook,
    ("POST", "/api/v1/tasks/{task_id}/complete"): lambda s, i: {"json": {"data": {}}},
    ("POST", "/api/v1/tasks/bulk-review"): lambda s, i: {
        "json": {"tasks": [1], "data": {"outcome": "approve"}}
    },
    ("PUT", "/api/v1/tasks/{task_id}/draft"): lambda s, i: {"json": {"data": {"note": "初稿"}}},
    ("POST", "/api/v1/tasks/{task_id}/attachments"): lambda s, i: {
        "data": {"file": (io.BytesIO(b"%PDF-1.4 evidence"), "佐证.pdf")},
        "content_type": "multipart/form-data",
    },
    ("POST", "/api/v1/alerts/{alert_id}/acknowledge"): _version(Alert),
    ("POST", "/api/v1/alerts/{alert_id}/resolve"): lambda s, i: {
        "json": {"version": s.get(Alert, i).version, "note": "已约谈单位，进度已追回"}
    },
    ("POST", "/api/v1/evaluations/score-preview"): lambda s, i: {
        "json": {"evaluation_id": i, "data": {}}
    },
    ("POST", "/api/v1/funding-decisions/{decision_id}/override"): lambda s, i: {
        "json": {"override_factor": "0.9", "override_reason": "执行偏慢，酌减"}
    },
    # An id that names nothing: the batch answers 200 with that item refused, and writes nothing.
    ("POST", "/api/v1/funding-decisions/confirm-batch"): lambda s, i: {
        "json": {"decision_ids": [4611686018427387904]}
    },
    ("POST", "/api/v1/rule-sets/"): lambda s, i: {"json": {"year": 2027, "body": {}}},
    ("POST", "/api/v1/messages/read"): lambda s, i: {"json": {"all": True}},
    ("PUT", "/api/v1/messages/mutes"): lambda s, i: {"json": {"muted": []}},
    # A holiday with no name: refused (422) after the permission let it through; nothing stored.
    ("POST", "/api/v1/calendars/"): lambda s, i: {
        "json": {"year": 2026, "holidays": [{"name": "", "from": "2026-10-01"}]}
    },
    # Weights that do not add up: refused (422) after the permission let it through.
    ("PUT", "/api/v1/frames/choices"): lambda s, i: {
        "json": {"region": "990000", "year": 2026, "frame": "cost_2021", "weights": {"cost": "30"}}
    },
    ("POST", "/api/v1/frames/choices/moves"): lambda s, i: {
        "json": {"region": "990000", "year": 2031}
    },
    ("POST", "/api/v1/rule-sets/simulate"): lambda s, i: {"json": {"body": {}}},
    ("POST", "/api/v1/process-definitions/"): lambda s, i: {
        "data": {"files": [(io.BytesIO(BPMN.encode()), "empty.bpmn")]},
        "content_type": "multipart/form-data",
    },
    ("POST", "/api/v1/process-definitions/validate"): lambda s, i: {
        "json": {"files": [{"name": "empty.bpmn", "text": BPMN}]}
    },
    ("POST", "/api/v1/incidents/{incident_id}/resolve"): lambda s, i: {
        "json": {"note": "支付已线下完成"}
    },
}
