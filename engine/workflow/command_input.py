"""What a command takes from its caller, checked before any work: the form data, and the task.

Data must be plain JSON under names a script can use; a task must be ready, visible to the
actor and meant for the actor's role (and organisation). These are the caller's errors, so
they are raised as such and never become incidents.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Row, bindparam, select
from sqlalchemy.orm import Session

from engine.actors import Actor
from engine.errors import Conflict, Forbidden, InvalidInput, NotFound
from engine.models import HumanTask, ProcessInstance

MAX_FORM_BYTES = 256 * 1024
_tasks = HumanTask.__table__
# Built once: the first statement of every task completion reads the task and its instance
# (the instance as the row stands now, whatever the session held of it).
TASK_AND_INSTANCE = (
    select(_tasks, ProcessInstance)
    .join_from(_tasks, ProcessInstance, ProcessInstance.id == _tasks.c.instance_id)
    .where(_tasks.c.id == bindparam("task_id"))
    .execution_options(populate_existing=True)
)


def check_data(data: Any) -> None:
    """Refuse data that is not an object of plain JSON values under valid names, or too large."""
    if not isinstance(data, dict):
        raise InvalidInput("task data must be an object of named values", errors={"data": "type"})
    for key in data:
        if not isinstance(key, str) or not key.isidentifier() or key.startswith("_"):
            raise InvalidInput(
                f"'{key}' is not a valid field name (letters, digits and _; not starting with _)",
                errors={str(key): "invalid name"},
            )
    try:
        size = len(json.dumps(data, ensure_ascii=False, allow_nan=False))
    except (TypeError, ValueError):
        raise InvalidInput("task data must be plain JSON values", errors={"data": "type"}) from None
    if size > MAX_FORM_BYTES:
        raise InvalidInput(
            f"task data is {size:,} bytes; at most {MAX_FORM_BYTES:,}", errors={"data": "too large"}
        )


def ready_task(session: Session, actor: Actor, human_task_id: int) -> tuple[Row, ProcessInstance]:
    """The work-queue row of a ready task the actor may complete, and its instance."""
    row = session.execute(TASK_AND_INSTANCE, {"task_id": human_task_id}).first()
    if row is None or not _may_see(actor, row):
        raise NotFound(f"no task {human_task_id}")
    if row.status != "ready":
        raise Conflict(f"task {human_task_id} is already {row.status}", errors={"task": "done"})
    if not actor.operator and (
        actor.role != row.role or (row.org_id is not None and actor.org_id != row.org_id)
    ):
        raise Forbidden(
            f"task {human_task_id} is for role '{row.role}' of another organisation"
            if actor.role == row.role
            else f"task {human_task_id} is for role '{row.role}'"
        )
    return row, row.ProcessInstance


def _may_see(actor: Actor, row: HumanTask) -> bool:
    return (
        actor.operator
        or row.org_id is None
        or actor.org_id == row.org_id
        or (actor.role == row.role and row.org_id is None)
    )
