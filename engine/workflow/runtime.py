"""Commands on process instances: start, complete a task, fire timers, retry an incident.

Each command is one unit of work inside the caller's transaction: load the instance, apply,
run engine steps until every branch waits, write the state with `WHERE version = :v`, refresh the
derived tables, append audit events. A stale version raises Conflict and writes nothing. A
failure inside the engine is rolled back to a savepoint and recorded as an incident instead.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import bindparam, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError

from bpmn.errors import BpmnError
from bpmn.pass_through import PassThroughTask
from bpmn.script_engine import SafeScriptEngine
from bpmn.serializer import WorkflowCodec
from engine import audit
from engine.actors import Actor
from engine.errors import (
    Conflict,
    Corrupted,
    Forbidden,
    InvalidInput,
    NotFound,
)
from engine.models import HumanTask, Incident, ProcessInstance, Timer
from engine.workflow import derived, incidents
from engine.workflow.clock import SystemClock
from engine.workflow.data_limits import DataBudget, TaskDataTooLarge, data_limits
from engine.workflow.definitions import DefinitionCache
from engine.workflow.failures import (
    EngineFailure,
    classify,
    conflict_in,
    describe,
    missing_collection,
)
from engine.workflow.operations import OperationRegistry, ServiceCall

MAX_FORM_BYTES = 256 * 1024
# Built once: the hottest statements of every command.
TASK_BY_ID = select(HumanTask.__table__).where(HumanTask.__table__.c.id == bindparam("task_id"))
_instances = ProcessInstance.__table__
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
MAX_TIMER_ROUNDS = 20
MAX_STEPS = 5_000


@dataclass(frozen=True)
class Outcome:
    """What a command did: the instance it touched, and the incident if the engine failed."""

    instance_id: int | None
    status: str
    incident_id: int | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.incident_id is None


class WorkflowEngine:
    """The composition root of the runtime: codec, definitions cache, clock and operations."""

    def __init__(self, operations: OperationRegistry, clock=None) -> None:
        self.operations = operations
        self.clock = clock or SystemClock()
        self.codec = WorkflowCodec()
        self.definitions = DefinitionCache(self.codec)

    # ---- loading and saving -------------------------------------------------------------

    def _script_engine(self, session: Session, instance: ProcessInstance, actor: Actor):
        def services(name: str, params: dict, task) -> Any:
            call = ServiceCall(
                session=session,
                engine=self,
                instance=instance,
                data=task.data,
                params=params,
                actor=actor,
                now=self.clock(),
                element_id=task.task_spec.bpmn_id,
            )
            return self.operations.call(name, call)

        return SafeScriptEngine(clock=self.clock, services=services)

    def load(self, session: Session, instance: ProcessInstance, actor: Actor) -> BpmnWorkflow:
        """The instance's workflow, on the safe script engine."""
        try:
            bundle = self.definitions.bundle(session, instance.spec_sha256)
            return self.codec.load_state(
                instance.state, bundle, self._script_engine(session, instance, actor)
            )
        except BpmnError as error:
            raise Corrupted(f"process instance {instance.id}: {error}") from None

    def _save(
        self,
        session: Session,
        instance: ProcessInstance,
        workflow: BpmnWorkflow,
        actor: Actor,
        before: derived.Snapshot,
        budget: DataBudget,
        completed_task_id: str | None = None,
    ) -> str:
        """Write the state if nobody else did meanwhile, and the derived rows; the new status."""
        now = self.clock()
        status = "completed" if workflow.is_completed() else "running"
        state = self.codec.dump_state(workflow)
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
        derived.refresh(
            session,
            instance_id=instance.id,
            business_key=instance.business_key,
            workflow=workflow,
            before=before,
            now=now,
            actor_name=actor.name,
            completed_task_id=completed_task_id,
        )
        return status

    def _steps(self, workflow: BpmnWorkflow, budget: DataBudget) -> list[dict]:
        """Run until every branch waits (timers due by our clock fire on the way).

        Returns the plain tasks (bpmn:task) that passed on the way, for the audit log: they
        complete by themselves, so nothing else would record that the instance went through.
        Each step's data is measured against `budget` as soon as the step is done.
        """
        current: dict[str, object] = {"element": None, "steps": 0}
        passed: list[dict] = []

        def will_complete(task):
            current["element"] = getattr(task.task_spec, "bpmn_id", None)
            if isinstance(task.task_spec, PassThroughTask):
                passed.append(
                    {
                        "element": task.task_spec.bpmn_id,
                        "name": task.task_spec.bpmn_name,
                        "process": derived.called_name(task),
                    }
                )
            current["steps"] += 1
            if current["steps"] > MAX_STEPS:
                # A loop (or a process calling itself) that never waits would run forever.
                raise RuntimeError(f"more than {MAX_STEPS:,} steps without reaching a wait state")
            budget.before(task)

        try:
            workflow.refresh_timers()
            workflow.do_engine_steps(
                will_complete_task=will_complete, did_complete_task=budget.after
            )
            # A timer computes its due time when first refreshed; refresh the ones that just
            # started waiting (they may already be due) until nothing more moves.
            for _ in range(MAX_TIMER_ROUNDS):
                if not derived.snapshot(workflow).unscheduled:
                    break
                workflow.refresh_timers()
                workflow.do_engine_steps(
                    will_complete_task=will_complete, did_complete_task=budget.after
                )
            return passed
        except Exception as error:
            missing = missing_collection(workflow, error)
            if missing is not None:
                raise EngineFailure(missing, current["element"]) from error
            raise classify(error, current["element"]) from error

    # ---- commands -----------------------------------------------------------------------

    def start(
        self, session: Session, process_key: str, business_key: str, data: dict, actor: Actor
    ) -> Outcome:
        """Start the newest version of `process_key` for a business object."""
        _check_data(data)
        command = {
            "kind": "start",
            "process_key": process_key,
            "business_key": business_key,
            "data": data,
            "actor": actor.as_dict(),
        }
        definition, bundle = self.definitions.bundle_for_start(session, process_key)
        savepoint = session.begin_nested()
        try:
            instance = ProcessInstance(
                definition_id=definition.id,
                process_key=process_key,
                business_key=business_key,
                spec_sha256=bundle.sha256,
                status="running",
                state="{}",
                version=1,
                created_at=self.clock(),
                updated_at=self.clock(),
            )
            session.add(instance)
            session.flush()
            workflow = self.codec.new_workflow(
                bundle, self._script_engine(session, instance, actor)
            )
            workflow.task_tree.data.update(data)
            budget = DataBudget(data_limits(), loaded=0)
            passed = self._steps(workflow, budget)
            status = self._save(session, instance, workflow, actor, derived.Snapshot(), budget)
            audit.append(
                session,
                actor=actor.name,
                action="instance.start",
                object_type="process_instance",
                object_id=instance.id,
                payload={
                    "process": process_key,
                    "business_key": business_key,
                    "definition_version": definition.version,
                    "spec": bundle.sha256,
                },
            )
            _audit_passed(session, instance, actor, passed)
            savepoint.commit()
            return Outcome(instance.id, status)
        except EngineFailure as failure:
            savepoint.rollback()
            return self._incident(session, None, failure, command, actor)
        except BaseException:
            savepoint.rollback()
            raise

    def complete_task(
        self,
        session: Session,
        human_task_id: int,
        data: dict,
        actor: Actor,
        expected_version: int | None = None,
    ) -> Outcome:
        """Complete a ready user task with the form's data and run on to the next wait."""
        _check_data(data)
        row = session.execute(TASK_BY_ID, {"task_id": human_task_id}).first()
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
        instance = self._instance(session, row.instance_id, expected_version)
        command = {
            "kind": "complete_task",
            "human_task_id": human_task_id,
            "data": data,
            "actor": actor.as_dict(),
        }

        def apply(workflow: BpmnWorkflow, budget: DataBudget) -> str:
            task = workflow.get_task_from_id(UUID(row.task_id))
            if task is None or not task.has_state(TaskState.READY):
                raise Conflict(f"task {human_task_id} is no longer ready")
            budget.before(task)
            task.set_data(**data)
            task.run()
            budget.after(task)
            return row.task_id

        return self._command(
            session,
            instance,
            actor,
            command,
            apply,
            action="task.complete",
            payload={"task": human_task_id, "element": row.element_id, "data": data},
        )

    def fire_timers(self, session: Session, instance_id: int, actor: Actor) -> Outcome:
        """Fire the instance's timers that are due by the clock, and run on."""
        instance = self._instance(session, instance_id)
        command = {"kind": "fire_timers", "instance_id": instance_id, "actor": actor.as_dict()}
        return self._command(
            session,
            instance,
            actor,
            command,
            lambda workflow, budget: None,
            action="timer.fire",
            payload={"now": self.clock().isoformat()},
        )

    def claim_due_timer(self, session: Session, skip: set[int]) -> Timer | None:
        """Lock the instance of the next due timer that no other command holds.

        The instance is the unit of work, so that is the row to lock (SKIP LOCKED on
        PostgreSQL): a ticker never waits for, or deadlocks with, another command on the same
        instance. The timer is read again once locked, since another ticker may just have
        fired it.
        """
        while True:
            query = (
                select(Timer)
                .join(ProcessInstance, Timer.instance_id == ProcessInstance.id)
                .where(
                    Timer.status == "waiting",
                    Timer.due_at <= self.clock(),
                    # An instance with an open incident waits for an operator, timers included.
                    ProcessInstance.status != "incident",
                )
                .order_by(Timer.due_at, Timer.id)
                .limit(1)
                .with_for_update(skip_locked=True, of=ProcessInstance)
            )
            if skip:
                query = query.where(Timer.id.not_in(skip))
            timer = session.scalars(query).first()
            if timer is None:
                return None
            status = session.scalar(
                select(Timer.status)
                .where(Timer.id == timer.id)
                .execution_options(populate_existing=True)
            )
            if status == "waiting":
                return timer
            skip.add(timer.id)

    def retry_incident(self, session: Session, incident_id: int, actor: Actor) -> Outcome:
        """Replay the command that failed; on success the incident is resolved."""
        return incidents.retry(self, session, incident_id, actor)

    def resolve_incident(self, session: Session, incident_id: int, actor: Actor, note: str):
        """Close an incident without replaying it; the instance stays in its last wait state."""
        return incidents.resolve(self, session, incident_id, actor, note)

    # ---- helpers ------------------------------------------------------------------------

    def _command(self, session, instance, actor, command, apply, *, action, payload) -> Outcome:
        savepoint = session.begin_nested()
        try:
            workflow = self.load(session, instance, actor)
            before = derived.snapshot(workflow)
            budget = DataBudget.for_state(data_limits(), instance.state, workflow)
            try:
                completed = apply(workflow, budget)
            except Exception as error:
                raise classify(error, None) from error
            passed = self._steps(workflow, budget)
            status = self._save(
                session, instance, workflow, actor, before, budget, completed_task_id=completed
            )
            audit.append(
                session,
                actor=actor.name,
                action=action,
                object_type="process_instance",
                object_id=instance.id,
                payload=payload,
            )
            _audit_passed(session, instance, actor, passed)
            savepoint.commit()
        except EngineFailure as failure:
            savepoint.rollback()
            return self._incident(session, instance, failure, command, actor)
        except (OperationalError, StaleDataError) as error:
            savepoint.rollback()
            conflict = conflict_in(error)
            if conflict is not None:
                raise conflict from None
            raise
        except BaseException:
            savepoint.rollback()
            raise
        return Outcome(instance.id, status)

    def _incident(self, session, instance, failure: EngineFailure, command, actor) -> Outcome:
        error = describe(failure.error)
        incident = Incident(
            instance_id=instance.id if instance is not None else None,
            element_id=failure.element_id,
            error=error,
            command=json.loads(json.dumps(command)),
            created_at=self.clock(),
        )
        session.add(incident)
        if instance is not None:
            result = session.execute(
                update(ProcessInstance)
                .where(
                    ProcessInstance.id == instance.id, ProcessInstance.version == instance.version
                )
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
        return Outcome(incident.instance_id, "incident", incident.id, error)

    def _instance(self, session, instance_id, expected_version=None, allow_incident=False):
        instance = session.get(ProcessInstance, instance_id, populate_existing=True)
        if instance is None:
            raise NotFound(f"no process instance {instance_id}")
        if expected_version is not None and instance.version != expected_version:
            raise Conflict(
                f"process instance {instance_id} is at version {instance.version}, "
                f"not {expected_version}; reload and try again",
                errors={"version": "stale"},
            )
        if instance.status == "incident" and not allow_incident:
            raise Conflict(
                f"process instance {instance_id} has an open incident; retry or resolve it first"
            )
        if instance.status == "completed":
            raise Conflict(f"process instance {instance_id} has completed")
        return instance


def _audit_passed(session: Session, instance, actor: Actor, passed: list[dict]) -> None:
    """One `task.pass` event per plain task the command's steps went through, in order."""
    for step in passed:
        audit.append(
            session,
            actor=actor.name,
            action="task.pass",
            object_type="process_instance",
            object_id=instance.id,
            payload=step,
        )


def _may_see(actor: Actor, row: HumanTask) -> bool:
    return (
        actor.operator
        or row.org_id is None
        or actor.org_id == row.org_id
        or (actor.role == row.role and row.org_id is None)
    )


def _check_data(data: Any) -> None:
    if not isinstance(data, dict):
        raise InvalidInput("task data must be an object of named values", errors={"data": "type"})
    for key in data:
        if not isinstance(key, str) or not key.isidentifier() or key.startswith("_"):
            raise InvalidInput(
                f"'{key}' is not a valid field name (letters, digits and _; not starting with _)",
                errors={str(key): "invalid name"},
            )
    try:
        size = len(json.dumps(data, ensure_ascii=False))
    except (TypeError, ValueError):
        raise InvalidInput("task data must be plain JSON values", errors={"data": "type"}) from None
    if size > MAX_FORM_BYTES:
        raise InvalidInput(
            f"task data is {size:,} bytes; at most {MAX_FORM_BYTES:,}", errors={"data": "too large"}
        )
