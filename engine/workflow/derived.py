"""Keep the work queue (`human_task`) and the timer table in step with an instance's state."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select
from sqlalchemy.orm import Session

from bpmn.timers import timer_due_at
from bpmn.validation import role_of
from engine.models import HumanTask, ProcessInstance, Timer


def _property(task_spec, name: str):
    return ((getattr(task_spec, "extensions", None) or {}).get("properties") or {}).get(name)


def ready_human_tasks(workflow: BpmnWorkflow) -> dict[str, object]:
    """Ready user and manual tasks by task id."""
    return {str(task.id): task for task in workflow.get_tasks(state=TaskState.READY, manual=True)}


def waiting_timers(workflow: BpmnWorkflow) -> dict[str, tuple[object, datetime]]:
    """Waiting timer events with their due time, by task id."""
    timers = {}
    for task in workflow.get_tasks(state=TaskState.WAITING):
        definition = getattr(task.task_spec, "event_definition", None)
        if isinstance(definition, TimerEventDefinition):
            due = timer_due_at(task)
            if due is not None:
                timers[str(task.id)] = (task, due)
    return timers


def called_name(task) -> str:
    """The process a task belongs to, as its caller named it (e.g. `review__target_table`)."""
    workflow = task.workflow
    parent_id = getattr(workflow, "parent_task_id", None)
    if parent_id is not None and workflow.top_workflow is not workflow:
        parent = _find(workflow.top_workflow, str(parent_id))
        if parent is not None and getattr(parent.task_spec, "spec", None):
            return parent.task_spec.spec
    return workflow.spec.name


def unscheduled_timers(workflow: BpmnWorkflow) -> list:
    """Waiting timer events that have not computed their due time yet."""
    return [
        task
        for task in workflow.get_tasks(state=TaskState.WAITING)
        if isinstance(getattr(task.task_spec, "event_definition", None), TimerEventDefinition)
        and task._get_internal_data("event_value") is None
    ]


def _org_scope(task, role: str) -> int | None:
    # A unit's task is that unit's; its department reviews level 1; the finance desk level 2.
    value = task.data.get(f"{role}_org_id")
    return value if isinstance(value, int) else None


def _due(task, script_engine) -> datetime | None:
    expression = _property(task.task_spec, "due")
    if not expression:
        return None
    try:
        value = script_engine.evaluate(task, expression)
        return TimerEventDefinition.get_datetime(str(value))
    except Exception:
        # A due date is advice for the inbox; a bad one must not stop the process.
        return None


def refresh(
    session: Session,
    instance: ProcessInstance,
    workflow: BpmnWorkflow,
    *,
    now: datetime,
    actor_name: str,
    completed_task_id: str | None = None,
) -> None:
    """Insert newly ready tasks and timers; close the ones that are gone."""
    ready = ready_human_tasks(workflow)
    open_rows = {
        row.task_id: row
        for row in session.scalars(
            select(HumanTask).where(
                HumanTask.instance_id == instance.id, HumanTask.status == "ready"
            )
        )
    }
    for task_id, row in open_rows.items():
        if task_id not in ready:
            row.status = "completed" if task_id == completed_task_id else "cancelled"
            row.completed_by = actor_name
            row.completed_at = now
    for task_id, task in ready.items():
        if task_id in open_rows:
            continue
        role = role_of(task.task_spec) or ""
        session.add(
            HumanTask(
                instance_id=instance.id,
                task_id=task_id,
                element_id=task.task_spec.bpmn_id,
                name=(task.task_spec.bpmn_name or task.task_spec.bpmn_id)[:200],
                process_key=called_name(task),
                role=role,
                org_id=_org_scope(task, role),
                form=_property(task.task_spec, "form"),
                business_key=instance.business_key,
                status="ready",
                due_at=_due(task, workflow.script_engine),
                created_at=now,
            )
        )
    _refresh_timers(session, instance, workflow, now)
    session.flush()


def _refresh_timers(session, instance, workflow, now) -> None:
    waiting = waiting_timers(workflow)
    rows = {
        row.task_id: row
        for row in session.scalars(
            select(Timer).where(Timer.instance_id == instance.id, Timer.status == "waiting")
        )
    }
    for task_id, row in rows.items():
        if task_id not in waiting:
            task = _find(workflow, task_id)
            fired = task is not None and task.has_state(TaskState.COMPLETED)
            row.status = "fired" if fired else "cancelled"
            row.fired_at = now if fired else None
        elif waiting[task_id][1] != row.due_at:
            row.due_at = waiting[task_id][1]  # a cycle timer moved on to its next occurrence
    for task_id, (task, due) in waiting.items():
        if task_id not in rows:
            session.add(
                Timer(
                    instance_id=instance.id,
                    task_id=task_id,
                    element_id=task.task_spec.bpmn_id,
                    name=(task.task_spec.bpmn_name or task.task_spec.bpmn_id)[:200],
                    due_at=due,
                    status="waiting",
                )
            )


def _find(workflow: BpmnWorkflow, task_id: str):
    """The task with this id, or None once it has left the tree (a finished subprocess)."""
    try:
        return workflow.get_task_from_id(UUID(task_id))
    except Exception:
        return None
