"""`budgetloop tick [--now ISO]`: fire every due timer, with the clock set from the command line."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from engine import audit
from engine.models import AuditEvent, HumanTask, ProcessInstance, Timer
from engine.workflow.definitions import deploy
from engine.workflow.ticker import fire_due_timers
from tests.engine.workflow.conftest import OPERATOR, ready_tasks, source
from tests.support.snapshot import snapshot

OPENS = datetime(2026, 7, 31, 16, 0, tzinfo=UTC)  # 2026-08-01T00:00:00+08:00


def _file_targets(simulation, sessions, instance_id: int) -> None:
    """Fill and approve the target table: the instance then waits for monitoring to open."""
    for _ in range(20):
        ready = ready_tasks(sessions, instance_id)
        if not ready:
            return
        for task in ready:
            outcome = simulation.complete_one(sessions, task.id)
            assert outcome is not None and outcome.ok, outcome
    raise AssertionError("target filing did not finish")


@pytest.fixture
def cycles(sessions, province, start, simulation) -> tuple[list[int], int]:
    """Two cycles waiting for monitoring to open, and one still in target filing."""
    waiting = [start(project_id) for project_id in province[:2]]
    for instance_id in waiting:
        _file_targets(simulation, sessions, instance_id)
    filing = start(province[2])
    return waiting, filing


def _timers(sessions, instance_id: int) -> list[Timer]:
    with sessions() as session:
        return list(
            session.scalars(
                select(Timer).where(Timer.instance_id == instance_id).order_by(Timer.id)
            )
        )


def test_tick_fires_the_monitoring_timer_on_its_date_and_not_before(
    budgetloop, cycles, sessions, engine
):
    waiting, filing = cycles
    for instance_id in waiting:
        [timer] = _timers(sessions, instance_id)
        assert (timer.element_id, timer.status, timer.due_at) == (
            "Timer_MonitoringOpens",
            "waiting",
            OPENS,
        )
        assert ready_tasks(sessions, instance_id) == []
    assert _timers(sessions, filing) == []

    before = snapshot(engine)
    code, out, err = budgetloop("tick", "--now", "2026-07-31T23:59:59+08:00")
    assert (code, err) == (0, "")
    assert out == "fired timers on 0 instances; 0 incidents; 0 conflicts\n"
    assert snapshot(engine) == before

    code, out, err = budgetloop("tick", "--now", "2026-08-01T00:00:00+08:00")
    assert (code, err) == (0, "")
    fired, told = out.splitlines()
    assert fired == "fired timers on 2 instances; 0 incidents; 0 conflicts"
    # The units are told of their new monitoring reports (the message centre's pass).
    assert told.startswith("messages: ") and "(task " in told

    for instance_id in waiting:
        [timer] = _timers(sessions, instance_id)
        assert (timer.status, timer.fired_at) == ("fired", OPENS)
        [task] = ready_tasks(sessions, instance_id)
        assert (task.form, task.role, task.element_id) == (
            "monitoring_report",
            "unit",
            "Task_FillMonitoringReport",
        )
        assert task.org_id is not None and task.created_at == OPENS
        # The report is due at the end of August (the task's `due` property).
        assert task.due_at == datetime(2026, 8, 31, 15, 59, 59, tzinfo=UTC)
        with sessions() as session:
            assert session.get(ProcessInstance, instance_id).status == "running"
            [fired] = session.scalars(
                select(AuditEvent).where(
                    AuditEvent.action == "timer.fire", AuditEvent.object_id == str(instance_id)
                )
            ).all()
            assert fired.actor == "tick"
            assert fired.payload == {"now": "2026-08-01T00:00:00+08:00"}
    # The cycle still filing its targets has no timer yet and is left alone.
    assert [t.form for t in ready_tasks(sessions, filing)] == ["target_table"]
    with sessions() as session:
        assert audit.verify(session).ok

    # Ticking again at the same time finds nothing left to fire.
    after = snapshot(engine)
    code, out, _ = budgetloop("tick", "--now", "2026-08-01T00:00:00+08:00")
    assert (code, out) == (0, "fired timers on 0 instances; 0 incidents; 0 conflicts\n")
    assert snapshot(engine) == after


def test_tick_with_a_later_now_and_a_limit(budgetloop, cycles, sessions):
    waiting, _ = cycles
    code, out, err = budgetloop("tick", "--now", "2026-09-15T12:00:00Z", "--limit", "1")
    assert (code, err) == (0, "")
    assert out.splitlines()[0] == "fired timers on 1 instances; 0 incidents; 0 conflicts"
    code, out, _ = budgetloop("tick", "--now", "2026-09-15T12:00:00Z")
    assert (code, out.splitlines()[0]) == (
        0,
        "fired timers on 1 instances; 0 incidents; 0 conflicts",
    )
    with sessions() as session:
        assert set(session.scalars(select(Timer.status))) == {"fired"}
        forms = session.scalars(
            select(HumanTask.form).where(
                HumanTask.instance_id.in_(waiting), HumanTask.status == "ready"
            )
        ).all()
        assert forms == ["monitoring_report", "monitoring_report"]


BAD_NOW = [
    ("2026-08-01T00:00:00", "--now '2026-08-01T00:00:00' needs a time zone"),
    ("2026-08-01", "--now '2026-08-01' needs a time zone"),
    ("tomorrow", "--now 'tomorrow' is not an ISO 8601 date-time"),
    ("2026-02-30T00:00:00+08:00", "is not an ISO 8601 date-time"),
    ("2026-08-01T25:00:00+08:00", "is not an ISO 8601 date-time"),
    ("", "--now '' is not an ISO 8601 date-time"),
]


@pytest.fixture
def long_due(sessions, wf, clock) -> int:
    """An instance whose timer fell due in 2000: any clock, the wall clock included, fires it."""
    clock.set(datetime(1999, 12, 1, tzinfo=UTC))
    with sessions() as session, session.begin():
        deploy(session, [source("timer_then_task.bpmn")], OPERATOR, wf.operations.names())
        outcome = wf.start(
            session, "timer_then_task", "tick:long-due", {"due": "2000-01-01T00:00:00Z"}, OPERATOR
        )
    assert outcome.ok and _timers(sessions, outcome.instance_id)[0].status == "waiting"
    return outcome.instance_id


@pytest.mark.parametrize(("value", "message"), BAD_NOW, ids=[v or "empty" for v, _ in BAD_NOW])
def test_a_bad_now_is_one_clear_line_and_fires_nothing(
    budgetloop, long_due, engine, value, message
):
    before = snapshot(engine)
    code, out, err = budgetloop("tick", "--now", value)
    assert code == 2
    assert out == ""
    assert err.startswith("budgetloop: ") and err.count("\n") == 1, err
    assert message in err
    assert snapshot(engine) == before
    # The same timer fires once the time is given properly.
    code, out, _ = budgetloop("tick", "--now", "2000-01-01T00:00:00+00:00")
    assert (code, out) == (0, "fired timers on 1 instances; 0 incidents; 0 conflicts\n")


def test_a_pass_passes_over_only_the_timers_it_could_not_fire(cycles, sessions, wf, clock):
    # The claim skips the timers an attempt left waiting, not every timer fired so far: a
    # year's tick fires thousands, and a skip list of all of them made each claim slower.
    clock.set(OPENS)
    stats = fire_due_timers(wf, sessions.begin, OPERATOR)
    assert (stats.fired, stats.incidents, stats.conflicts) == (2, 0, 0)
    assert stats.passed_over == 0
    assert fire_due_timers(wf, sessions.begin, OPERATOR).fired == 0
