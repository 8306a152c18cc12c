"""Rectification orders as the caller may see them, and what happened to each.

The feedback, review and escalation steps are user tasks of the `rectification` process; an
order's history is read from those tasks and from the audit log of their completion (what was
entered), so nothing is recorded twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from engine.actors import Actor
from engine.errors import NotFound
from engine.identity.access import scoped_by_project
from engine.models import AuditEvent, HumanTask, Project, RectificationOrder
from engine.models.enums import RectificationStatus
from engine.paging import Page, paginate, sort_by

ORDER_SORTS = {"id": RectificationOrder.id, "project_id": RectificationOrder.project_id}
PROCESS = "rectification"


@dataclass(frozen=True)
class OrderFilter:
    status: str | None = None
    overdue: bool | None = None
    source: str | None = None
    project_id: int | None = None


def _scoped(stmt, actor: Actor):
    return scoped_by_project(stmt, actor, RectificationOrder)


def list_orders(
    session: Session, actor: Actor, where: OrderFilter, page: int, per_page: int, sort=None
) -> Page:
    stmt = _scoped(
        select(RectificationOrder).options(
            joinedload(RectificationOrder.project).joinedload(Project.unit)
        ),
        actor,
    )
    if where.status:
        stmt = stmt.where(RectificationOrder.status == where.status)
    if where.overdue is not None:
        stmt = stmt.where(RectificationOrder.overdue.is_(where.overdue))
    if where.source:
        stmt = stmt.where(RectificationOrder.source == where.source)
    if where.project_id is not None:
        stmt = stmt.where(RectificationOrder.project_id == where.project_id)
    return paginate(
        session, sort_by(stmt, sort or "-id", ORDER_SORTS, RectificationOrder.id), page, per_page
    )


def get_order(session: Session, actor: Actor, order_id: int) -> RectificationOrder:
    """The order if `actor` may see it; NotFound otherwise (whether or not it exists)."""
    order = session.scalars(
        _scoped(
            select(RectificationOrder)
            .options(joinedload(RectificationOrder.project).joinedload(Project.unit))
            .where(RectificationOrder.id == order_id),
            actor,
        )
    ).one_or_none()
    if order is None:
        raise NotFound(
            f"no rectification order {order_id}",
            errors={"order": "not found"},
            key="no_rectification_order",
            params={"id": order_id},
        )
    return order


@dataclass(frozen=True)
class Step:
    """One step of an order's life: issued, or a rectification task (ready or done)."""

    at: datetime
    step: str  # "issued" or the task's form
    status: str  # the task's status ("ready", "completed", "cancelled"), or "issued"
    task_id: int | None = None
    by: str | None = None
    due_at: datetime | None = None
    outcome: str | None = None
    text: str | None = None


def history(session: Session, order: RectificationOrder) -> list[Step]:
    """The order's steps in time order: its issue, then the tasks of its rectification process.

    A project may have several orders (a red alert during the year, a poor grade after it);
    each order owns the rectification tasks created between its issue and the next order's.
    """
    key = f"cycle:{order.project.code}"
    later = session.scalar(
        select(RectificationOrder.issued_at)
        .where(
            RectificationOrder.project_id == order.project_id,
            RectificationOrder.issued_at > order.issued_at,
        )
        .order_by(RectificationOrder.issued_at)
        .limit(1)
    )
    stmt = select(HumanTask).where(
        HumanTask.business_key == key,
        HumanTask.process_key == PROCESS,
        HumanTask.created_at >= order.issued_at,
    )
    if later is not None:
        stmt = stmt.where(HumanTask.created_at < later)
    tasks = session.scalars(stmt.order_by(HumanTask.created_at, HumanTask.id)).all()
    entered = _entered(session, [t for t in tasks if t.status == "completed"])
    steps = [Step(order.issued_at, "issued", "issued")]
    for task in tasks:
        data = entered.get(task.id, {})
        text = data.get("feedback") or data.get("comment")
        steps.append(
            Step(
                task.completed_at or task.created_at,
                task.form or task.element_id,
                task.status,
                task.id,
                task.completed_by,
                task.due_at,
                data.get("outcome") or data.get("action"),
                str(text) if text else None,
            )
        )
    return steps


def _entered(session: Session, tasks: list[HumanTask]) -> dict[int, dict]:
    """What was entered in each completed task, from the audit log of its completion."""
    if not tasks:
        return {}
    instances = {str(t.instance_id) for t in tasks}
    wanted = {t.id for t in tasks}
    events = session.scalars(
        select(AuditEvent).where(
            AuditEvent.action == "task.complete",
            AuditEvent.object_type == "process_instance",
            AuditEvent.object_id.in_(instances),
        )
    ).all()
    found = {}
    for event in events:
        task_id = (event.payload or {}).get("task")
        if task_id in wanted:
            found[task_id] = (event.payload or {}).get("data") or {}
    return found


def open_order_for(session: Session, project: Project | None) -> RectificationOrder | None:
    """The project's newest order still open (what a rectification task is about)."""
    if project is None:
        return None
    return (
        session.scalars(
            select(RectificationOrder)
            .where(
                RectificationOrder.project_id == project.id,
                RectificationOrder.status != RectificationStatus.CLOSED,
            )
            .order_by(RectificationOrder.id.desc())
            .limit(1)
        ).first()
        or session.scalars(
            select(RectificationOrder)
            .where(RectificationOrder.project_id == project.id)
            .order_by(RectificationOrder.id.desc())
            .limit(1)
        ).first()
    )


def reported_feedback(steps: list[Step]) -> str | None:
    """The unit's latest feedback as its completed steps recorded it."""
    reported = [
        step.text
        for step in steps
        if step.step == "rectification_feedback" and step.status == "completed" and step.text
    ]
    return reported[-1] if reported else None
