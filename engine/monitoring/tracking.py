"""Acknowledging and resolving alerts as a caller: scope first, then role, then the lifecycle.

An alert outside the caller's scope is NotFound (404) whatever their role; inside it, the
role decides (403). Supervisors, the finance desk and the performance division acknowledge;
only finance and performance resolve, because supervisors write nothing but acknowledgements.
Units answer their alerts through the monitoring process's `alert_response` task, and
departments review those answers there, so neither tracks alerts here.
Acknowledging twice is a 409 (the alert is no longer open), never a silent success: the
second caller learns that someone else got there first, and who (the alert says).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from engine.actors import Actor
from engine.identity.permissions import Permission, may, require
from engine.monitoring import lifecycle
from engine.monitoring.alert_queries import AlertView, get_alert


def may_acknowledge(actor: Actor) -> bool:
    return may(actor, Permission.ACKNOWLEDGE_ALERTS)


def acknowledge(session: Session, actor: Actor, alert_id: int, version: int) -> AlertView:
    """Record that `actor` has seen the alert (409 if it moved on since `version`)."""
    get_alert(session, actor, alert_id)
    require(actor, Permission.ACKNOWLEDGE_ALERTS, "acknowledging an alert")
    lifecycle.acknowledge(session, alert_id, actor, expected_version=version)
    return get_alert(session, actor, alert_id)


def resolve(session: Session, actor: Actor, alert_id: int, version: int, note: str) -> AlertView:
    """Close the alert with a note on how it was dealt with (409 if it moved on)."""
    get_alert(session, actor, alert_id)
    require(actor, Permission.RESOLVE_ALERTS, "resolving an alert")
    lifecycle.resolve(session, alert_id, actor, note, expected_version=version)
    return get_alert(session, actor, alert_id)
