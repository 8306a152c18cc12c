"""What operators read: the audit log (filtered, in chain order) and incidents."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.errors import NotFound
from engine.models import AuditEvent, Incident, ProcessInstance
from engine.paging import Page, paginate, sort_by

# `seq` is unique (so indexed) and is the chain's own order.
AUDIT_SORTS = {"seq": AuditEvent.seq}
INCIDENT_SORTS = {"created_at": Incident.created_at, "id": Incident.id}
INCIDENT_STATUSES = ("open", "resolved", "all")


@dataclass(frozen=True)
class AuditFilters:
    action: str | None = None
    object_type: str | None = None
    object_id: str | None = None
    actor: str | None = None
    since: datetime | None = None  # inclusive
    until: datetime | None = None  # exclusive


def audit_events(
    session: Session, filters: AuditFilters, page: int, per_page: int, sort: str | None = "-seq"
) -> Page:
    """Audit events matching every given filter; newest first unless `sort` is "seq"."""
    stmt = select(AuditEvent)
    if filters.action:
        stmt = stmt.where(AuditEvent.action == filters.action)
    if filters.object_type:
        stmt = stmt.where(AuditEvent.object_type == filters.object_type)
    if filters.object_id:
        stmt = stmt.where(AuditEvent.object_id == filters.object_id)
    if filters.actor:
        stmt = stmt.where(AuditEvent.actor == filters.actor)
    if filters.since:
        stmt = stmt.where(AuditEvent.at >= filters.since)
    if filters.until:
        stmt = stmt.where(AuditEvent.at < filters.until)
    return paginate(
        session, sort_by(stmt, sort or "-seq", AUDIT_SORTS, AuditEvent.id), page, per_page
    )


def audit_actions(session: Session) -> list[str]:
    """The actions the log holds, for a filter's choices (action is indexed)."""
    return list(session.scalars(select(AuditEvent.action).distinct().order_by(AuditEvent.action)))


@dataclass(frozen=True)
class IncidentItem:
    incident: Incident
    # Of the process instance (not its state, which can be large): None without an instance.
    process_key: str | None
    business_key: str | None
    instance_status: str | None

    @property
    def status(self) -> str:
        return "open" if self.incident.resolved_at is None else "resolved"

    @property
    def command_kind(self) -> str | None:
        command = self.incident.command
        return command.get("kind") if isinstance(command, dict) else None


def incidents(
    session: Session, status: str, page: int, per_page: int, sort: str | None = "-created_at"
) -> Page:
    """Incidents by status (open, resolved or all), newest first by default, each with its
    process instance."""
    stmt = _with_instance(select(Incident))
    if status == "open":
        stmt = stmt.where(Incident.resolved_at.is_(None))
    elif status == "resolved":
        stmt = stmt.where(Incident.resolved_at.is_not(None))
    result = paginate(
        session,
        sort_by(stmt, sort or "-created_at", INCIDENT_SORTS, Incident.id),
        page,
        per_page,
        scalars=False,
    )
    items = [IncidentItem(*row) for row in result.items]
    return Page(items, result.page, result.per_page, result.total)


def get_incident(session: Session, incident_id: int) -> IncidentItem:
    row = session.execute(
        _with_instance(select(Incident)).where(Incident.id == incident_id)
    ).first()
    if row is None:
        raise NotFound(
            f"no incident {incident_id}",
            errors={"incident": "not found"},
            key="no_incident",
            params={"id": incident_id},
        )
    return IncidentItem(*row)


def _with_instance(stmt):
    return stmt.add_columns(
        ProcessInstance.process_key, ProcessInstance.business_key, ProcessInstance.status
    ).outerjoin(ProcessInstance, ProcessInstance.id == Incident.instance_id)
