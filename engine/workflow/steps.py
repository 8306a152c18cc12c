"""Running an instance's engine steps until every branch waits, and what they passed on the way.

Service tasks, scripts, gateways and due timers all run here; a failure among them is turned
into the exception the command should raise (failures.py) and names the element it happened in.
"""

from __future__ import annotations

from dataclasses import dataclass

from SpiffWorkflow.bpmn import BpmnWorkflow
from sqlalchemy.orm import Session

from bpmn.pass_through import PassThroughTask
from engine import audit
from engine.actors import Actor
from engine.models import ProcessInstance
from engine.workflow import derived
from engine.workflow.data_limits import DataBudget
from engine.workflow.failures import EngineFailure, classify, missing_collection

MAX_TIMER_ROUNDS = 20
MAX_STEPS = 5_000


@dataclass(frozen=True)
class Run:
    """What running to the next wait left: the plain tasks (bpmn:task) that passed on the way,
    for the audit log (they complete by themselves, so nothing else would record that the
    instance went through), and what now waits (the derived tables are written from it)."""

    passed: list[dict]
    waiting: derived.Snapshot


def run_until_waiting(workflow: BpmnWorkflow, budget: DataBudget) -> Run:
    """Run until every branch waits (timers due by our clock fire on the way). Each step's
    data is measured against `budget` as soon as the step is done."""
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
        workflow.do_engine_steps(will_complete_task=will_complete, did_complete_task=budget.after)
        # A timer computes its due time when first refreshed; refresh the ones that just
        # started waiting (they may already be due) until nothing more moves.
        for _ in range(MAX_TIMER_ROUNDS):
            waiting = derived.snapshot(workflow)
            if not waiting.unscheduled:
                break
            workflow.refresh_timers()
            workflow.do_engine_steps(
                will_complete_task=will_complete, did_complete_task=budget.after
            )
        else:
            waiting = derived.snapshot(workflow)
        return Run(passed, waiting)
    except Exception as error:
        missing = missing_collection(workflow, error)
        if missing is not None:
            raise EngineFailure(missing, current["element"]) from error
        raise classify(error, current["element"]) from error


def audit_passed(
    session: Session, instance: ProcessInstance, actor: Actor, passed: list[dict]
) -> None:
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
