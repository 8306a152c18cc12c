"""An instance's stored state: the workflow it holds, and writing it back under its version.

The state row is the instance: the work queue and the timer table are derived from it
(derived.py), written here in the same step so they never disagree with it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from SpiffWorkflow.bpmn import BpmnWorkflow
from sqlalchemy import bindparam, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from bpmn.errors import BpmnError
from bpmn.script_engine import SafeScriptEngine
from engine.actors import Actor
from engine.errors import Conflict, Corrupted
from engine.models import ProcessInstance
from engine.workflow import derived, pruning
from engine.workflow.data_limits import DataBudget, TaskDataTooLarge
from engine.workflow.failures import EngineFailure
from engine.workflow.lazy_savepoint import LazySavepoint
from engine.workflow.operations import ServiceCall
from engine.workflow.steps import Run

if TYPE_CHECKING:
    from engine.workflow.runtime import WorkflowEngine

_instances = ProcessInstance.__table__
# Built once: every command that changes an instance ends with it.
SAVE_STATE = (
    update(_instances)
    .where(
        _instances.c.id == bindparam("instance_id"),
        _instances.c.version == bindparam("expected"),
    )
    .values(
        state=bindparam("state"),
        status=bindparam("status"),
        updated_at=bindparam("updated_at"),
        version=bindparam("version"),
        completed_at=bindparam("completed_at"),
    )
)


def script_engine(
    engine: WorkflowEngine,
    session: Session,
    instance: ProcessInstance,
    actor: Actor,
    savepoint: LazySavepoint | None = None,
) -> SafeScriptEngine:
    """The script engine an instance runs on: service tasks call the engine's operations
    inside the command's session, as the command's actor (after opening the command's
    savepoint: an operation writes, and the command may still fail after it)."""

    def services(name: str, params: dict, task) -> Any:
        if savepoint is not None:
            savepoint.open()
        call = ServiceCall(
            session=session,
            engine=engine,
            instance=instance,
            data=task.data,
            params=params,
            actor=actor,
            now=engine.clock(),
            element_id=task.task_spec.bpmn_id,
        )
        return engine.operations.call(name, call)

    return SafeScriptEngine(clock=engine.clock, services=services)


def load(
    engine: WorkflowEngine,
    session: Session,
    instance: ProcessInstance,
    actor: Actor,
    runs_on: SafeScriptEngine | None = None,
) -> BpmnWorkflow:
    """The instance's workflow, on the safe script engine (`runs_on`, or one of its own)."""
    try:
        bundle = engine.definitions.bundle(session, instance.spec_sha256)
        return engine.codec.load_state(
            instance.state, bundle, runs_on or script_engine(engine, session, instance, actor)
        )
    except BpmnError as error:
        raise Corrupted(f"process instance {instance.id}: {error}") from None


def take(
    engine: WorkflowEngine,
    session: Session,
    instance: ProcessInstance,
    actor: Actor,
    savepoint: LazySavepoint,
) -> BpmnWorkflow:
    """The instance's workflow for a command to run: the one this process saved last if the row
    still holds exactly what it saved (live_workflows.py), else read from the row."""
    runs_on = script_engine(engine, session, instance, actor, savepoint)
    workflow = engine.live.take(instance.id, instance.version, instance.state)
    if workflow is None:
        return load(engine, session, instance, actor, runs_on)
    workflow.script_engine = runs_on
    return workflow


def park(engine: WorkflowEngine, instance: ProcessInstance, state: str, workflow) -> None:
    """Keep a saved workflow for the instance's next command in this process, without the
    script engine that ties it to this command's session (and all the session holds)."""
    workflow.script_engine = None
    engine.live.keep(instance.id, instance.version, state, workflow)


def save(
    engine: WorkflowEngine,
    session: Session,
    instance: ProcessInstance,
    workflow: BpmnWorkflow,
    actor: Actor,
    before: derived.Snapshot,
    run: Run,
    budget: DataBudget,
    completed_task_id: str | None = None,
) -> tuple[str, str]:
    """Write the state if nobody else did meanwhile, and the derived rows; the new status and
    the state text written."""
    now = engine.clock()
    status = "completed" if workflow.is_completed() else "running"
    changes = derived.changes(
        instance_id=instance.id,
        business_key=instance.business_key,
        workflow=workflow,
        before=before,
        after=run.waiting,
        now=now,
        completed_task_id=completed_task_id,
    )
    pruned = (
        pruning.prune_finished(session, workflow, instance.id, now)
        if engine.prune
        else pruning.NOTHING
    )
    state = engine.codec.dump_state(workflow)
    try:
        budget.check_state(state)
    except TaskDataTooLarge as error:
        raise EngineFailure(error, error.element_id) from None
    result = session.execute(
        SAVE_STATE,
        {
            "instance_id": instance.id,
            "expected": instance.version,
            "state": state,
            "status": status,
            "updated_at": now,
            "version": instance.version + 1,
            "completed_at": now if status == "completed" else None,
        },
    )
    if result.rowcount != 1:
        raise Conflict(
            f"process instance {instance.id} was changed meanwhile; reload and try again",
            errors={"version": "stale"},
        )
    # Keep the loaded object true to the row without reading it back.
    set_committed_value(instance, "version", instance.version + 1)
    set_committed_value(instance, "status", status)
    derived.write(session, instance.id, changes, now, actor.name)
    pruning.keep(session, pruned)
    return status, state
