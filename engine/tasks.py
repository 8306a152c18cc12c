"""Completing a user task on behalf of a person: form checks first, then the engine."""

from __future__ import annotations

from sqlalchemy.orm import Session

from engine.actors import Actor
from engine.drafts import clear_after_completion
from engine.forms import validate_form
from engine.queries.tasks import get_task
from engine.workflow.runtime import Outcome, WorkflowEngine


def complete(
    session: Session,
    workflow: WorkflowEngine,
    task_id: int,
    data: dict,
    actor: Actor,
    expected_version: int | None = None,
) -> Outcome:
    """Validate `data` against the task's form and complete it (409 if already done)."""
    item = get_task(session, actor, task_id)
    checked = validate_form(item.task.form, data)
    outcome = workflow.complete_task(session, task_id, checked, actor, expected_version)
    # A saved draft (暂存) is of no use once the task is done; an incident leaves it ready.
    clear_after_completion(session, actor, task_id)
    return outcome
