"""The authorization matrix: every API operation × every role, stated as policy.

The policy (issue 5): a unit sees and acts on its own organisation's data only; a department
also its units'; the finance desk the departments it handles (Organisation.finance_desk_id) and
their units; an evaluator only its assigned evaluations (and the projects they evaluate);
the performance division and supervisors read everything; supervisors write nothing but alert
acknowledgements; the public only what is disclosed. A row outside the caller's scope is "not
visible" (404, so that ids do not leak what exists); a visible row the caller may not act on
is 403; no credentials at all is 401.

The table below is the policy, written out by hand: it is NOT derived from the code under
test, and the rows it is checked on are picked by this file's own queries (`Scope`). Every
operation of /api/v1/openapi.json must have a row (test_every_operation_has_a_row), so a new
endpoint cannot escape the matrix.

Cells:
  200  answers 200 (for a list, what is in it is checked by test_lists_hold_exactly_the_scope)
  own  200 on a row in the role's scope, 404 on a row outside it
  all  200 on any row (performance and supervisors read everything)
  act  allowed on a row in its scope — anything but 401/403/404 (or a 5xx): 200, 201, 409 and
       422 all mean authorization let it through — and 404 on a row outside its scope
  no   403 on a row in its scope, 404 on a row outside it
  403  forbidden whatever the row (a role check that comes before any lookup)
  404  never visible to this role (no row of this kind is ever theirs)
  401  anonymous: log in first

Role rules the table encodes, beyond the scopes (from the modules, checked against the issue):
  - the inbox is personal: a task is visible only to its role (and its organisation, when it
    has one); no shipped process has a performance or supervisor task, so for them every task
    is 404 — and supervisors cannot complete any task;
  - audit events and incidents are read by performance and supervisors; only performance
    retries or resolves incidents (web/api/operations.py READERS, OPERATORS);
  - rule sets are read by performance, finance and supervisors, written by performance,
    simulated by performance and finance (engine/queries/results.py);
  - process definitions are listed and downloaded by anyone logged in, validated and deployed
    by performance only;
  - alerts are acknowledged by finance, performance and supervisors, resolved by finance and
    performance (engine/monitoring/tracking.py; units answer alerts through their task);
  - funding decisions are confirmed or overridden by the finance desk only;
  - target tables are edited (JSON or Excel) only by the unit that owns them;
  - the score preview is a POST that stores nothing: whoever sees the evaluation may use it;
  - the API root and the disclosures are public.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from sqlalchemy import case, false, not_, or_, select, true
from sqlalchemy.orm import Session, aliased

from engine.actors import Actor
from engine.models import (
    Alert,
    Attachment,
    AttachmentBlob,
    Disclosure,
    Evaluation,
    FundingDecision,
    HumanTask,
    Incident,
    MonitoringReport,
    Organisation,
    ProcessDefinition,
    ProcessInstance,
    Project,
    RectificationOrder,
    RuleSet,
    TargetTable,
)
from engine.models.enums import AlertStatus, Colour, DecisionStatus, DocumentStatus
from tests.web.conftest import csrf

ROLES = ("unit", "department", "finance", "performance", "evaluator", "supervisor")
ANONYMOUS = "anonymous"
COLUMNS = (*ROLES, ANONYMOUS)

# fmt: off
MATRIX = """
operation                                               unit dept fin  perf eval sup  anon
GET  /api/v1/                                           200  200  200  200  200  200  200
GET  /api/v1/disclosures/                               200  200  200  200  200  200  200
GET  /api/v1/projects/                                  200  200  200  200  200  200  401
GET  /api/v1/projects/{project_id}                      own  own  own  all  own  all  401
GET  /api/v1/projects/{project_id}/instance             own  own  own  all  own  all  401
GET  /api/v1/organisations/                             200  200  200  200  200  200  401
GET  /api/v1/organisations/{org_id}                     own  own  own  all  own  all  401
GET  /api/v1/target-tables/                             200  200  200  200  200  200  401
GET  /api/v1/target-tables/{table_id}                   own  own  own  all  own  all  401
PUT  /api/v1/target-tables/{table_id}                   act  no   no   no   no   no   401
GET  /api/v1/target-tables/{table_id}/validation        own  own  own  all  own  all  401
GET  /api/v1/target-tables/{table_id}/excel             own  own  own  all  own  all  401
POST /api/v1/target-tables/{table_id}/excel             act  no   no   no   no   no   401
GET  /api/v1/indicator-library/                         200  200  200  200  200  200  401
GET  /api/v1/tasks/                                     200  200  200  200  200  200  401
GET  /api/v1/tasks/completed                            200  200  200  200  200  200  401
POST /api/v1/tasks/bulk-review                          403  act  act  act  403  403  401
GET  /api/v1/tasks/{task_id}                            own  own  own  404  own  404  401
POST /api/v1/tasks/{task_id}/complete                   act  act  act  404  act  404  401
GET  /api/v1/tasks/{task_id}/draft                      own  own  own  404  own  404  401
PUT  /api/v1/tasks/{task_id}/draft                      act  act  act  404  act  404  401
DELETE /api/v1/tasks/{task_id}/draft                    act  act  act  404  act  404  401
GET  /api/v1/tasks/{task_id}/attachments                own  own  own  404  own  404  401
POST /api/v1/tasks/{task_id}/attachments                act  act  act  404  act  404  401
GET  /api/v1/attachments/                               200  200  200  200  200  200  401
GET  /api/v1/attachments/{attachment_id}/content        own  own  own  all  own  all  401
DELETE /api/v1/attachments/{attachment_id}              act  no   no   no   no   no   401
GET  /api/v1/monitoring-reports/                        200  200  200  200  200  200  401
GET  /api/v1/monitoring-reports/{report_id}             own  own  own  all  own  all  401
GET  /api/v1/alerts/                                    200  200  200  200  200  200  401
GET  /api/v1/alerts/summary                             200  200  200  200  200  200  401
GET  /api/v1/alerts/{alert_id}                          own  own  own  all  own  all  401
POST /api/v1/alerts/{alert_id}/acknowledge              no   no   act  act  no   act  401
POST /api/v1/alerts/{alert_id}/resolve                  no   no   act  act  no   no   401
GET  /api/v1/evaluations/                               200  200  200  200  200  200  401
GET  /api/v1/evaluations/{evaluation_id}                own  own  own  all  own  all  401
POST /api/v1/evaluations/score-preview                  own  own  own  all  own  all  401
GET  /api/v1/rectification-orders/                      200  200  200  200  200  200  401
GET  /api/v1/rectification-orders/{order_id}            own  own  own  all  own  all  401
GET  /api/v1/funding-decisions/                         200  200  200  200  200  200  401
GET  /api/v1/funding-decisions/{decision_id}            own  own  own  all  own  all  401
POST /api/v1/funding-decisions/{decision_id}/confirm    no   no   act  no   no   no   401
POST /api/v1/funding-decisions/{decision_id}/override   no   no   act  no   no   no   401
POST /api/v1/funding-decisions/confirm-batch          403  403  act  403  403  403  401
GET  /api/v1/allocations/                               200  200  200  200  200  200  401
GET  /api/v1/allocations/summary                        200  200  200  200  200  200  401
GET  /api/v1/rule-sets/                                 403  403  200  200  403  200  401
GET  /api/v1/rule-sets/{ruleset_id}                     403  403  200  200  403  200  401
POST /api/v1/rule-sets/                                 403  403  403  act  403  403  401
POST /api/v1/rule-sets/simulate                         403  403  act  act  403  403  401
GET  /api/v1/process-definitions/                       200  200  200  200  200  200  401
GET  /api/v1/process-definitions/{definition_id}/source 200  200  200  200  200  200  401
POST /api/v1/process-definitions/                       403  403  403  act  403  403  401
POST /api/v1/process-definitions/validate               403  403  403  act  403  403  401
GET  /api/v1/audit-events/                              403  403  403  200  403  200  401
GET  /api/v1/audit-events/verify                        403  403  403  200  403  200  401
GET  /api/v1/incidents/                                 403  403  403  200  403  200  401
GET  /api/v1/incidents/{incident_id}                    403  403  403  200  403  200  401
POST /api/v1/incidents/{incident_id}/retry              403  403  403  act  403  403  401
POST /api/v1/incidents/{incident_id}/resolve            403  403  403  act  403  403  401
"""
# fmt: on

CELLS = frozenset({"200", "own", "all", "act", "no", "403", "404", "401"})


def _rows() -> dict[tuple[str, str], dict[str, str]]:
    lines = [line.split() for line in MATRIX.strip().splitlines()[1:]]
    rows = {}
    for method, path, *cells in lines:
        assert len(cells) == len(COLUMNS) and set(cells) <= CELLS, (method, path)
        assert (method, path) not in rows, f"{method} {path} has two rows"
        rows[(method, path)] = dict(zip(COLUMNS, cells, strict=True))
    return rows


ROWS = _rows()
WRITES = {key for key, cells in ROWS.items() if {"act", "no"} & set(cells.values())}


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
    "definition_id": Kind(ProcessDefinition, _everyone),
    "incident_id": Kind(Incident, _everyone),
    "attachment_id": Kind(Attachment, _by_project(Attachment.project_id), Attachment.project_id),
}
# The score preview names its evaluation in the body, not the path.
BODY_SUBJECT = {("POST", "/api/v1/evaluations/score-preview"): "evaluation_id"}

# (kind, role) with no row in the role's scope in the lived-in year: only "outside" is checked.
# Listed so that the matrix says so; the test fails if the world changes and a row appears.
EMPTY_SCOPES = frozenset({("order_id", "evaluator")})


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


@pytest.fixture
def world_app(world_app, world):
    """The lived-in year with the stranger unit's department handed to another finance desk,
    and a rectification order in that department.

    In the lived-in year one desk handles every department that has projects, and every
    rectification order is in the main department, so nothing would be outside those scopes;
    after the hand-over the stranger's department is (the main unit's and the main
    department's scopes do not change).
    """
    with world_app.extensions["budgetloop.sessions"]() as session, session.begin():
        department = session.get(Organisation, world.strangers["unit"].org_id).parent
        assert department.id != world["department"].org_id
        assert department.finance_desk_id == world["finance"].org_id
        department.finance_desk_id = session.scalar(
            select(Organisation.id)
            .where(Organisation.kind == "finance", Organisation.id != world["finance"].org_id)
            .order_by(Organisation.id)
            .limit(1)
        )
        # Every rectification order of the year is in the main department: one for a project
        # of the stranger unit gives the department (and the desk) one they must not see.
        order = session.scalars(select(RectificationOrder).order_by(RectificationOrder.id)).first()
        project = session.scalars(
            select(Project).where(Project.unit_id == world.strangers["unit"].org_id).limit(1)
        ).one()
        session.add(
            RectificationOrder(
                project_id=project.id,
                source=order.source,
                issues="进度严重滞后",
                requirements="三十日内报送整改方案",
                issued_by_id=department.finance_desk_id,
                feedback_due=order.feedback_due,
                plan_due=order.plan_due,
                close_due=order.close_due,
            )
        )
        _attach_evidence(session)
    return world_app


def _attach_evidence(session: Session) -> None:
    """A file on each monitoring report, uploaded in its unit's report task (the lived-in year
    has none of its own)."""
    attached = set()
    for task in session.scalars(
        select(HumanTask).where(HumanTask.form == "monitoring_report").order_by(HumanTask.id)
    ):
        report = session.scalars(
            select(MonitoringReport)
            .join(Project, Project.id == MonitoringReport.project_id)
            .where(Project.code == task.business_key.split(":", 1)[1])
            .order_by(MonitoringReport.id.desc())
            .limit(1)
        ).first()
        if report is None or report.id in attached:
            continue
        attached.add(report.id)
        content = f"%PDF-1.4 report {report.id}".encode()
        attachment = Attachment(
            project_id=report.project_id,
            document_type="monitoring_report",
            document_id=report.id,
            task_id=task.id,
            file_name="执行情况说明.pdf",
            media_type="application/pdf",
            size=len(content),
            sha256=hashlib.sha256(content).hexdigest(),
            uploaded_by="user:test",
        )
        session.add(attachment)
        session.flush()
        session.add(AttachmentBlob(attachment_id=attachment.id, content=content))


def _open_incident(world_app) -> None:
    """An open incident on a running instance (the lived-in year has none of its own)."""
    with world_app.extensions["budgetloop.sessions"]() as session, session.begin():
        instance = session.scalars(
            select(ProcessInstance)
            .where(ProcessInstance.status == "running")
            .order_by(ProcessInstance.id)
            .limit(1)
        ).one()
        instance.status = "incident"
        session.add(
            Incident(
                instance_id=instance.id,
                element_id="Service_Payment",
                error="RuntimeError: 国库支付接口无响应",
                command={
                    "kind": "fire_timers",
                    "instance_id": instance.id,
                    "actor": Actor.system("ticker").as_dict(),
                },
            )
        )


@dataclass
class Call:
    """One request of the matrix and what the policy expects of it."""

    column: str
    expected: str  # "200", "allowed", "403", "404" or "401"
    row_id: int | None
    why: str


def _calls(session: Session, world, key: tuple[str, str]) -> list[Call]:
    """Every request the row asks for, ordered so that state changes come last: anonymous,
    then each scoped role on a row outside its scope, then each role's reads and refusals,
    then the allowed roles' writes."""
    method, path = key
    cells = ROWS[key]
    name = subject_of(method, path)
    kind = KINDS.get(name) if name else None
    calls: list[Call] = []
    inside: dict[str, int | None] = {}
    for role in ROLES:
        who = Who(role, world[role].org_id)
        if kind is not None:
            inside[role] = pick(session, kind, who, inside=True)
            empty = (name, role) in EMPTY_SCOPES
            if cells[role] in ("own", "act", "no") and kind.scope(who) is not None:
                assert (inside[role] is None) == empty, (
                    f"{role} has {'no' if inside[role] is None else 'a'} {name} in its scope: "
                    "update EMPTY_SCOPES"
                )
                outside = pick(session, kind, who, inside=False)
                assert outside is not None, f"nothing outside {role}'s scope for {name}"
                calls.append(Call(role, "404", outside, "outside its scope"))
    some_row = _any_row(session, kind) if kind is not None else None
    calls.insert(0, Call(ANONYMOUS, cells[ANONYMOUS], some_row, "no credentials"))

    def row_for(role: str) -> int | None:
        if kind is None:
            return None
        if kind.scope(Who(role, world[role].org_id)) is None or cells[role] in ("403", "404"):
            return inside.get(role) or some_row
        return inside[role]

    later: list[Call] = []
    for role in ROLES:
        cell = cells[role]
        row = row_for(role)
        if kind is not None and row is None and cell not in ("403", "404"):
            continue  # an empty scope (EMPTY_SCOPES): only "outside" applies
        if cell == "all":
            rows = {row, *(c.row_id for c in calls if c.row_id is not None)}
            calls.extend(Call(role, "200", r, "reads everything") for r in sorted(rows))
        elif cell == "own":
            calls.append(Call(role, "200", row, "in its scope"))
        elif cell == "no":
            calls.append(Call(role, "403", row, "visible, not allowed"))
        elif cell == "act":
            # Each allowed role acts on a row of its own where there is one, so that one
            # role's action does not turn the next one's into a mere conflict.
            if kind is not None:
                taken = frozenset(c.row_id for c in later)
                row = pick(session, kind, Who(role, world[role].org_id), True, taken) or row
            later.append(Call(role, "allowed", row, "allowed"))
        else:
            calls.append(
                Call(role, cell, row, {"403": "role", "404": "never theirs"}.get(cell, ""))
            )
    return calls + later


