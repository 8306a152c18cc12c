"""`budgetloop work`: the background work in one process, or shared by several on PostgreSQL,
each worker firing the timers of the instances it owns (issue 12)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from engine.models import Timer
from engine.workflow.definitions import deploy
from tests.engine.workflow.conftest import OPERATOR, source

INSTANCES = 6


def _long_due(sessions, wf, clock) -> list[int]:
    """Instances whose timers fell due in 2000: any clock, the wall clock included, fires them."""
    clock.set(datetime(1999, 12, 1, tzinfo=UTC))
    with sessions() as session, session.begin():
        deploy(session, [source("timer_then_task.bpmn")], OPERATOR, wf.operations.names())
        outcomes = [
            wf.start(
                session, "timer_then_task", f"work:{n}", {"due": "2000-01-01T00:00:00Z"}, OPERATOR
            )
            for n in range(INSTANCES)
        ]
    assert all(outcome.ok for outcome in outcomes)
    return [outcome.instance_id for outcome in outcomes]


def _statuses(sessions) -> list[str]:
    with sessions() as session:
        return session.scalars(select(Timer.status).order_by(Timer.id)).all()


def test_one_pass_fires_every_due_timer(budgetloop, sessions, wf, clock):
    _long_due(sessions, wf, clock)
    code, out, err = budgetloop("work", "--once")
    assert (code, err) == (0, "")
    assert f"worker 1/1: fired timers on {INSTANCES} instances; 0 incidents; 0 conflicts" in out
    assert _statuses(sessions) == ["fired"] * INSTANCES


def test_two_workers_share_the_timers_by_instance(budgetloop, sessions, wf, clock, backend):
    _long_due(sessions, wf, clock)
    code, out, err = budgetloop("work", "--once", "--processes", "2")
    if backend == "sqlite":
        assert code == 2 and "--processes above 1 needs PostgreSQL" in err
        assert _statuses(sessions) == ["waiting"] * INSTANCES
        return
    assert (code, err) == (0, ""), err
    # Each owns the instances of its parity: three each.
    assert "worker 1/2: fired timers on 3 instances; 0 incidents; 0 conflicts" in out
    assert "worker 2/2: fired timers on 3 instances; 0 incidents; 0 conflicts" in out
    assert _statuses(sessions) == ["fired"] * INSTANCES


def test_a_worker_count_out_of_range_is_refused(budgetloop):
    code, _, err = budgetloop("work", "--once", "--processes", "65")
    assert code == 2 and "65 is not in the range 1<=x<=64" in err
