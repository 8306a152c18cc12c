"""Starting a project's budget cycle, and carrying a funded project into next year."""

from __future__ import annotations

import hashlib
import zlib
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import policy
from engine.actors import Actor
from engine.cycle.calendar import evaluation_close_at, self_evaluation_due
from engine.cycle.context import fiscal_year_of, project_of
from engine.db import insert_once
from engine.errors import Conflict, InvalidInput
from engine.frame_map import apply_move, frame_for
from engine.models import (
    Allocation,
    FiscalYear,
    Indicator,
    Organisation,
    ProcessInstance,
    Project,
    TargetTable,
)
from engine.models.enums import OrgKind, ProjectStatus
from engine.workdays import end_of_day, region_zone, start_of_day
from engine.workflow.operations import ServiceCall

CYCLE_PROCESS = "budget_cycle"
DEPARTMENT_ROUTES = ("department", "third_party", "none")


def business_key(project: Project) -> str:
    return f"cycle:{project.code}"


def cycle_data(
    session: Session,
    project: Project,
    *,
    key_evaluation: bool | None = None,
    department_evaluation: str | None = None,
) -> dict:
    """The data a budget_cycle instance starts with: who does what, and when stages open.

    `key_evaluation` and `department_evaluation` ('department', 'third_party' or 'none')
    override the selection by policy.
    """
    fiscal_year = session.get(Project, project.id).fiscal_year
    year = fiscal_year.year
    zone = region_zone(session, fiscal_year)
    unit = session.get(Organisation, project.unit_id)
    department = session.get(Organisation, unit.parent_id) if unit.parent_id else None
    performance = session.scalars(
        select(Organisation.id).where(
            Organisation.kind == OrgKind.PERFORMANCE, Organisation.region_code == unit.region_code
        )
    ).first()
    evaluators = session.scalars(
        select(Organisation.id)
        .where(Organisation.kind == OrgKind.EVALUATOR, Organisation.region_code == unit.region_code)
        .order_by(Organisation.id)
    ).all()
    digest = zlib.crc32(project.code.encode())
    if key_evaluation is None:
        # About one project in two hundred is picked for a key evaluation (20–60 a province).
        key_evaluation = digest % 200 == 0
    route = _department_route(
        session, project, fiscal_year, department_evaluation, evaluators, department
    )
    ex_ante = ex_ante_route(session, project, fiscal_year, department, evaluators)
    return {
        "project_id": project.id,
        "project_code": project.code,
        "fiscal_year": year,
        "target_table_id": session.scalars(
            select(TargetTable.id)
            .where(TargetTable.project_id == project.id)
            .order_by(TargetTable.revision.desc())
        ).first(),
        "unit_org_id": unit.id,
        "department_org_id": department.id if department else None,
        "finance_org_id": department.finance_desk_id if department else None,
        "performance_org_id": performance,
        "evaluator_org_id": evaluators[digest % len(evaluators)] if evaluators else None,
        "third_party_org_id": _third_party(evaluators, digest) if route == "third_party" else None,
        # Local dates in the region's time zone (domain.md "Dates").
        "monitoring_opens_at": start_of_day(date(year, 8, 1), zone).isoformat(),
        "monitoring_due": end_of_day(date(year, 8, 31), zone).isoformat(),
        "evaluation_opens_at": start_of_day(date(year + 1, 2, 1), zone).isoformat(),
        "self_evaluation_due": self_evaluation_due(session, fiscal_year).isoformat(),
        # Year-end results wait for the year's evaluations to close, so that every decision of
        # the year sees the same department ranks (budget_adjustment's timer).
        "results_open_at": evaluation_close_at(session, fiscal_year).isoformat(),
        "key_evaluation": key_evaluation,
        "department_evaluation": None if route == "none" else route,
        # 事前绩效评估 before filing: who assesses ('department' or 'third_party') and which
        # organisation; budget_cycle skips it where not required.
        "ex_ante_required": ex_ante is not None,
        "ex_ante_assessor": ex_ante[0] if ex_ante else None,
        "ex_ante_org_id": ex_ante[1] if ex_ante else None,
    }


def ex_ante_route(session, project, fiscal_year, department, evaluators):
    """(assessor, organisation id) of the ex-ante assessment a project needs, or None.

    A new project (one that continues no project of last year) is assessed when it requests
    the `ex_ante` setting's threshold or more (5,000,000 元), or is flagged as a major policy;
    its department assesses it, and from `third_party_from` (20,000,000 元) a third party it
    commissions, where the region has a contracted evaluator. A project without a department
    (a unit filing directly) is assessed by a third party, or not at all without one.
    """
    if project.predecessor_id is not None:
        return None
    settings = policy.setting(session, "ex_ante", fiscal_year.region_code, fiscal_year.year)
    amount = project.requested_amount
    if not (project.is_major_policy or amount >= Decimal(str(settings["threshold"]))):
        return None
    commissioned = amount >= Decimal(str(settings["third_party_from"]))
    if evaluators and (commissioned or department is None):
        return "third_party", _third_party(evaluators, zlib.crc32(project.code.encode()))
    if department is None:
        return None
    return "department", department.id


def _fraction(project: Project, purpose: str) -> float:
    """A stable draw in [0, 1) per project and purpose.

    Not CRC-32: it is linear, so the CRCs of two prefixes of one code differ by a constant and
    two selections made from them would pick the same projects.
    """
    digest = hashlib.blake2b(f"{purpose}:{project.code}".encode(), digest_size=8).digest()
    return int.from_bytes(digest) / 2**64