def _any_row(session: Session, kind: Kind) -> int | None:
    return session.scalar(
        select(kind.model.id)
        .order_by(case((kind.actionable(), 0), else_=1), kind.model.id)
        .limit(1)
    )


def _request(client, world, key, call: Call, sessions):
    method, path = key
    name = subject_of(method, path)
    url = path
    if name and key not in BODY_SUBJECT:
        url = path.replace("{" + name + "}", str(call.row_id))
    body = BODIES.get(key)
    # The body reads the row's current version in a session closed before the request, so
    # that no transaction of the test holds a lock the request's write would wait for.
    with sessions() as session:
        kwargs = body(session, call.row_id) if body else {}
    headers = world.headers(call.column) if call.column != ANONYMOUS else {}
    return client.open(url, method=method, headers=headers, **kwargs)


def _meets(expected: str, status: int) -> bool:
    if expected == "allowed":
        return status < 500 and status not in (401, 403, 404)
    return status == int(expected)


@pytest.mark.parametrize("key", sorted(ROWS), ids=lambda key: f"{key[0]} {key[1]}")
def test_each_role_gets_what_the_policy_says(world_app, world_client, world, key):
    if subject_of(*key) == "incident_id":
        _open_incident(world_app)
    sessions = world_app.extensions["budgetloop.sessions"]
    with sessions() as session:
        calls = _calls(session, world, key)
    failures = []
    for call in calls:
        response = _request(world_client, world, key, call, sessions)
        if not _meets(call.expected, response.status_code):
            failures.append(
                f"{call.column} on row {call.row_id} ({call.why}): expected {call.expected},"
                f" got {response.status_code} {response.get_data(as_text=True)[:200]}"
            )
    assert not failures, f"{key[0]} {key[1]}:\n" + "\n".join(failures)


