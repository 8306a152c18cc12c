"""The work queue and the timer table never disagree with the serialized state."""

from __future__ import annotations

import random

from sqlalchemy import func, select

from engine.demo.simulation import Choices, Simulation
from engine.models import HumanTask, ProcessInstance, Timer
from engine.workflow import derived
from tests.engine.workflow.conftest import OPERATOR, ready_tasks


def _check_consistency(sessions, wf) -> int:
    """Compare every instance's derived rows with its state; returns the instances checked."""
    with sessions() as session:
        instances = session.scalars(select(ProcessInstance)).all()
        for instance in instances:
            workflow = wf.load(session, instance, OPERATOR)
            ready = derived.ready_human_tasks(workflow)
            rows = session.scalars(
                select(HumanTask).where(
                    HumanTask.instance_id == instance.id, HumanTask.status == "ready"
                )
            ).all()
            assert {row.task_id for row in rows} == set(ready), instance.id
            for row in rows:
                task = ready[row.task_id]
                assert row.element_id == task.task_spec.bpmn_id
            waiting = derived.waiting_timers(workflow)
            timers = session.scalars(
                select(Timer).where(Timer.instance_id == instance.id, Timer.status == "waiting")
            ).all()
            assert {t.task_id: t.due_at for t in timers} == {
                task_id: due for task_id, (_, due) in waiting.items()
            }, instance.id
            assert (instance.status == "completed") == workflow.is_completed()
        return len(instances)


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
        assert _check_consistency(sessions, wf) >= 8
    assert commands > 150
    with sessions() as session:
        assert (
            session.scalar(select(func.count()).where(ProcessInstance.status == "completed")) >= 1
        )
