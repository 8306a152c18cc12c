"""Opening an incident: a command that failed inside the engine, kept for an operator.

The command's own writes were rolled back to its savepoint; what remains is the incident with
the command to replay (incidents.py), the instance marked as waiting for it, and the audit event.
"""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.orm import Session

from engine import audit
from engine.actors import Actor
from engine.errors import Conflict
from engine.models import Incident, ProcessInstance
from engine.workflow.failures import EngineFailure, describe


def open_incident(
    session: Session,
    instance: ProcessInstance | None,
    failure: EngineFailure,
    command: dict,
    actor: Actor,
    now: datetime,
) -> Incident:
    """Record the failure of `command` (on `instance`, None for a start) as an open incident."""
    error = describe(failure.error)
    incident = Incident(
        instance_id=instance.id if instance is not None else None,
        element_id=failure.element_id,
        error=error,
        command=json.loads(json.dumps(command)),
        created_at=now,
    )
    session.add(incident)
    if instance is not None:
        result = session.execute(
            update(ProcessInstance)
            .where(ProcessInstance.id == instance.id, ProcessInstance.version == instance.version)
            .values(status="incident", version=instance.version + 1)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:
            raise Conflict(f"process instance {instance.id} was changed meanwhile")
    session.flush()
    audit.append(
        session,
        actor=actor.name,
        action="incident.open",
        object_type="incident",
        object_id=incident.id,
        payload={
            "instance": incident.instance_id,
            "element": failure.element_id,
            "error": error,
            "command": command["kind"],
        },
    )
    return incident