# ---- the matrix covers the whole API ------------------------------------------------------


def test_every_operation_has_a_row(client):
    spec = client.get("/api/v1/openapi.json").json
    operations = {
        (method.upper(), path)
        for path, item in spec["paths"].items()
        for method in item
        if method in ("get", "put", "post", "patch", "delete")
    }
    missing = sorted(operations - set(ROWS))
    stale = sorted(set(ROWS) - operations)
    assert not missing, f"operations with no row in the authorization matrix: {missing}"
    assert not stale, f"rows for operations the API no longer has: {stale}"


def test_the_openapi_marks_exactly_the_public_operations(client):
    spec = client.get("/api/v1/openapi.json").json
    public = {
        (method.upper(), path)
        for path, item in spec["paths"].items()
        for method, operation in item.items()
        if method in ("get", "put", "post", "patch", "delete")
        and operation.get("security", spec.get("security")) == []
    }
    assert public == {key for key, cells in ROWS.items() if cells[ANONYMOUS] != "401"}


def test_every_write_refuses_supervisors_but_acknowledging(client):
    """Supervisors write nothing but alert acknowledgements (the table must say so)."""
    for key, cells in ROWS.items():
        if key[0] != "GET" and key not in BODY_SUBJECT:
            allowed = cells["supervisor"] == "act"
            assert allowed == (key == ("POST", "/api/v1/alerts/{alert_id}/acknowledge")), key


