"""Pruning finished subprocesses from an instance's state before it is saved.

A project's cycle instance calls a subprocess for every stage, report round and review chain;
kept in the state, the finished ones made every command of the year read and write all of them
(150 KiB by year end). A subprocess whose calling task has finished can never run again, so it
leaves the state; what the pages still show of it is kept beside it: the diagram the instance
view draws (`finished_diagram`, written here) and what each of its human tasks decided
(`human_task.result`, written by derived.py at completion; for a task completed before that
column existed, here, just before its subprocess goes).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm import Session

from engine.models import FinishedDiagram, HumanTask
from engine.workflow.diagram_trace import element_of, trace
from engine.workflow.task_data import completion_record, find_task

_FINISHED = TaskState.COMPLETED | TaskState.CANCELLED
ADD_DIAGRAMS = insert(FinishedDiagram.__table__)
_tasks = HumanTask.__table__
SET_RESULT = (
    update(_tasks).where(_tasks.c.id == bindparam("row_id")).values(result=bindparam("new_result"))
)


@dataclass(frozen=True)
class Pruned:
    """What pruning leaves to write, once the command can no longer fail: the diagrams of the
    pruned subprocesses (each nested one after the one that called it), and the results of
    their tasks completed before revision 0011."""

    diagrams: list[dict] = field(default_factory=list)
    results: list[dict] = field(default_factory=list)


NOTHING = Pruned()


def prune_finished(
    session: Session, workflow: BpmnWorkflow, instance_id: int, now: datetime
) -> Pruned:
    """Remove every subprocess whose calling task has finished from the workflow; what to
    write of them (`keep`). Reads only: a command writes after its last chance to fail."""
    finished = []
    for key, sub in workflow.subprocesses.items():
        caller = find_task(workflow, key)
        if caller is not None and caller.has_state(_FINISHED):
            finished.append((key, sub, caller))
    if not finished:
        return NOTHING
    rows = []
    for key, sub, caller in finished:
        steps = trace(sub.tasks.values(), sub)
        parent = caller.workflow.parent_task_id
        rows.append(
            {
                "instance_id": instance_id,
                "call_task_id": str(key),
                "parent_task_id": None if parent is None else str(parent),
                "process": sub.spec.name,
                "called_as": getattr(caller.task_spec, "spec", None) or sub.spec.name,
                "call_activity": element_of(caller),
                "completed": steps.completed,
                "flows": [list(flow) for flow in steps.flows],
                "finished_at": now,
            }
        )
    results = _legacy_results(session, workflow, instance_id)
    keys = {key for key, _, _ in finished}
    for key, _, caller in finished:
        # The outermost finished ones: deleting one deletes those it called.
        if caller.workflow.parent_task_id not in keys and key in workflow.subprocesses:
            workflow.delete_subprocess(caller)
    return Pruned(rows, results)


def _legacy_results(session: Session, workflow: BpmnWorkflow, instance_id: int) -> list[dict]:
    """Tasks completed before results were kept on their rows (revision 0011) get them now,
    read from the state while it still holds them."""
    # By the instance alone, filtered here: with `status = 'completed'` in the WHERE, SQLite
    # chose the inbox index (status first) and walked every completed task of every instance,
    # once per pruned subprocess — 24 % of a 3,000-project year, the cost per project growing
    # with the number of projects. An instance has a few dozen task rows.
    rows = session.execute(
        select(
            HumanTask.id, HumanTask.task_id, HumanTask.form, HumanTask.status, HumanTask.result
        ).where(HumanTask.instance_id == instance_id)
    ).all()
    results = []
    for row_id, task_id, form, status, result in rows:
        if status != "completed" or result is not None:
            continue
        task = find_task(workflow, task_id)
        if task is not None:
            results.append({"row_id": row_id, "new_result": completion_record(task, form)})
    return results


def keep(session: Session, pruned: Pruned) -> None:
    """Write what `prune_finished` left to write."""
    if pruned.diagrams:
        session.execute(ADD_DIAGRAMS, pruned.diagrams)
    if pruned.results:
        session.execute(SET_RESULT, pruned.results)
