"""Target tables, the indicator library and a project's history, as the caller may see them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, selectinload

from engine.actors import Actor
from engine.errors import NotFound
from engine.evaluation.queries import evaluations_in_scope
from engine.identity.access import project_scope, scoped_by_project
from engine.identity.permissions import Permission, may
from engine.models import (
    Alert,
    Allocation,
    AuditEvent,
    Evaluation,
    FiscalYear,
    FrameNode,
    FundingDecision,
    HumanTask,
    IndicatorLibraryItem,
    MonitoringReport,
    Project,
    RectificationOrder,
    TargetTable,
)
from engine.models.enums import Role
from engine.paging import Page, paginate, sort_by

TABLE_SORTS = {"id": TargetTable.id, "status": TargetTable.status}
LIBRARY_SORTS = {"code": IndicatorLibraryItem.code, "id": IndicatorLibraryItem.id}
REVIEW_PROCESS = "review__target_table"
FILING_FORM = "target_table"


@dataclass(frozen=True)
class TableFilter:
    project_id: int | None = None
    status: str | None = None
    year: int | None = None


def list_target_tables(
    session: Session, actor: Actor, where: TableFilter, page: int, per_page: int, sort=None
) -> Page:
    stmt = scoped_by_project(
        select(TargetTable).options(joinedload(TargetTable.project)), actor, TargetTable
    )
    if where.project_id is not None:
        stmt = stmt.where(TargetTable.project_id == where.project_id)
    if where.status:
        stmt = stmt.where(TargetTable.status == where.status)
    if where.year is not None:
        stmt = stmt.where(
            TargetTable.project_id.in_(
                select(Project.id)
                .join(FiscalYear, FiscalYear.id == Project.fiscal_year_id)
                .where(FiscalYear.year == where.year)
            )
        )
    return paginate(session, sort_by(stmt, sort, TABLE_SORTS, TargetTable.id), page, per_page)


def get_target_table(session: Session, actor: Actor, table_id: int) -> TargetTable:
    """The table with its project, frame and indicators, if `actor` may see it; else NotFound."""
    stmt = scoped_by_project(
        select(TargetTable)
        .options(
            joinedload(TargetTable.project).joinedload(Project.unit),
            joinedload(TargetTable.frame),
            selectinload(TargetTable.indicators),
        )
        .where(TargetTable.id == table_id),
        actor,
        TargetTable,
    )
    table = session.scalars(stmt).unique().one_or_none()
    if table is None:
        raise NotFound(
            f"no target table {table_id}",
            errors={"target_table": "not found"},
            key="no_target_table",
            params={"id": table_id},
        )
    return table


def latest_table_of(session: Session, actor: Actor, project_id: int) -> TargetTable:
    """A visible project's newest target-table revision; NotFound if none (or not visible)."""
    table_id = session.scalar(
        select(TargetTable.id)
        .join(Project, Project.id == TargetTable.project_id)
        .where(TargetTable.project_id == project_id, project_scope(actor))
        .order_by(TargetTable.revision.desc())
        .limit(1)
    )
    if table_id is None:
        raise NotFound(f"project {project_id} has no target table", errors={"project": "none"})
    return get_target_table(session, actor, table_id)


def frame_nodes(session: Session, frame_id: int) -> list[FrameNode]:
    return list(
        session.scalars(
            select(FrameNode)
            .where(FrameNode.frame_id == frame_id)
            .order_by(FrameNode.level, FrameNode.position, FrameNode.id)
        )
    )


@dataclass(frozen=True)
class LibraryFilter:
    functional_class: str | None = None
    level1: str | None = None
    level2: str | None = None
    q: str | None = None


def list_library(
    session: Session, where: LibraryFilter, page: int, per_page: int, sort=None
) -> Page:
    """The common indicators (public reference data: every signed-in role may read them)."""
    stmt = select(IndicatorLibraryItem)
    if where.functional_class:
        stmt = stmt.where(IndicatorLibraryItem.functional_class == where.functional_class)
    if where.level1:
        stmt = stmt.where(IndicatorLibraryItem.level1 == where.level1)
    if where.level2:
        stmt = stmt.where(IndicatorLibraryItem.level2 == where.level2)
    if where.q:
        stmt = stmt.where(IndicatorLibraryItem.name.contains(where.q, autoescape=True))
    return paginate(
        session, sort_by(stmt, sort, LIBRARY_SORTS, IndicatorLibraryItem.id), page, per_page
    )


