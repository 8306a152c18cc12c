"""Closing a rectification order (销号) closes its open overdue escalation (整改逾期督办) too."""

from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy import func, select

from engine.db import unit_of_work
from engine.demo.simulation import Choices, Simulation
from engine.models import HumanTask, ProcessInstance, RectificationOrder, Timer
from engine.workflow.ticker import fire_due_timers
from tests.engine.workflow.conftest import OPERATOR, ready_tasks

LEFT_OPEN = {"rectification_feedback", "overdue_escalation"}


def _fire_due(wf, sessions) -> None:
    stats = fire_due_timers(wf, lambda: unit_of_work(sessions), OPERATOR)
    assert stats.incidents == stats.conflicts == 0


def _forms(sessions, instance_id) -> dict[str, HumanTask]:
    return {task.form: task for task in ready_tasks(sessions, instance_id)}


def test_closing_an_overdue_order_closes_its_escalation(sessions, wf, clock, province, start):
    project_id = province[0]
    instance_id = start(project_id)
    simulation = Simulation(
        wf, Choices(rng=random.Random(6), return_rate=0.0, performance=lambda project: 0.5)
    )
    # Run the year up to the rectification feedback, which the unit lets go overdue.
    for _ in range(300):
        ready = ready_tasks(sessions, instance_id)
        if any(task.form == "rectification_feedback" for task in ready):
            break
        for task in ready:
            assert simulation.complete_one(sessions, task.id).ok
        if not ready:
            with sessions() as session:
                due = session.scalar(
                    select(func.min(Timer.due_at)).where(Timer.status == "waiting")
                )
            clock.set(max(clock(), due))
            _fire_due(wf, sessions)
    with sessions() as session:
        timer = session.scalars(
            select(Timer).where(
                Timer.element_id == "Timer_RectificationOverdue", Timer.status == "waiting"
            )
        ).one()
    clock.set(timer.due_at + timedelta(seconds=1))
    _fire_due(wf, sessions)
    forms = _forms(sessions, instance_id)
    assert set(forms) == LEFT_OPEN
    escalation = forms["overdue_escalation"]

    # The unit answers late and finance accepts: the order is closed (销号) while the
    # escalation is still open.
    assert simulation.complete_one(sessions, forms["rectification_feedback"].id).ok
    review = _forms(sessions, instance_id)["rectification_review"]
    assert simulation.complete_one(sessions, review.id).ok

    with sessions() as session:
        order = session.scalars(
            select(RectificationOrder).where(RectificationOrder.project_id == project_id)
        ).one()
        assert order.overdue and order.closed_at is not None
        # Nothing of the rectification is left open …
        assert session.get(HumanTask, escalation.id).status == "cancelled"
        assert not session.scalars(
            select(HumanTask).where(
                HumanTask.instance_id == instance_id,
                HumanTask.process_key == "rectification",
                HumanTask.status == "ready",
            )
        ).all()
        assert session.get(ProcessInstance, instance_id).status == "running"
    # … and result application has begun: the finance desk confirms the funding decision.
    assert set(_forms(sessions, instance_id)) == {"decision_confirmation"}