def _department_route(session, project, fiscal_year, forced, evaluators, department) -> str:
    """'department', 'third_party' or 'none': who runs the project's department evaluation."""
    if forced is not None:
        if forced not in DEPARTMENT_ROUTES:
            raise InvalidInput(
                f"department_evaluation must be one of {', '.join(DEPARTMENT_ROUTES)}, "
                f"not {forced!r}",
                errors={"department_evaluation": "unknown"},
            )
        if forced == "third_party" and not evaluators:
            raise InvalidInput(
                "no evaluator organisation in the region to commission",
                errors={"department_evaluation": "no evaluator"},
            )
        return forced
    if department is None:
        return "none"
    settings = policy.setting(
        session, "department_evaluation", fiscal_year.region_code, fiscal_year.year
    )
    if _fraction(project, "department_evaluation") >= float(settings["share"]):
        return "none"
    commissioned = _fraction(project, "third_party") < float(settings["third_party_share"])
    # Without a contracted evaluator in the region the department evaluates on its own.
    return "third_party" if commissioned and evaluators else "department"


def _third_party(evaluators: list[int], digest: int) -> int:
    """The firm a department commissions: never the key evaluator when there is a choice."""
    if len(evaluators) == 1:
        return evaluators[0]
    key_index = digest % len(evaluators)
    return evaluators[(key_index + 1 + (digest >> 8) % (len(evaluators) - 1)) % len(evaluators)]


def start_cycle(session: Session, engine, project: Project, actor: Actor, **options):
    """Start the budget cycle of one project for its fiscal year (once)."""
    key = business_key(project)
    running = session.scalars(
        select(ProcessInstance.id).where(ProcessInstance.business_key == key)
    ).first()
    if running is not None:
        raise Conflict(f"project {project.code} already has a budget cycle (instance {running})")
    return engine.start(session, CYCLE_PROCESS, key, cycle_data(session, project, **options), actor)


def next_fiscal_year(call: ServiceCall, year: FiscalYear) -> FiscalYear:
    """The region's following fiscal year, created when first needed."""
    query = select(FiscalYear).where(
        FiscalYear.region_code == year.region_code, FiscalYear.year == year.year + 1
    )
    following = call.session.scalars(query).first()
    if following is None:
        # Several workers may carry projects forward at once: one row gets in.
        insert_once(
            call.session,
            FiscalYear,
            {"region_code": year.region_code, "year": year.year + 1},
            ["region_code", "year"],
        )
        following = call.session.scalars(query).one()
    return following


def carry_forward(call: ServiceCall) -> dict:
    """Next year's project (same code number), its draft targets, and its cycle."""
    project = project_of(call)
    allocation = call.session.get(
        Allocation, (call.data.get("allocation") or {}).get("allocation_id")
    )
    # The confirmed (or overridden) allocation decides, not the rules' proposal.
    if (
        not project.is_continuing
        or project.status is ProjectStatus.CANCELLED
        or allocation is None
        or allocation.amount == 0
    ):
        return {"started": False, "reason": "not continued"}
    year = fiscal_year_of(call, project)
    code = f"{year.year + 1}-{project.code.split('-', 1)[1]}"
    existing = call.session.scalars(select(Project).where(Project.code == code)).first()
    if existing is not None:
        return {"started": False, "reason": f"{code} already exists", "project_code": code}
    following = next_fiscal_year(call, year)
    successor = Project(
        code=code,
        name=project.name,
        fiscal_year_id=following.id,
        unit_id=project.unit_id,
        functional_class=project.functional_class,
        kind=project.kind,
        budget_type=project.budget_type,
        is_continuing=True,
        is_livelihood_exempt=project.is_livelihood_exempt,
        predecessor_id=project.id,
        requested_amount=allocation.amount if allocation else project.requested_amount,
    )
    call.session.add(successor)
    call.session.flush()
    copy = _copy_targets(call.session, project, successor)
    # Next year's table is filed on the frame the region chose for that year (the 2021 frame
    # where it switched); the copy moves there, its weights scaled to the new items.
    frame = frame_for(call.session, following.region_code, following.year)
    if copy is not None and copy.frame_id != frame.id:
        apply_move(call.session, copy, frame)
    outcome = call.engine.start(
        call.session,
        CYCLE_PROCESS,
        business_key(successor),
        cycle_data(call.session, successor),
        call.actor,
    )
    if not outcome.ok:
        raise RuntimeError(f"next year's cycle could not start: {outcome.error}")
    return {"started": True, "project_code": code, "instance_id": outcome.instance_id}


def _copy_targets(session: Session, project: Project, successor: Project) -> TargetTable | None:
    table = session.scalars(
        select(TargetTable)
        .where(TargetTable.project_id == project.id)
        .order_by(TargetTable.revision.desc())
    ).first()
    if table is None:
        return None
    copy = TargetTable(
        project_id=successor.id, revision=1, frame_id=table.frame_id, goal=table.goal
    )
    session.add(copy)
    session.flush()
    columns = (
        "node_id",
        "position",
        "name",
        "operator",
        "target_value",
        "target_text",
        "unit_of_measure",
        "weight",
        "basis",
        "scoring_note",
        "library_code",
    )
    for indicator in session.scalars(
        select(Indicator).where(Indicator.target_table_id == table.id)
    ):
        session.add(
            Indicator(
                target_table_id=copy.id, **{name: getattr(indicator, name) for name in columns}
            )
        )
    session.flush()
    return copy
