"""Commands racing each other: one winner per instance version, no lost update, no timer twice.

Each racer is a thread with its own session from `sessions`; all threads share one
WorkflowEngine (it is meant to be shared by the threads of a process). On SQLite the write
transactions serialise (BEGIN IMMEDIATE), so the loser reads the winner's committed result; on
PostgreSQL both read the same version and the `UPDATE … WHERE version` decides.
"""

from __future__ import annotations

import re
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime

import pytest
from sqlalchemy import event, select, text

from engine import audit
from engine.actors import Actor
from engine.errors import Conflict
from engine.models import AuditEvent, HumanTask, ProcessInstance, Timer
from engine.workflow.definitions import deploy
from engine.workflow.runtime import Outcome
from tests.engine.workflow.conftest import OPERATOR, source

RUNS = 100
WAIT = 60  # seconds any thread may wait for another before the test fails instead of hanging
TICKER = Actor.system("tick")


# ---- helpers ------------------------------------------------------------------------------


def _deploy(sessions, wf, *names: str) -> None:
    with sessions() as session, session.begin():
        deploy(session, [source(name) for name in names], OPERATOR, wf.operations.names())


def _start(sessions, wf, process_key: str, count: int, data: dict | None = None) -> list[int]:
    with sessions() as session, session.begin():
        ids = []
        for n in range(count):
            outcome = wf.start(session, process_key, f"{process_key}:{n}", data or {}, OPERATOR)
            assert outcome.ok, outcome.error
            ids.append(outcome.instance_id)
        return ids


def _together(*calls: Callable[[], object]) -> list[object]:
    """Run each call in its own thread, released at the same moment; results or exceptions."""
    barrier = threading.Barrier(len(calls))

    def run(call):
        barrier.wait(timeout=WAIT)
        try:
            return call()
        except Exception as error:  # collected and asserted on by the caller
            return error

    with ThreadPoolExecutor(len(calls)) as pool:
        futures = [pool.submit(run, call) for call in calls]
        return [future.result(timeout=WAIT) for future in futures]


def _complete(sessions, wf, task_id: int, data: dict, expected_version: int | None = None):
    def call() -> Outcome:
        with sessions() as session, session.begin():
            return wf.complete_task(session, task_id, data, OPERATOR, expected_version)

    return call


def _split(results: list[object]) -> tuple[list[int], list[int]]:
    """Indexes of the successful racers and of those that got a Conflict (nothing else allowed)."""
    unexpected = [r for r in results if not isinstance(r, Outcome | Conflict)]
    assert not unexpected, unexpected
    won = [i for i, r in enumerate(results) if isinstance(r, Outcome)]
    assert all(results[i].ok for i in won), results
    lost = [i for i, r in enumerate(results) if isinstance(r, Conflict)]
    return won, lost


def _conflict_kind(error: Conflict) -> str:
    if error.errors.get("version") == "stale":
        return "stale version"
    if error.errors.get("task") == "done":
        return "task already done"
    return error.message


def _version(sessions, instance_id: int) -> int:
    with sessions() as session:
        return session.get(ProcessInstance, instance_id).version


def _rows(session, instance_id: int, status: str | None = None) -> list[HumanTask]:
    query = select(HumanTask).where(HumanTask.instance_id == instance_id)
    if status:
        query = query.where(HumanTask.status == status)
    return list(session.scalars(query.order_by(HumanTask.id)))


def _events(session, action: str, instance_id: int) -> list[AuditEvent]:
    return list(
        session.scalars(
            select(AuditEvent)
            .where(AuditEvent.action == action, AuditEvent.object_id == str(instance_id))
            .order_by(AuditEvent.seq)
        )
    )


def _data(session, wf, instance_id: int) -> dict:
    """The workflow data the instance's next ready task sees."""
    workflow = wf.load(session, session.get(ProcessInstance, instance_id), OPERATOR)
    [ready] = [t for t in workflow.get_tasks() if t.task_spec.bpmn_id == "Task_After"]
    return dict(ready.data)


