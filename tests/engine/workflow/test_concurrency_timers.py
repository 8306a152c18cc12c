"""Tickers racing each other: every due timer fired exactly once, no ticker waiting for another.

As in test_concurrency.py, each ticker is a thread with its own session from `sessions`, and
all of them share one WorkflowEngine.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime

import pytest
from sqlalchemy import select, text

from engine import audit
from engine.actors import Actor
from engine.errors import Conflict
from engine.models import HumanTask, Timer
from engine.workflow.runtime import Outcome
from tests.engine.workflow.race_support import WAIT, _deploy, _events, _rows, _start, _together

TICKER = Actor.system("tick")


# ---- two tickers ----------------------------------------------------------------------------


def _ticker(sessions, wf, barrier: threading.Barrier):
    def loop() -> tuple[list[int], list[int], int]:
        claimed, fired, conflicts = [], [], 0
        attempted: set[int] = set()
        barrier.wait(timeout=WAIT)
        while True:
            try:
                with sessions() as session, session.begin():
                    timer = wf.claim_due_timer(session, attempted)
                    if timer is None:
                        break
                    attempted.add(timer.id)
                    claimed.append(timer.id)
                    outcome = wf.fire_timers(session, timer.instance_id, TICKER)
            except Conflict:
                conflicts += 1
                continue
            assert outcome.ok, outcome.error
            fired.append(timer.instance_id)
        return claimed, fired, conflicts

    return loop


def _check_fired_once(sessions, instance_ids, timers_per_instance: int, tasks_per_instance: int):
    with sessions() as session:
        timers = session.scalars(select(Timer).order_by(Timer.id)).all()
        assert len(timers) == timers_per_instance * len(instance_ids)
        assert {(t.status, t.fired_at is not None) for t in timers} == {("fired", True)}
        for instance_id in instance_ids:
            assert len(_events(session, "timer.fire", instance_id)) == 1, instance_id
            ready = _rows(session, instance_id, "ready")
            assert len(ready) == tasks_per_instance, (instance_id, ready)
            assert len({r.task_id for r in ready}) == tasks_per_instance
        report = audit.verify(session)
        assert report.ok, report.problem


def test_two_tickers_fire_every_due_timer_exactly_once(sessions, wf, clock, backend):
    _deploy(sessions, wf, "timer_then_task.bpmn")
    instance_ids = _start(sessions, wf, "timer_then_task", 40, {"due": "2026-03-01T00:00:00+08:00"})
    with sessions() as session:
        assert session.scalars(select(Timer.status)).all() == ["waiting"] * 40
        assert session.scalars(select(HumanTask)).all() == []
    clock.set(datetime(2026, 3, 1, tzinfo=UTC))  # 08:00 in Beijing: every timer is due
    barrier = threading.Barrier(2)
    results = _together(_ticker(sessions, wf, barrier), _ticker(sessions, wf, barrier))
    assert not [r for r in results if isinstance(r, BaseException)], results
    claimed = [timer for r in results for timer in r[0]]
    fired = [instance for r in results for instance in r[1]]
    # No timer was claimed by both tickers, and every instance was fired by exactly one.
    assert len(claimed) == len(set(claimed)) == 40
    assert sorted(fired) == sorted(instance_ids)
    assert [r[2] for r in results] == [0, 0], "conflicts"
    _check_fired_once(sessions, instance_ids, timers_per_instance=1, tasks_per_instance=1)


def test_a_claimed_timer_is_skipped_not_waited_for(sessions, wf, clock, backend):
    """A second ticker passes over the row the first one holds (FOR UPDATE SKIP LOCKED)."""
    if backend != "postgresql":
        pytest.skip("SQLite has no row locks: its writers take turns on the whole database")
    _deploy(sessions, wf, "timer_then_task.bpmn")
    _start(sessions, wf, "timer_then_task", 3, {"due": "2026-03-01T00:00:00+08:00"})
    clock.set(datetime(2026, 3, 1, tzinfo=UTC))
    with sessions() as first, first.begin():
        held = wf.claim_due_timer(first, set())
        with sessions() as second, second.begin():
            # Were the row waited for instead of skipped, this would fail after a second.
            second.execute(text("SET LOCAL lock_timeout = '1s'"))
            other = wf.claim_due_timer(second, set())
            assert other is not None and other.id != held.id
            third = wf.claim_due_timer(second, {other.id})
            assert third is not None and third.id not in (held.id, other.id)
            assert wf.claim_due_timer(second, {other.id, third.id}) is None


def test_two_tickers_on_instances_with_two_due_timers_each(sessions, wf, clock, backend):
    """Both timers of an instance fall due together: one fire command takes both, and the
    tickers never get in each other's way (no conflict, no deadlock, nothing fired twice)."""
    _deploy(sessions, wf, "two_timers.bpmn")
    instance_ids = _start(sessions, wf, "two_timers", 10, {"due": "2026-03-01T00:00:00+08:00"})
    clock.set(datetime(2026, 3, 1, tzinfo=UTC))
    barrier = threading.Barrier(2)
    results = _together(_ticker(sessions, wf, barrier), _ticker(sessions, wf, barrier))
    assert not [r for r in results if isinstance(r, BaseException)], results
    _check_fired_once(sessions, instance_ids, timers_per_instance=2, tasks_per_instance=2)
    assert [r[2] for r in results] == [0, 0], "conflicts (on PostgreSQL: deadlocks)"


def test_a_ticker_does_not_take_the_other_timer_of_an_instance_being_fired(
    sessions, wf, clock, backend
):
    """Ticker A has claimed one of an instance's two due timers and is about to fire the
    instance; ticker B claims now. B must not lock the other timer row: A's fire marks it fired,
    and B firing the same instance would wait for A while A waits for B's row (a deadlock)."""
    if backend != "postgresql":
        pytest.skip("SQLite write transactions serialise: B cannot claim while A fires")
    _deploy(sessions, wf, "two_timers.bpmn")
    [instance_id] = _start(sessions, wf, "two_timers", 1, {"due": "2026-03-01T00:00:00+08:00"})
    clock.set(datetime(2026, 3, 1, tzinfo=UTC))
    a_claimed, b_claimed = threading.Event(), threading.Event()

    def ticker_a():
        with sessions() as session, session.begin():
            timer = wf.claim_due_timer(session, set())
            a_claimed.set()
            assert b_claimed.wait(5), "ticker B waited for ticker A instead of skipping"
            return wf.fire_timers(session, timer.instance_id, TICKER)

    def ticker_b():
        assert a_claimed.wait(WAIT)
        try:
            with sessions() as session, session.begin():
                timer = wf.claim_due_timer(session, set())
                b_claimed.set()
                if timer is None:
                    return None
                return wf.fire_timers(session, timer.instance_id, TICKER)
        finally:
            b_claimed.set()

    started = time.monotonic()
    first, second = _together(ticker_a, ticker_b)
    assert isinstance(first, Outcome) and first.ok, first
    # B finds nothing to do (or, had it waited for A, nothing left to fire): never a conflict.
    assert second is None or isinstance(second, Outcome), second
    assert time.monotonic() - started < 1.0, "a ticker waited for the deadlock detector"
    _check_fired_once(sessions, [instance_id], timers_per_instance=2, tasks_per_instance=2)
