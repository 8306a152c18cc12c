"""A red alert left unanswered for 10 working days suspends disbursement and opens an order."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from engine.db import unit_of_work
from engine.demo.simulation import Choices, Simulation
from engine.models import HumanTask, Project, RectificationOrder, Timer
from engine.models.enums import RectificationSource
from engine.workdays import deadline_after_working_days
from engine.workflow.ticker import fire_due_timers
from tests.engine.workflow.conftest import OPERATOR, ready_tasks


def test_working_day_deadlines_skip_weekends():
    friday = datetime(2026, 8, 7, 10, 0, tzinfo=UTC)
    due = deadline_after_working_days(friday, 10)
    assert (due.year, due.month, due.day, due.hour) == (2026, 8, 21, 23)  # two weeks later
    assert deadline_after_working_days(friday, 1).day == 10  # Monday


def _fire_due(wf, sessions) -> None:
    stats = fire_due_timers(wf, lambda: unit_of_work(sessions), OPERATOR)
    assert stats.incidents == stats.conflicts == 0


def test_an_unanswered_red_alert_suspends_and_orders_rectification(
    sessions, wf, clock, province, start
):
    project_id = province[0]
    instance = start(project_id)
    simulation = Simulation(wf, Choices(rng=random.Random(1), performance=lambda p: 0.5))
    for _ in range(60):
        tasks = ready_tasks(sessions, instance)
        if any(task.form == "alert_response" for task in tasks):
            break
        for task in tasks:
            assert simulation.complete_one(sessions, task.id).ok
        if not tasks:
            with sessions() as session:
                due = min(
                    t.due_at
                    for t in session.scalars(select(Timer).where(Timer.status == "waiting"))
                )
            clock.set(max(clock(), due))
            _fire_due(wf, sessions)
    [response] = [t for t in ready_tasks(sessions, instance) if t.form == "alert_response"]
    with sessions() as session:
        timer = session.scalars(
            select(Timer).where(
                Timer.element_id == "Timer_AlertResponseOverdue", Timer.status == "waiting"
            )
        ).one()
    assert timer.due_at == deadline_after_working_days(response.created_at, 10)
    clock.set(timer.due_at - timedelta(minutes=1))
    _fire_due(wf, sessions)
    assert [t.id for t in ready_tasks(sessions, instance)] == [response.id]  # not yet
    clock.set(timer.due_at + timedelta(seconds=1))
    _fire_due(wf, sessions)
    with sessions() as session:
        assert session.get(Project, project_id).disbursement_suspended
        order = session.scalars(
            select(RectificationOrder).where(RectificationOrder.project_id == project_id)
        ).one()
        assert order.source is RectificationSource.RED_ALERT and order.alert_id is not None
        assert session.get(HumanTask, response.id).status == "cancelled"