# ---- what the lists hold ------------------------------------------------------------------


@dataclass(frozen=True)
class Listing:
    model: type
    key: str  # the item field holding the row's id
    scope: Callable[[Who], object]
    also: object = None  # a filter every item of the list meets (the inbox: ready tasks)


LISTINGS = {
    "/api/v1/projects/": Listing(Project, "id", _by_project(Project.id)),
    "/api/v1/organisations/": Listing(Organisation, "id", _organisations),
    "/api/v1/target-tables/": Listing(TargetTable, "id", _by_project(TargetTable.project_id)),
    "/api/v1/tasks/": Listing(HumanTask, "id", _tasks, HumanTask.status == "ready"),
    "/api/v1/monitoring-reports/": Listing(
        MonitoringReport, "id", _by_project(MonitoringReport.project_id)
    ),
    "/api/v1/alerts/": Listing(Alert, "id", _by_project(Alert.project_id)),
    "/api/v1/evaluations/": Listing(Evaluation, "id", _evaluations),
    "/api/v1/rectification-orders/": Listing(
        RectificationOrder, "id", _by_project(RectificationOrder.project_id)
    ),
    "/api/v1/funding-decisions/": Listing(
        FundingDecision, "id", _by_project(FundingDecision.project_id)
    ),
    "/api/v1/attachments/": Listing(Attachment, "id", _by_project(Attachment.project_id)),
}