_INSTANCE_WRITE = re.compile(r"^\s*UPDATE\s+\"?process_instance\"?\s", re.IGNORECASE)


@contextmanager
def _writes_held(engine, barrier: threading.Barrier) -> Iterator[threading.local]:
    """Threads that set `held.on` wait at `barrier` just before they write a process instance
    (once each): so every racer has loaded the instance before any of them writes it."""
    held = threading.local()

    def before_cursor_execute(_conn, _cursor, statement, *_args) -> None:
        if getattr(held, "on", False) and _INSTANCE_WRITE.match(statement):
            held.on = False
            barrier.wait(timeout=WAIT)

    event.listen(engine, "before_cursor_execute", before_cursor_execute)
    try:
        yield held
    finally:
        event.remove(engine, "before_cursor_execute", before_cursor_execute)


# ---- the same task, twice at once ---------------------------------------------------------


def test_two_threads_completing_the_same_task_one_wins_100_times(sessions, wf, backend):
    _deploy(sessions, wf, "two_step.bpmn")
    instance_ids = _start(sessions, wf, "two_step", RUNS)
    with sessions() as session:
        first = dict(
            session.execute(
                select(HumanTask.instance_id, HumanTask.id).where(HumanTask.status == "ready")
            ).all()
        )
    kinds: Counter[str] = Counter()
    for run, instance_id in enumerate(instance_ids):
        task_id = first[instance_id]
        before = _version(sessions, instance_id)
        results = _together(
            _complete(sessions, wf, task_id, {"racer": "a"}),
            _complete(sessions, wf, task_id, {"racer": "b"}),
        )
        won, lost = _split(results)
        assert len(won) == 1 and len(lost) == 1, (run, results)
        kinds[_conflict_kind(results[lost[0]])] += 1
        winner = "ab"[won[0]]
        with sessions() as session:
            instance = session.get(ProcessInstance, instance_id)
            assert instance.version == before + 1, run
            [done] = _events(session, "task.complete", instance_id)
            assert done.payload["task"] == task_id and done.payload["data"] == {"racer": winner}
            row = session.get(HumanTask, task_id)
            assert row.status == "completed" and row.completed_by == OPERATOR.name
            rows = _rows(session, instance_id)
            # The first task completed once, the second one ready once: nothing twice, nothing lost.
            assert [(r.element_id, r.status) for r in rows] == [
                ("Task_First", "completed"),
                ("Task_Second", "ready"),
            ], run
            workflow = wf.load(session, instance, OPERATOR)
            [second] = [t for t in workflow.get_tasks() if t.task_spec.bpmn_id == "Task_Second"]
            assert second.data["racer"] == winner
            report = audit.verify(session)
            assert report.ok, report.problem
    # On SQLite the loser always finds the task done; on PostgreSQL it mostly meets the version.
    assert sum(kinds.values()) == RUNS, kinds


@pytest.mark.parametrize("same_task", [True, False], ids=["same task", "two branches"])
def test_both_read_the_same_version_the_version_check_decides(
    sessions, engine, wf, backend, same_task
):
    """Both racers load the instance before either writes: only `UPDATE … WHERE version` is left
    to stop the second one (PostgreSQL; SQLite never lets two writers read the same version)."""
    if backend != "postgresql":
        pytest.skip("SQLite write transactions serialise: two writers never hold one version")
    _deploy(sessions, wf, "parallel_pair.bpmn")
    [instance_id] = _start(sessions, wf, "parallel_pair", 1)
    with sessions() as session:
        left, right = (row.id for row in _rows(session, instance_id, "ready"))
    before = _version(sessions, instance_id)

    def racer(held: threading.local, task_id: int, data: dict):
        def call():
            held.on = True
            with sessions() as session, session.begin():
                return wf.complete_task(session, task_id, data, OPERATOR)

        return call

    targets = [left, left] if same_task else [left, right]
    with _writes_held(engine, threading.Barrier(2)) as held:
        results = _together(
            racer(held, targets[0], {"left": 1}), racer(held, targets[1], {"right": 2})
        )
    won, lost = _split(results)
    assert len(won) == 1 and len(lost) == 1, results
    assert _conflict_kind(results[lost[0]]) == "stale version", results
    assert _version(sessions, instance_id) == before + 1
    with sessions() as session:
        assert len(_events(session, "task.complete", instance_id)) == 1
    if not same_task:
        # The loser retries on the new version and gets through: no update is lost.
        retry = _complete(sessions, wf, targets[lost[0]], [{"left": 1}, {"right": 2}][lost[0]])
        assert retry().ok
        with sessions() as session:
            data = _data(session, wf, instance_id)
            assert (data["left"], data["right"]) == (1, 2)
            assert {r.element_id: r.status for r in _rows(session, instance_id)} == {
                "Task_Left": "completed",
                "Task_Right": "completed",
                "Task_After": "ready",
            }
            assert len(_events(session, "task.complete", instance_id)) == 2
            assert audit.verify(session).ok


