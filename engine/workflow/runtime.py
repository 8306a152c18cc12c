"""Commands on process instances: start, complete a task, fire timers, retry an incident.

Each command is one unit of work inside the caller's transaction: load the instance, apply,
run engine steps until every branch waits, write the state with `WHERE version = :v`, refresh the
derived tables, append audit events. A stale version raises Conflict and writes nothing. A
failure inside the engine is rolled back to a savepoint and recorded as an incident instead.

The parts live beside this module: what a command accepts (command_input.py), the state read
and written (instance_state.py), the engine steps (steps.py), the incident a failure opens
(incident_opening.py) and the claim of a due timer (timer_claims.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from bpmn.serializer import WorkflowCodec
from engine import audit
from engine.actors import Actor
from engine.errors import Conflict, NotFound
from engine.models import ProcessInstance, Timer
from engine.workflow import derived, incidents, instance_state, timer_claims
from engine.workflow.clock import SystemClock
from engine.workflow.command_input import check_data, ready_task
from engine.workflow.data_limits import DataBudget, data_limits
from engine.workflow.definitions import DefinitionCache
from engine.workflow.failures import EngineFailure, classify, conflict_in
from engine.workflow.incident_opening import open_incident
from engine.workflow.lazy_savepoint import LazySavepoint
from engine.workflow.live_workflows import LiveWorkflows
from engine.workflow.operations import OperationRegistry
from engine.workflow.partition import EVERYTHING, Partition
from engine.workflow.steps import audit_passed, run_until_waiting


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

    def __init__(
        self,
        operations: OperationRegistry,
        clock=None,
        *,
        prune: bool = True,
        live: LiveWorkflows | None = None,
    ) -> None:
        self.operations = operations
        # Finished subprocesses leave the saved state (pruning.py), and the workflows this
        # process saved last stay in memory (live_workflows.py); off only to compare with the
        # engine as it was before (tests/engine/workflow/test_same_year.py).
        self.prune = prune
        self.live = LiveWorkflows() if live is None else live
        self.clock = clock or SystemClock()
        self.codec = WorkflowCodec()
        self.definitions = DefinitionCache(self.codec)

    def load(self, session: Session, instance: ProcessInstance, actor: Actor) -> BpmnWorkflow:
        """The instance's workflow, on the safe script engine."""
        return instance_state.load(self, session, instance, actor)

    # ---- commands -----------------------------------------------------------------------

    def start(
        self, session: Session, process_key: str, business_key: str, data: dict, actor: Actor
    ) -> Outcome:
        """Start the newest version of `process_key` for a business object."""
        check_data(data)
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
                bundle, instance_state.script_engine(self, session, instance, actor)
            )
            workflow.task_tree.data.update(data)
            budget = DataBudget(data_limits(), loaded=0)
            run = run_until_waiting(workflow, budget)
            status, state = instance_state.save(
                self, session, instance, workflow, actor, derived.Snapshot(), run, budget
            )
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
            audit_passed(session, instance, actor, run.passed)
            savepoint.commit()
            instance_state.park(self, instance, state, workflow)
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
        check_data(data)
        row, instance = ready_task(session, actor, human_task_id)
        _check_usable(instance, expected_version)
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

    def claim_due_timer(
        self, session: Session, skip: set[int], partition: Partition = EVERYTHING
    ) -> Timer | None:
        """Lock the instance of the next due timer (of `partition`) no other command holds."""
        return timer_claims.claim_due_timer(session, self.clock, skip, partition)

    def retry_incident(self, session: Session, incident_id: int, actor: Actor) -> Outcome:
        """Replay the command that failed; on success the incident is resolved."""
        return incidents.retry(self, session, incident_id, actor)

    def resolve_incident(self, session: Session, incident_id: int, actor: Actor, note: str):
        """Close an incident without replaying it; the instance stays in its last wait state."""
        return incidents.resolve(self, session, incident_id, actor, note)

    # ---- helpers ------------------------------------------------------------------------

    def _command(self, session, instance, actor, command, apply, *, action, payload) -> Outcome:
        savepoint = LazySavepoint(session)
        try:
            workflow = instance_state.take(self, session, instance, actor, savepoint)
            before = derived.snapshot(workflow)
            budget = DataBudget.for_state(data_limits(), instance.state, workflow)
            try:
                completed = apply(workflow, budget)
            except Exception as error:
                raise classify(error, None) from error
            run = run_until_waiting(workflow, budget)
            status, state = instance_state.save(
                self,
                session,
                instance,
                workflow,
                actor,
                before,
                run,
                budget,
                completed_task_id=completed,
            )
            audit.append(
                session,
                actor=actor.name,
                action=action,
                object_type="process_instance",
                object_id=instance.id,
                payload=payload,
            )
            audit_passed(session, instance, actor, run.passed)
            savepoint.commit()
            instance_state.park(self, instance, state, workflow)
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
        incident = open_incident(session, instance, failure, command, actor, self.clock())
        return Outcome(incident.instance_id, "incident", incident.id, incident.error)

    def _instance(self, session, instance_id, expected_version=None, allow_incident=False):
        instance = session.get(ProcessInstance, instance_id, populate_existing=True)
        if instance is None:
            raise NotFound(f"no process instance {instance_id}")
        _check_usable(instance, expected_version, allow_incident)
        return instance


def _check_usable(instance: ProcessInstance, expected_version=None, allow_incident=False) -> None:
    """Refuse a command on an instance at another version, held by an incident, or done."""
    if expected_version is not None and instance.version != expected_version:
        raise Conflict(
            f"process instance {instance.id} is at version {instance.version}, "
            f"not {expected_version}; reload and try again",
            errors={"version": "stale"},
        )
    if instance.status == "incident" and not allow_incident:
        raise Conflict(
            f"process instance {instance.id} has an open incident; retry or resolve it first"
        )
    if instance.status == "completed":
        raise Conflict(f"process instance {instance.id} has completed")
