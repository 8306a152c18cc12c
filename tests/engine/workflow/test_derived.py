"""The work queue and the timer table never disagree with the serialized state."""

from __future__ import annotations

import random

from sqlalchemy import func, select

from engine.demo.simulation import Choices, Simulation
from engine.models import HumanTask, ProcessInstance, Timer
from engine.workflow import derived
from tests.engine.workflow.conftest import OPERATOR, ready_tasks


def _check_consistency(sessions, wf, read: dict) -> int:
    """Compare every instance's derived rows with its state; returns the instances checked.

    What a state says (its ready tasks, its waiting timers, whether it is completed) is a
    function of the state and its spec alone, so it is read once per distinct state and kept
    in `read`; the rows are read and compared against it at every call.
    """
    with sessions() as session:
        instances = session.scalars(select(ProcessInstance)).all()
        tasks: dict[int, dict] = {}
        for instance_id, task_id, element_id in session.execute(
            select(HumanTask.instance_id, HumanTask.task_id, HumanTask.element_id).where(
                HumanTask.status == "ready"
            )
        ):
            tasks.setdefault(instance_id, {})[task_id] = element_id
        timers: dict[int, dict] = {}
        for instance_id, task_id, due_at in session.execute(
            select(Timer.instance_id, Timer.task_id, Timer.due_at).where(Timer.status == "waiting")
        ):
            timers.setdefault(instance_id, {})[task_id] = due_at
        for instance in instances:
            key = (instance.spec_sha256, instance.state)
            if key not in read:
                read[key] = _read_state(wf.load(session, instance, OPERATOR))
            ready, waiting, completed = read[key]
            assert tasks.get(instance.id, {}) == ready, instance.id
            assert timers.get(instance.id, {}) == waiting, instance.id
            assert (instance.status == "completed") == completed
        return len(instances)


def _read_state(workflow) -> tuple[dict, dict, bool]:
    """A loaded state's ready tasks (task id → element), waiting timers (task id → due) and
    whether it is completed."""
    ready = {
        task_id: task.task_spec.bpmn_id
        for task_id, task in derived.ready_human_tasks(workflow).items()
    }
    waiting = {task_id: due for task_id, (_, due) in derived.waiting_timers(workflow).items()}
    return ready, waiting, workflow.is_completed()


def test_derived_tables_follow_the_state_through_a_long_random_run(
    sessions, wf, clock, province, start
):
    rng = random.Random(20261122)
    for project_id in province[:8]:
        start(project_id, key_evaluation=rng.random() < 0.5)
    choices = Choices(
        rng=rng,
        return_rate=0.3,
        performance=lambda project: rng.choice([0.55, 0.75, 0.95, 1.05]),
        course=lambda task: rng.choice(["continue", "adjust_targets", "reallocate"]),
    )
    simulation = Simulation(wf, choices)
    commands = 0
    read: dict = {}
    for _ in range(400):
        ready = ready_tasks(sessions)
        if ready and rng.random() < 0.85:
            outcome = simulation.complete_one(sessions, rng.choice(ready).id)
            assert outcome is None or outcome.ok, outcome
        else:
            with sessions() as session:
                due = session.scalar(
                    select(func.min(Timer.due_at)).where(Timer.status == "waiting")
                )
            if due is None:
                if not ready:
                    break
                continue
            clock.set(max(clock(), due))
            with sessions() as session, session.begin():
                timer = wf.claim_due_timer(session, set())
                assert wf.fire_timers(session, timer.instance_id, OPERATOR).ok
        commands += 1
        assert _check_consistency(sessions, wf, read) >= 8
    assert commands > 150
    with sessions() as session:
        assert (
            session.scalar(select(func.count()).where(ProcessInstance.status == "completed")) >= 1
        )