def library_item(session: Session, item_id: int) -> IndicatorLibraryItem:
    item = session.get(IndicatorLibraryItem, item_id)
    if item is None:
        raise NotFound(
            f"no library indicator {item_id}",
            errors={"item": "not found"},
            key="no_library_indicator",
            params={"id": item_id},
        )
    return item


@dataclass(frozen=True)
class ReviewNote:
    """One reviewer's decision on a filed target table, from the audit log."""

    at: datetime
    actor: str
    element: str
    outcome: str
    comment: str


def review_notes(session: Session, project: Project, process: str = REVIEW_PROCESS) -> list:
    """The review decisions (newest first) taken on the project's documents of `process`."""
    task_ids = set(
        session.scalars(
            select(HumanTask.id).where(
                HumanTask.business_key.endswith(f":{project.code}"),
                HumanTask.process_key == process,
                HumanTask.form == "review",
                HumanTask.status == "completed",
            )
        )
    )
    if not task_ids:
        return []
    instance_ids = {
        str(i)
        for i in session.scalars(select(HumanTask.instance_id).where(HumanTask.id.in_(task_ids)))
    }
    events = session.scalars(
        select(AuditEvent)
        .where(
            AuditEvent.object_type == "process_instance",
            AuditEvent.object_id.in_(instance_ids),
            AuditEvent.action == "task.complete",
        )
        .order_by(AuditEvent.seq.desc())
    )
    notes = []
    for event in events:
        payload = event.payload or {}
        if payload.get("task") not in task_ids:
            continue
        data = payload.get("data") or {}
        notes.append(
            ReviewNote(
                event.at,
                event.actor,
                str(payload.get("element", "")),
                str(data.get("outcome", "")),
                str(data.get("comment", "")),
            )
        )
    return notes


def owns(actor: Actor, project) -> bool:
    """Whether `actor` files this project's targets: a role that files, of the owning unit."""
    return may(actor, Permission.FILE_TARGETS) and actor.org_id == project.unit_id


def filing_task(session: Session, actor: Actor, project: Project) -> HumanTask | None:
    """The caller's ready task of filing or revising this project's targets, if any."""
    if not owns(actor, project):
        return None
    return session.scalars(
        select(HumanTask)
        .where(
            HumanTask.business_key.endswith(f":{project.code}"),
            HumanTask.status == "ready",
            HumanTask.role == Role.UNIT,
            (HumanTask.form == FILING_FORM)
            | ((HumanTask.form == "revise") & (HumanTask.process_key == REVIEW_PROCESS)),
        )
        .order_by(HumanTask.id.desc())
        .limit(1)
    ).first()


@dataclass
class History:
    """Everything that happened to one project, each list oldest first."""

    project: Project
    target_tables: list = field(default_factory=list)
    monitoring_reports: list = field(default_factory=list)
    alerts: list = field(default_factory=list)
    evaluations: list = field(default_factory=list)
    rectification_orders: list = field(default_factory=list)
    funding_decisions: list = field(default_factory=list)
    allocations: list = field(default_factory=list)
    successors: list = field(default_factory=list)
    predecessor: Project | None = None


def project_history(session: Session, actor: Actor, project: Project) -> History:
    """The documents of a project `actor` has been shown (so it is visible to them)."""

    def rows(model, *order):
        return list(
            session.scalars(
                select(model).where(model.project_id == project.id).order_by(*order, model.id)
            )
        )

    return History(
        project=project,
        target_tables=rows(TargetTable, TargetTable.revision),
        monitoring_reports=rows(MonitoringReport),
        alerts=rows(Alert, Alert.raised_at),
        # Listed only where they can be opened: a third party sees its own evaluations alone.
        evaluations=list(
            session.scalars(
                evaluations_in_scope(select(Evaluation), actor)
                .where(Evaluation.project_id == project.id)
                .order_by(Evaluation.created_at, Evaluation.id)
            )
        ),
        rectification_orders=rows(RectificationOrder, RectificationOrder.issued_at),
        funding_decisions=rows(FundingDecision, FundingDecision.decided_at),
        allocations=rows(Allocation),
        successors=list(
            session.scalars(
                select(Project)
                .where(Project.predecessor_id == project.id, project_scope(actor))
                .order_by(Project.id)
            )
        ),
        predecessor=session.scalars(
            select(Project).where(Project.id == project.predecessor_id, project_scope(actor))
        ).one_or_none()
        if project.predecessor_id
        else None,
    )