def _every_item(client, url: str, headers: dict) -> list[dict]:
    items, page = [], 1
    while True:
        response = client.get(f"{url}?per_page=200&page={page}", headers=headers)
        assert response.status_code == 200, (url, response.json)
        items += response.json["items"]
        if page >= response.json["pages"]:
            return items
        page += 1


def _ids(world_app, stmt) -> set:
    """The ids `stmt` selects, from a session closed before any request is made."""
    with world_app.extensions["budgetloop.sessions"]() as session:
        return set(session.scalars(stmt))


@pytest.mark.parametrize("url", sorted(LISTINGS))
def test_lists_hold_exactly_the_scope(world_app, world_client, world, url):
    listing = LISTINGS[url]
    failures = []
    for role in ROLES:
        scope = listing.scope(Who(role, world[role].org_id))
        stmt = select(listing.model.id)
        if scope is not None:
            stmt = stmt.where(scope)
        if listing.also is not None:
            stmt = stmt.where(listing.also)
        expected = _ids(world_app, stmt)
        items = _every_item(world_client, url, world.headers(role))
        listed = [item[listing.key] for item in items]
        if len(listed) != len(set(listed)) or set(listed) != expected:
            failures.append(
                f"{role}: {len(expected)} expected, {len(listed)} listed; "
                f"unexpected {sorted(set(listed) - expected)[:10]}, "
                f"missing {sorted(expected - set(listed))[:10]}"
            )
    assert not failures, f"{url}:\n" + "\n".join(failures)


