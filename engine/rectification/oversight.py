"""What supervisors watch besides alerts: rectification orders past their closure date."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, aliased

from engine.actors import Actor
from engine.identity.access import project_scope
from engine.models import Organisation, Project, RectificationOrder
from engine.models.enums import RectificationStatus

UNIT = aliased(Organisation, name="overdue_unit")


@dataclass(frozen=True)
class OverdueOrder:
    order: RectificationOrder
    project: Project
    unit: Organisation
    days_late: int


def overdue_rectifications(
    session: Session, actor: Actor, today: date, limit: int = 20
) -> tuple[list[OverdueOrder], int]:
    """Unclosed orders flagged overdue or past their closure date, longest late first; and how
    many there are in all."""
    late = (
        select(RectificationOrder, Project, UNIT)
        .join(Project, Project.id == RectificationOrder.project_id)
        .join(UNIT, UNIT.id == Project.unit_id)
        .where(
            project_scope(actor),
            RectificationOrder.status != RectificationStatus.CLOSED,
            or_(RectificationOrder.overdue.is_(True), RectificationOrder.close_due < today),
        )
    )
    rows = session.execute(
        late.order_by(RectificationOrder.close_due, RectificationOrder.id).limit(limit)
    ).all()
    total = len(rows)
    if total == limit:
        total = session.scalar(select(func.count()).select_from(late.order_by(None).subquery()))
    orders = [
        OverdueOrder(order, project, unit, max(0, (today - order.close_due).days))
        for order, project, unit in rows
    ]
    return orders, total
