"""Keep the work queue (`human_task`) and the timer table in step with an instance's state.

Both tables are a function of the serialized state. A command takes a `Snapshot` of the state
right after loading it (which, by that invariant, is what the tables hold) and another after
running; only the difference is written, with no read of the tables at all.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import bindparam, insert, update
from sqlalchemy.orm import Session

from bpmn.timers import timer_due_at
from bpmn.validation import role_of
from engine.models import HumanTask, Timer
from engine.workflow.task_data import completion_record, find_task

MAX_NAME = 200
_tasks, _timers = HumanTask.__table__, Timer.__table__
# Built once: written by nearly every command.
CLOSE_TASKS = (
    update(_tasks)
    .where(
        _tasks.c.instance_id == bindparam("b_instance_id"),
        _tasks.c.task_id.in_(bindparam("task_ids", expanding=True)),
    )
    .values(
        status=bindparam("b_status"),
        completed_by=bindparam("actor"),
        completed_at=bindparam("now"),
    )
)
# A completed task also keeps what its person decided (its result).
COMPLETE_TASK = CLOSE_TASKS.values(result=bindparam("b_result"))
ADD_TASKS = insert(_tasks)
ADD_TIMERS = insert(_timers)
_ONE_TIMER = (_timers.c.instance_id == bindparam("b_instance_id")) & (
    _timers.c.task_id == bindparam("b_task_id")
)
MOVE_TIMER = update(_timers).where(_ONE_TIMER).values(due_at=bindparam("b_due_at"))
CLOSE_TIMER = (
    update(_timers)
    .where(_ONE_TIMER)
    .values(status=bindparam("b_status"), fired_at=bindparam("b_fired_at"))
)


def _property(task_spec, name: str):
    return ((getattr(task_spec, "extensions", None) or {}).get("properties") or {}).get(name)


def _is_timer(task) -> bool:
    return isinstance(getattr(task.task_spec, "event_definition", None), TimerEventDefinition)


@dataclass
class Snapshot:
    """The ready human tasks and the scheduled waiting timers of a state, by task id."""

    ready: dict[str, object] = field(default_factory=dict)
    timers: dict[str, tuple[object, datetime]] = field(default_factory=dict)
    unscheduled: int = 0


def snapshot(workflow: BpmnWorkflow) -> Snapshot:
    """One walk of the task tree."""
    result = Snapshot()
    for task in workflow.get_tasks(state=TaskState.READY | TaskState.WAITING):
        if task.has_state(TaskState.READY):
            if task.task_spec.manual:
                result.ready[str(task.id)] = task
        elif _is_timer(task):
            due = timer_due_at(task)
            if due is None:
                result.unscheduled += 1
            else:
                result.timers[str(task.id)] = (task, due)
    return result


def ready_human_tasks(workflow: BpmnWorkflow) -> dict[str, object]:
    """Ready user and manual tasks by task id."""
    return snapshot(workflow).ready


def waiting_timers(workflow: BpmnWorkflow) -> dict[str, tuple[object, datetime]]:
    """Waiting timer events with their due time, by task id."""
    return snapshot(workflow).timers


def called_name(task) -> str:
    """The process a task belongs to, as its caller named it (e.g. `review__target_table`)."""
    workflow = task.workflow
    parent_id = getattr(workflow, "parent_task_id", None)
    if parent_id is not None and workflow.top_workflow is not workflow:
        parent = find_task(workflow.top_workflow, str(parent_id))
        if parent is not None and getattr(parent.task_spec, "spec", None):
            return parent.task_spec.spec
    return workflow.spec.name


def _org_scope(task, role: str) -> int | None:
    # A unit's task is that unit's; its department reviews level 1; the finance desk level 2.
    # An `org` property names another variable when one role serves two parties in a process
    # (the department's commissioned third party and finance's key evaluator are both evaluators).
    value = task.data.get(_property(task.task_spec, "org") or f"{role}_org_id")
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


def _label(task) -> str:
    return (task.task_spec.bpmn_name or task.task_spec.bpmn_id)[:MAX_NAME]


@dataclass
class Changes:
    """The rows a command's run changes in the work queue and the timer table."""

    completed: list[str] = field(default_factory=list)
    result: dict | None = None  # what the completed task's person decided
    cancelled: list[str] = field(default_factory=list)
    new_tasks: list[dict] = field(default_factory=list)
    moved_timers: list[dict] = field(default_factory=list)
    closed_timers: list[dict] = field(default_factory=list)
    new_timers: list[dict] = field(default_factory=list)


