"""Workflows kept in memory between commands (issue 12) are used only when the row holds
exactly what they saved: a rolled-back command, another process's write and an edited row all
read the state from the row."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from engine.composition import build_engine
from engine.demo.simulation import Choices, Simulation
from engine.errors import ConfigurationError
from engine.models import HumanTask, ProcessInstance
from engine.review.tasks import complete
from engine.workflow.live_workflows import LiveWorkflows, live_capacity
from tests.engine.workflow.conftest import ready_tasks


def _next_task(sessions, instance_id) -> HumanTask:
    tasks = ready_tasks(sessions, instance_id)
    assert tasks, "the instance has no ready task"
    return tasks[0]


def _complete(simulation, sessions, instance_id):
    outcome = simulation.complete_one(sessions, _next_task(sessions, instance_id).id)
    assert outcome is not None and outcome.ok, outcome
    return outcome


def _state(sessions, instance_id) -> tuple[int, str]:
    with sessions() as session:
        row = session.get(ProcessInstance, instance_id)
        return row.version, row.state


def test_the_next_command_runs_on_the_workflow_the_last_one_saved(
    sessions, wf, province, start, simulation
):
    instance_id = start(province[0])
    before = wf.live.hits
    _complete(simulation, sessions, instance_id)
    _complete(simulation, sessions, instance_id)
    assert wf.live.hits == before + 2
    # What is kept holds no script engine: nothing of the last command's session stays alive.
    kept = wf.live._entries[instance_id].workflow
    assert kept.script_engine is None


def test_a_rolled_back_command_leaves_nothing_to_reuse(sessions, wf, province, start, simulation):
    instance_id = start(province[0])
    task = _next_task(sessions, instance_id)
    saved = _state(sessions, instance_id)
    with pytest.raises(RuntimeError), sessions() as session, session.begin():
        data = simulation.form(session, session.get(HumanTask, task.id))
        actor = simulation.actor_for(session, session.get(HumanTask, task.id))
        assert complete(session, wf, task.id, data, actor).ok
        raise RuntimeError("the caller's transaction fails after the command")
    assert _state(sessions, instance_id) == saved
    misses = wf.live.misses
    _complete(simulation, sessions, instance_id)  # the same task again, from the row
    assert wf.live.misses == misses + 1
    with sessions() as session:
        done = session.get(HumanTask, task.id)
        assert done.status == "completed"


def test_another_process_writing_the_instance_is_seen(sessions, province, start, clock):
    """Two engines (two worker processes) take turns on one instance: each reads the other's
    write from the row, never its own older workflow."""
    first, second = build_engine(clock), build_engine(clock)
    instance_id = start(province[0])
    on_first, on_second = Simulation(first, Choices()), Simulation(second, Choices())
    _complete(on_first, sessions, instance_id)
    _complete(on_second, sessions, instance_id)
    _complete(on_first, sessions, instance_id)
    assert first.live.misses >= 2 and second.live.misses >= 1
    assert first.live.hits == second.live.hits == 0
    with sessions() as session:
        done = session.scalars(
            select(HumanTask.status).where(HumanTask.instance_id == instance_id)
        ).all()
    assert done.count("completed") == 3


def test_an_edited_row_is_read_again(sessions, wf, province, start, simulation):
    instance_id = start(province[0])
    _complete(simulation, sessions, instance_id)
    version, state = _state(sessions, instance_id)
    with sessions() as session, session.begin():
        # Same version, different text (an operator's repair, say): the row wins.
        session.execute(
            update(ProcessInstance)
            .where(ProcessInstance.id == instance_id)
            .values(state=state.replace('"last_task"', ' "last_task"', 1))
        )
    misses = wf.live.misses
    _complete(simulation, sessions, instance_id)
    assert wf.live.misses == misses + 1


def test_the_least_recently_saved_go_first_and_a_take_removes():
    live = LiveWorkflows(capacity=2)
    for instance_id in (1, 2, 3):
        live.keep(instance_id, 1, f"s{instance_id}", object())
    assert len(live) == 2
    assert live.take(1, 1, "s1") is None  # pushed out
    assert live.take(2, 2, "s2") is None  # another version
    assert live.take(3, 1, "s3") is not None
    assert live.take(3, 1, "s3") is None  # taken: a second command cannot share it
    assert LiveWorkflows(capacity=0).keep(1, 1, "s", object()) is None


@pytest.mark.parametrize("raw", ["-1", "ten", "100001", "1e3"])
def test_a_wrong_capacity_is_refused_with_its_name(raw):
    with pytest.raises(ConfigurationError, match="BUDGETLOOP_LIVE_WORKFLOWS"):
        live_capacity({"BUDGETLOOP_LIVE_WORKFLOWS": raw})
    assert live_capacity({}) == 2_000 and live_capacity({"BUDGETLOOP_LIVE_WORKFLOWS": "0"}) == 0
