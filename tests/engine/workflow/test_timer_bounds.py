"""Timers are bounded at run time too, and `budgetloop tick` has a time limit (issue 10, item 3).

A timer whose value comes from a variable is only known at run time: the same maxima as at
deployment apply then (bpmn/timers.py), and exceeding them is an incident naming the element,
not an engine that counts a billion months. `tick --max-seconds` stops claiming new timers after
that long and says how many are still due.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from engine.db import unit_of_work
from engine.models import Incident, ProcessInstance, Timer
from engine.workflow.definitions import deploy
from engine.workflow.ticker import DEFAULT_MAX_SECONDS, fire_due_timers
from tests.engine.workflow.conftest import OPERATOR, source


def _start(sessions, wf, clock, dues: list[str]) -> list:
    clock.set(datetime(1999, 12, 1, tzinfo=UTC))
    outcomes = []
    with sessions() as session, session.begin():
        deploy(session, [source("timer_then_task.bpmn")], OPERATOR, wf.operations.names())
        for number, due in enumerate(dues):
            outcomes.append(
                wf.start(session, "timer_then_task", f"bounds:{number}", {"due": due}, OPERATOR)
            )
    return outcomes


def test_a_run_time_timer_beyond_the_maximum_is_an_incident_naming_the_element(sessions, wf, clock):
    # Unbounded, the library counted 1.2 billion months here (more than 90 s at start).
    (outcome,) = _start(sessions, wf, clock, ["P99999999Y"])

    assert not outcome.ok
    with sessions() as session:
        incident = session.get(Incident, outcome.incident_id)
        # The engine records the element it last moved past; the error names the timer itself.
        assert (
            "timer 'Timer_Due': the duration 'P99999999Y' is longer than the maximum of 10 years"
            in incident.error
        ), incident.error
        # A start that fails stores no instance, only the incident (retry replays the start).
        assert session.scalars(select(ProcessInstance)).all() == []


def _due(sessions, wf, clock, count: int) -> None:
    outcomes = _start(sessions, wf, clock, ["2000-01-01T00:00:00Z"] * count)
    assert all(outcome.ok for outcome in outcomes)


def _waiting(sessions) -> int:
    with sessions() as session:
        return len(session.scalars(select(Timer).where(Timer.status == "waiting")).all())


def test_tick_stops_claiming_at_its_time_limit_and_says_what_is_left(
    budgetloop, sessions, wf, clock
):
    _due(sessions, wf, clock, 3)

    code, out, err = budgetloop("tick", "--now", "2000-01-02T00:00:00Z", "--max-seconds", "0")
    assert (code, err) == (0, "")
    assert out == (
        "fired timers on 0 instances; 0 incidents; 0 conflicts\n"
        "stopped after 0 seconds (--max-seconds); 3 timers still due: run tick again\n"
    )
    assert _waiting(sessions) == 3

    code, out, _ = budgetloop("tick", "--now", "2000-01-02T00:00:00Z")
    assert (code, out) == (0, "fired timers on 3 instances; 0 incidents; 0 conflicts\n")
    assert _waiting(sessions) == 0


def test_tick_refuses_a_negative_time_limit(budgetloop):
    code, out, err = budgetloop("tick", "--max-seconds", "-1")
    assert code == 2 and out == ""
    assert "--max-seconds" in err


def test_the_ticker_checks_the_limit_before_each_claim(sessions, wf, clock):
    _due(sessions, wf, clock, 3)
    clock.set(datetime(2000, 1, 2, tzinfo=UTC))
    # A clock on which every reading is ten seconds later than the one before.
    readings = iter(range(0, 10_000, 10))

    stats = fire_due_timers(
        wf,
        lambda: unit_of_work(sessions),
        OPERATOR,
        max_seconds=15,
        monotonic=lambda: next(readings),
    )

    # Start at 0 (deadline 15); 10: claim one; 20: stop.
    assert (stats.fired, stats.out_of_time, stats.left) == (1, True, 2)
    assert _waiting(sessions) == 2
    rest = fire_due_timers(wf, lambda: unit_of_work(sessions), OPERATOR)
    assert (rest.fired, rest.out_of_time, rest.left) == (2, False, 0)


def test_the_default_limit_is_five_minutes():
    assert DEFAULT_MAX_SECONDS == 300