def changes(
    *,
    instance_id: int,
    business_key: str,
    workflow: BpmnWorkflow,
    before: Snapshot,
    after: Snapshot,
    now: datetime,
    completed_task_id: str | None = None,
) -> Changes:
    """What changed between `before` and `after`, the workflow's state now. Taken before
    finished subprocesses are pruned: a timer's fate and a task's result are read from their
    tasks."""
    result = Changes()
    for task_id in before.ready:
        if task_id in after.ready:
            continue
        if task_id == completed_task_id:
            result.completed.append(task_id)
            task = find_task(workflow, task_id)
            if task is not None:
                result.result = completion_record(task, _property(task.task_spec, "form"))
        else:
            result.cancelled.append(task_id)
    result.new_tasks = [
        _task_row(instance_id, business_key, task_id, task, workflow, now)
        for task_id, task in after.ready.items()
        if task_id not in before.ready
    ]
    _timer_changes(result, instance_id, workflow, before, after, now)
    return result


def write(session: Session, instance_id: int, changes: Changes, now: datetime, actor: str) -> None:
    """Write `changes` (a few statements, none when nothing changed)."""
    for status, ids in (("completed", changes.completed), ("cancelled", changes.cancelled)):
        if ids:
            params = {
                "b_instance_id": instance_id,
                "task_ids": ids,
                "b_status": status,
                "actor": actor,
                "now": now,
            }
            if status == "completed" and changes.result is not None:
                session.execute(COMPLETE_TASK, params | {"b_result": changes.result})
            else:
                session.execute(CLOSE_TASKS, params)
    if changes.new_tasks:
        session.execute(ADD_TASKS, changes.new_tasks)
    for moved in changes.moved_timers:
        session.execute(MOVE_TIMER, moved)
    for closed in changes.closed_timers:
        session.execute(CLOSE_TIMER, closed)
    if changes.new_timers:
        session.execute(ADD_TIMERS, changes.new_timers)


def _task_row(instance_id, business_key, task_id, task, workflow, now) -> dict:
    role = role_of(task.task_spec) or ""
    return {
        "instance_id": instance_id,
        "task_id": task_id,
        "element_id": task.task_spec.bpmn_id,
        "name": _label(task),
        "process_key": called_name(task),
        "role": role,
        "org_id": _org_scope(task, role),
        "form": _property(task.task_spec, "form"),
        "business_key": business_key,
        "status": "ready",
        "due_at": _due(task, workflow.script_engine),
        "created_at": now,
        "completed_by": None,
        "completed_at": None,
    }


def _timer_changes(result: Changes, instance_id, workflow, before, after, now) -> None:
    for task_id, (_, due) in before.timers.items():
        if task_id in after.timers:
            if after.timers[task_id][1] != due:  # a cycle timer moved on to its next occurrence
                result.moved_timers.append(
                    {
                        "b_instance_id": instance_id,
                        "b_task_id": task_id,
                        "b_due_at": after.timers[task_id][1],
                    }
                )
            continue
        task = find_task(workflow, task_id)
        # A timer of a subprocess finished before pruning existed is gone: judge by its time.
        fired = task.has_state(TaskState.COMPLETED) if task is not None else due <= now
        result.closed_timers.append(
            {
                "b_instance_id": instance_id,
                "b_task_id": task_id,
                "b_status": "fired" if fired else "cancelled",
                "b_fired_at": now if fired else None,
            }
        )
    result.new_timers = [
        {
            "instance_id": instance_id,
            "task_id": task_id,
            "element_id": task.task_spec.bpmn_id,
            "name": _label(task),
            "due_at": due,
            "status": "waiting",
            "fired_at": None,
        }
        for task_id, (task, due) in after.timers.items()
        if task_id not in before.timers
    ]
