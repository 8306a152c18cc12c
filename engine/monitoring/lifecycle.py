"""Supervisors track alerts: open → acknowledged → resolved, with who and when."""

from __future__ import annotations

from sqlalchemy.orm import Session

from engine import audit
from engine.actors import Actor
from engine.errors import Conflict, Forbidden, InvalidInput, NotFound
from engine.identity.permissions import Permission, may
from engine.models import Alert
from engine.models.enums import AlertStatus, Colour
from engine.models.types import utcnow


def _alert(session: Session, alert_id: int, actor: Actor, expected_version: int | None) -> Alert:
    # A unit answers its alerts through its monitoring task, never here.
    if not may(actor, Permission.TRACK_ALERTS):
        raise Forbidden(f"role '{actor.role}' does not track alerts")
    alert = session.get(Alert, alert_id)
    if alert is None:
        raise NotFound(f"no alert {alert_id}")
    if expected_version is not None and alert.version != expected_version:
        raise Conflict(
            f"alert {alert_id} changed meanwhile; reload it", errors={"version": "stale"}
        )
    if alert.colour is Colour.GREEN:
        raise InvalidInput(f"alert {alert_id} is green: there is nothing to track")
    return alert


def acknowledge(
    session: Session, alert_id: int, actor: Actor, expected_version: int | None = None
) -> Alert:
    """Note that someone responsible has seen the alert."""
    alert = _alert(session, alert_id, actor, expected_version)
    if alert.status is not AlertStatus.OPEN:
        raise Conflict(f"alert {alert_id} is already {alert.status.value}")
    alert.status = AlertStatus.ACKNOWLEDGED
    alert.acknowledged_by_id, alert.acknowledged_at = actor.user_id, utcnow()
    session.flush()
    audit.append(
        session,
        actor=actor.name,
        action="alert.acknowledge",
        object_type="alert",
        object_id=alert.id,
        payload={"colour": alert.colour.value},
    )
    return alert


def resolve(
    session: Session, alert_id: int, actor: Actor, note: str, expected_version: int | None = None
) -> Alert:
    """Close the alert, saying how it was dealt with."""
    if not note or not note.strip():
        raise InvalidInput("say how the alert was dealt with", errors={"note": "required"})
    alert = _alert(session, alert_id, actor, expected_version)
    if alert.status is AlertStatus.RESOLVED:
        raise Conflict(f"alert {alert_id} is already resolved")
    if alert.status is AlertStatus.OPEN:
        alert.acknowledged_by_id, alert.acknowledged_at = actor.user_id, utcnow()
    alert.status = AlertStatus.RESOLVED
    alert.resolved_by_id, alert.resolved_at = actor.user_id, utcnow()
    alert.response_text = alert.response_text or note.strip()
    session.flush()
    audit.append(
        session,
        actor=actor.name,
        action="alert.resolve",
        object_type="alert",
        object_id=alert.id,
        payload={"note": note.strip()},
    )
    return alert