def test_allocations_and_alert_counts_stay_in_scope(world_app, world_client, world):
    failures = []
    for role in ROLES:
        who, headers = Who(role, world[role].org_id), world.headers(role)
        projects = project_ids(who)
        visible = _ids(world_app, projects if projects is not None else select(Project.id))
        allocations = _every_item(world_client, "/api/v1/allocations/", headers)
        if not {item["project_id"] for item in allocations} <= visible:
            failures.append(f"{role} lists allocations of projects outside its scope")
        scope = _by_project(Alert.project_id)(who)
        alerts = _ids(world_app, select(Alert.id).where(true() if scope is None else scope))
        summary = world_client.get("/api/v1/alerts/summary", headers=headers).json
        if summary["totals"]["total"] != len(alerts):
            failures.append(f"{role} counts {summary['totals']['total']} alerts, not {len(alerts)}")
    assert not failures, "\n".join(failures)


def test_the_public_sees_only_what_is_disclosed(world_app, world_client):
    disclosed = _ids(
        world_app, select(Disclosure.project_id).where(Disclosure.withdrawn_at.is_(None))
    )
    listed = {item["project_id"] for item in _every_item(world_client, "/api/v1/disclosures/", {})}
    assert listed and listed <= disclosed
    assert listed != _ids(world_app, select(Project.id))


# ---- the login session gets the same scopes as the token ----------------------------------


def test_a_page_session_is_scoped_like_the_token(world_app, world_client, world, login):
    url = "/api/v1/projects/?per_page=200"
    by_token = {
        item["id"] for item in world_client.get(url, headers=world.headers("unit")).json["items"]
    }
    own = _ids(world_app, project_ids(Who("unit", world["unit"].org_id)))
    assert by_token == own

    client = login("unit")
    response = client.get(url)
    assert response.status_code == 200
    assert {item["id"] for item in response.json["items"]} == own


def test_a_page_session_writes_only_with_its_csrf_token(world_app, world, login):
    client = login("supervisor")
    with world_app.extensions["budgetloop.sessions"]() as session:
        alert_id = pick(
            session, KINDS["alert_id"], Who("supervisor", world["supervisor"].org_id), True
        )
        version = session.get(Alert, alert_id).version
    url = f"/api/v1/alerts/{alert_id}/acknowledge"
    refused = client.post(url, json={"version": version})
    assert refused.status_code == 403 and "csrf_token" in refused.json["errors"]
    accepted = client.post(url, json={"version": version}, headers={"X-CSRF-Token": csrf(client)})
    assert accepted.status_code == 200, accepted.json
    assert accepted.json["acknowledged_by"]
