"""Monitoring reports as the caller may see them, each with its round and per-indicator rows."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.actors import Actor
from engine.errors import NotFound
from engine.identity.access import project_scope
from engine.models import (
    FiscalYear,
    Indicator,
    MonitoringReport,
    MonitoringRow,
    MonitoringTask,
    Project,
    TargetTable,
)
from engine.monitoring.alert_queries import MAX_ID
from engine.paging import Page, paginate, sort_by

# Both indexed: the primary key and ix_monitoring_report_project_id.
REPORT_SORTS = {"id": MonitoringReport.id, "project_id": MonitoringReport.project_id}


@dataclass(frozen=True)
class ReportFilter:
    project_id: int | None = None
    task_id: int | None = None
    round: str | None = None
    year: int | None = None
    status: str | None = None


@dataclass(frozen=True)
class ReportView:
    report: MonitoringReport
    project: Project
    task: MonitoringTask
    year: int
    rows: tuple[RowView, ...] = ()

    def __getattr__(self, name):
        return getattr(self.report, name)


@dataclass(frozen=True)
class RowView:
    row: MonitoringRow
    indicator: Indicator

    def __getattr__(self, name):
        return getattr(self.row, name)


def _scoped(actor: Actor):
    return (
        select(MonitoringReport, Project, MonitoringTask, FiscalYear.year)
        .join(Project, Project.id == MonitoringReport.project_id)
        .join(MonitoringTask, MonitoringTask.id == MonitoringReport.task_id)
        .join(FiscalYear, FiscalYear.id == MonitoringTask.fiscal_year_id)
        .where(project_scope(actor))
    )


def list_reports(
    session: Session, actor: Actor, where: ReportFilter, page: int, per_page: int, sort=None
) -> Page:
    """The reports `actor` may see, newest first unless asked otherwise."""
    stmt = _scoped(actor)
    if where.project_id is not None:
        stmt = stmt.where(MonitoringReport.project_id == where.project_id)
    if where.task_id is not None:
        stmt = stmt.where(MonitoringReport.task_id == where.task_id)
    if where.round:
        stmt = stmt.where(MonitoringTask.round_code == where.round)
    if where.year is not None:
        stmt = stmt.where(FiscalYear.year == where.year)
    if where.status:
        stmt = stmt.where(MonitoringReport.status == where.status)
    stmt = sort_by(stmt, sort or "-id", REPORT_SORTS, MonitoringReport.id)
    result = paginate(session, stmt, page, per_page, scalars=False)
    items = [ReportView(*row) for row in result.items]
    return Page(items, result.page, result.per_page, result.total)


def get_report(session: Session, actor: Actor, report_id: int) -> ReportView:
    """One report with its rows in the target table's order; NotFound outside the scope."""
    found = None
    if 1 <= report_id <= MAX_ID:  # ids past BIGINT exist nowhere (and cannot be bound)
        stmt = _scoped(actor).where(MonitoringReport.id == report_id)
        found = session.execute(stmt).one_or_none()
    if found is None:
        raise NotFound(
            f"no monitoring report {report_id}",
            errors={"report": "not found"},
            key="no_monitoring_report",
            params={"id": report_id},
        )
    rows = session.execute(
        select(MonitoringRow, Indicator)
        .join(Indicator, Indicator.id == MonitoringRow.indicator_id)
        .where(MonitoringRow.report_id == report_id)
        .order_by(Indicator.position, Indicator.id)
    ).all()
    return ReportView(*found, rows=tuple(RowView(*row) for row in rows))


def current_indicators(session: Session, project_id: int) -> list[Indicator]:
    """The indicators of the project's latest target table, in the table's order."""
    table_id = (
        select(TargetTable.id)
        .where(TargetTable.project_id == project_id)
        .order_by(TargetTable.revision.desc())
        .limit(1)
        .scalar_subquery()
    )
    return list(
        session.scalars(
            select(Indicator)
            .where(Indicator.target_table_id == table_id)
            .order_by(Indicator.position, Indicator.id)
        )
    )


def open_report(session: Session, project_id: int) -> ReportView | None:
    """The project's newest monitoring report with its round (the one a report task fills)."""
    found = session.execute(
        select(MonitoringReport, Project, MonitoringTask, FiscalYear.year)
        .join(Project, Project.id == MonitoringReport.project_id)
        .join(MonitoringTask, MonitoringTask.id == MonitoringReport.task_id)
        .join(FiscalYear, FiscalYear.id == MonitoringTask.fiscal_year_id)
        .where(MonitoringReport.project_id == project_id)
        .order_by(MonitoringReport.id.desc())
        .limit(1)
    ).one_or_none()
    return ReportView(*found) if found else None
