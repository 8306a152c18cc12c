"""Operators' side of incidents: replay the failed command, or close it with a note."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import update
from sqlalchemy.orm import Session

from engine import audit
from engine.actors import Actor
from engine.errors import Conflict, InvalidInput, NotFound
from engine.models import Incident, ProcessInstance

if TYPE_CHECKING:
    from engine.workflow.runtime import Outcome, WorkflowEngine


def _open_incident(session: Session, incident_id: int) -> Incident:
    incident = session.get(Incident, incident_id)
    if incident is None:
        raise NotFound(f"no incident {incident_id}")
    if incident.resolved_at is not None:
        raise Conflict(f"incident {incident_id} was already {incident.resolution}")
    return incident


def retry(engine: WorkflowEngine, session: Session, incident_id: int, actor: Actor) -> Outcome:
    """Replay the command that failed; on success the incident is resolved."""
    incident = _open_incident(session, incident_id)
    command = incident.command
    original = Actor.from_dict(command["actor"])
    if incident.instance_id is not None:
        instance = engine._instance(session, incident.instance_id, allow_incident=True)
        session.execute(
            update(ProcessInstance)
            .where(ProcessInstance.id == instance.id)
            .values(status="running")
            .execution_options(synchronize_session=False)
        )
        session.expire(instance)
    if command["kind"] == "start":
        outcome = engine.start(
            session, command["process_key"], command["business_key"], command["data"], original
        )
    elif command["kind"] == "complete_task":
        outcome = engine.complete_task(session, command["human_task_id"], command["data"], original)
    else:
        outcome = engine.fire_timers(session, command["instance_id"], original)
    if outcome.ok:
        incident.resolved_at, incident.resolved_by = engine.clock(), actor.name
        incident.resolution = "retried"
    else:
        # The replay failed again and opened a fresh incident: fold it into this one.
        again = session.get(Incident, outcome.incident_id)
        incident.attempts += 1
        incident.error = again.error
        session.delete(again)
        outcome = type(outcome)(outcome.instance_id, outcome.status, incident.id, incident.error)
    audit.append(
        session,
        actor=actor.name,
        action="incident.retry",
        object_type="incident",
        object_id=incident.id,
        payload={"ok": outcome.ok, "attempts": incident.attempts},
    )
    session.flush()
    return outcome


def resolve(engine: WorkflowEngine, session: Session, incident_id: int, actor: Actor, note: str):
    """Close an incident without replaying it; the instance stays in its last wait state."""
    if not note or not note.strip():
        raise InvalidInput("a note saying why is required", errors={"note": "required"})
    incident = _open_incident(session, incident_id)
    incident.resolved_at, incident.resolved_by = engine.clock(), actor.name
    incident.resolution = "dismissed"
    if incident.instance_id is not None:
        instance = engine._instance(session, incident.instance_id, allow_incident=True)
        result = session.execute(
            update(ProcessInstance)
            .where(ProcessInstance.id == instance.id, ProcessInstance.version == instance.version)
            .values(status="running", version=instance.version + 1)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:
            raise Conflict(f"process instance {instance.id} was changed meanwhile")
    audit.append(
        session,
        actor=actor.name,
        action="incident.resolve",
        object_type="incident",
        object_id=incident.id,
        payload={"note": note.strip()},
    )
    session.flush()
    return incident
