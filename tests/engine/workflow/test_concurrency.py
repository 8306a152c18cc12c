"""Commands racing each other: one winner per instance version, no lost update, no timer twice.

Each racer is a thread with its own session from `sessions`; all threads share one
WorkflowEngine (it is meant to be shared by the threads of a process). On SQLite the write
transactions serialise (BEGIN IMMEDIATE), so the loser reads the winner's committed result; on
PostgreSQL both read the same version and the `UPDATE … WHERE version` decides.
"""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from sqlalchemy import select

from engine import audit
from engine.models import HumanTask, ProcessInstance
from tests.engine.workflow.conftest import OPERATOR
from tests.engine.workflow.race_support import (
    _complete,
    _conflict_kind,
    _data,
    _deploy,
    _events,
    _rows,
    _split,
    _start,
    _together,
    _version,
    _writes_held,
)

RUNS = 100


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