# ---- two parallel branches at once ----------------------------------------------------------


def test_two_branches_at_once_one_conflicts_and_its_retry_loses_nothing(sessions, wf, backend):
    """Both racers send the version they read (as the API does): the second to write is stale."""
    _deploy(sessions, wf, "parallel_pair.bpmn")
    instance_ids = _start(sessions, wf, "parallel_pair", 10)
    for instance_id in instance_ids:
        with sessions() as session:
            left, right = (row.id for row in _rows(session, instance_id, "ready"))
        version = _version(sessions, instance_id)
        forms = [{"left": instance_id}, {"right": -instance_id}]
        results = _together(
            _complete(sessions, wf, left, forms[0], expected_version=version),
            _complete(sessions, wf, right, forms[1], expected_version=version),
        )
        won, lost = _split(results)
        assert len(won) == 1 and len(lost) == 1, results
        assert _conflict_kind(results[lost[0]]) == "stale version", results
        assert _version(sessions, instance_id) == version + 1
        loser = [left, right][lost[0]]
        with sessions() as session:
            assert session.get(HumanTask, loser).status == "ready"
        # The loser reloads and retries: it gets through and the winner's work is still there.
        retry = _complete(
            sessions, wf, loser, forms[lost[0]], expected_version=_version(sessions, instance_id)
        )
        assert retry().ok
        assert _version(sessions, instance_id) == version + 2
        with sessions() as session:
            assert {
                r.element_id: (r.status, r.completed_by) for r in _rows(session, instance_id)
            } == {
                "Task_Left": ("completed", OPERATOR.name),
                "Task_Right": ("completed", OPERATOR.name),
                "Task_After": ("ready", None),
            }
            data = _data(session, wf, instance_id)
            assert data["left"] == instance_id and data["right"] == -instance_id
            events = _events(session, "task.complete", instance_id)
            assert sorted(e.payload["task"] for e in events) == sorted([left, right])
    with sessions() as session:
        assert audit.verify(session).ok


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


# ---- one engine shared by threads ---------------------------------------------------------


def test_one_engine_shared_by_threads_starts_every_instance_on_the_same_spec(sessions, wf):
    """Starts and task completions in parallel threads on one engine (one codec)."""
    _deploy(sessions, wf, "two_step.bpmn")
    seeded = _start(sessions, wf, "two_step", 40)
    with sessions() as session:
        tasks = session.scalars(select(HumanTask.id).order_by(HumanTask.id)).all()

    def starter():
        ids = []
        for n in range(40):
            with sessions() as session, session.begin():
                ids.append(wf.start(session, "two_step", f"more:{n}", {}, OPERATOR).instance_id)
        return ids

    def completer():
        return [_complete(sessions, wf, task_id, {})().ok for task_id in tasks]

    started, completed = _together(starter, completer)
    assert not isinstance(started, BaseException), started
    assert not isinstance(completed, BaseException), completed
    assert all(completed)
    with sessions() as session:
        specs = set(session.scalars(select(ProcessInstance.spec_sha256)))
        assert len(specs) == 1, specs
        assert len(started) + len(seeded) == len(session.scalars(select(ProcessInstance.id)).all())
