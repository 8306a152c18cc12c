"""A finished subprocess leaves the saved state, and the pages show the instance as before.

The same seeded projects run on two engines, one keeping every finished subprocess in the
state (as the engine did before pruning) and one pruning them; mid-year (live and finished
subprocesses side by side, reviews returned and approved) and at the end, every instance's
view — its diagrams with their active and completed elements and flows, and its history with
outcomes and comments — and every review history is the same on both.
"""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime

import pytest
from sqlalchemy import event, null, select, update

from engine.actors import Actor
from engine.composition import build_engine
from engine.db import create_db_engine, session_factory
from engine.demo.simulation import Choices, Simulation, drive
from engine.models import FinishedDiagram, HumanTask, ProcessInstance, Project
from engine.review.queries import REVIEW_FORMS, document_ref, review_history
from engine.workflow.clock import ManualClock
from engine.workflow.instance_view import instance_view
from engine.workflow.task_data import recorded
from tests.support import year as year_support
from tests.support.year import live_year

YEAR, PROJECTS, SEED = 2026, 4, 9
READER = Actor.system("test")


def _views(url: str, prune: bool) -> dict:
    engine = create_db_engine(url)
    workflow = build_engine(ManualClock(datetime(YEAR, 12, 31, tzinfo=UTC)), prune=prune)
    try:
        with session_factory(engine)() as session:
            views = {}
            for instance in session.scalars(select(ProcessInstance).order_by(ProcessInstance.id)):
                project = session.scalars(
                    select(Project).where(Project.code == instance.business_key[6:])
                ).one()
                view = instance_view(session, READER, workflow, instance, project)
                views[instance.business_key] = {
                    "diagrams": [
                        (d.process, d.called_as, d.call_activity, d.parent, d.running)
                        + (d.active, d.completed, [tuple(f) for f in d.flows], d.definition_id)
                        for d in view.diagrams
                    ],
                    "history": [
                        (e.kind, e.element, e.name, e.status, e.actor, e.outcome, e.comment)
                        for e in view.history
                    ],
                    "reviews": _review_histories(session, workflow, instance),
                }
            return views
    finally:
        engine.dispose()


def _review_histories(session, workflow, instance) -> list:
    loaded = workflow.load(session, instance, READER)
    histories = []
    for task in session.scalars(
        select(HumanTask)
        .where(HumanTask.instance_id == instance.id, HumanTask.form.in_(REVIEW_FORMS))
        .order_by(HumanTask.id)
    ):
        ref = document_ref(loaded, task)
        steps = review_history(session, loaded, task, ref)
        histories.append((ref, [(s.level, s.actor, s.outcome, s.comment) for s in steps]))
    return histories


@pytest.mark.parametrize("until", [datetime(YEAR, 7, 20, tzinfo=UTC), None], ids=["july", "end"])
def test_the_pages_show_a_pruned_instance_as_they_showed_it_whole(templates, until):
    kept_url, pruned_url = templates.fresh(empty=True), templates.fresh(empty=True)
    for url, prune in ((kept_url, False), (pruned_url, True)):
        live_year(
            url,
            lambda clock, prune=prune: build_engine(clock, prune=prune),
            year=YEAR,
            projects=PROJECTS,
            seed=SEED,
            until=until,
        )
    kept, pruned = _views(kept_url, prune=False), _views(pruned_url, prune=True)
    assert kept.keys() == pruned.keys() and len(kept) >= PROJECTS  # next year's start too
    outcomes = [step[2] for view in kept.values() for _, steps in view["reviews"] for step in steps]
    assert "return" in outcomes and "approve" in outcomes
    for key, view in kept.items():
        assert len(view["diagrams"]) > (3 if key.startswith(f"cycle:{YEAR}-") else 1)
        assert pruned[key] == view, key


def test_a_finished_subprocess_leaves_the_state_and_its_diagram_is_kept(database_url):
    live_year(database_url, build_engine, year=YEAR, projects=2, seed=SEED)
    engine = create_db_engine(database_url)
    try:
        with session_factory(engine)() as session:
            this_year = ProcessInstance.business_key.like(f"cycle:{YEAR}-%")
            for instance in session.scalars(select(ProcessInstance).where(this_year)):
                assert instance.status == "completed"
                assert json.loads(instance.state)["subprocesses"] == {}
                kept = session.scalars(
                    select(FinishedDiagram).where(FinishedDiagram.instance_id == instance.id)
                ).all()
                called = {row.called_as for row in kept}
                assert {"target_filing", "monitoring", "evaluation"} <= called
                # Each nested one hangs under a subprocess kept for the same instance.
                keys = {row.call_task_id for row in kept}
                assert all(row.parent_task_id in keys | {None} for row in kept)
                assert any(row.parent_task_id is not None for row in kept)
            completed = session.scalars(
                select(HumanTask).where(HumanTask.status == "completed", HumanTask.form == "review")
            ).all()
            assert completed and all(
                task.result["outcome"] in {"approve", "return"} for task in completed
            )
            assert all(task.result["document"]["type"] for task in completed)
    finally:
        engine.dispose()


def _outcomes(session, workflow, ids=None) -> dict:
    found = {}
    for instance in session.scalars(select(ProcessInstance)):
        loaded = workflow.load(session, instance, READER)
        for row in session.scalars(
            select(HumanTask).where(
                HumanTask.instance_id == instance.id, HumanTask.status == "completed"
            )
        ):
            if ids is None or row.id in ids:
                result = recorded(row, loaded)
                found[row.id] = (result.get("outcome"), result.get("comment"))
    return found


def test_tasks_completed_before_results_were_kept_keep_them_when_pruned(database_url):
    """An installation upgraded to revision 0011: its completed tasks have no result on their
    rows, and their subprocesses are pruned at the instance's next command."""
    july = datetime(YEAR, 7, 20, tzinfo=UTC)
    before_0011 = lambda clock: build_engine(clock, prune=False, live=False)  # noqa: E731
    live_year(database_url, before_0011, year=YEAR, projects=3, seed=SEED, until=july)
    engine = create_db_engine(database_url)
    sessions = session_factory(engine)
    try:
        with sessions() as session, session.begin():
            # As revision 0011 left them: SQL NULL (None would store JSON null).
            session.execute(update(HumanTask).values(result=null()))
        with sessions() as session:
            legacy = _outcomes(session, build_engine(ManualClock(july)))
        assert {"approve", "return"} <= {outcome for outcome, _ in legacy.values()}
        clock = ManualClock(july)
        today = build_engine(clock)
        drive(
            Simulation(today, Choices(rng=random.Random(1))),
            sessions,
            clock,
            until=datetime(YEAR + 1, 12, 31, tzinfo=UTC),
            scope=f"cycle:{YEAR}-",
        )
        with sessions() as session:
            for instance in session.scalars(select(ProcessInstance)):
                if instance.business_key.startswith(f"cycle:{YEAR}-"):
                    assert json.loads(instance.state)["subprocesses"] == {}
            rows = {
                row.id: row
                for row in session.scalars(select(HumanTask).where(HumanTask.id.in_(legacy)))
            }
            kept = {
                row_id: ((row.result or {}).get("outcome"), (row.result or {}).get("comment"))
                for row_id, row in rows.items()
            }
        assert kept == legacy
    finally:
        engine.dispose()


def test_every_look_up_of_an_instances_tasks_uses_the_instances_index(
    database_url, backend, monkeypatch
):
    """The year's statements that read an instance's task rows are searched by instance: with
    `status` in the WHERE, SQLite once took the inbox index (status first) and walked every
    completed task of every instance at each prune — a year's cost per project grew with the
    number of projects."""
    if backend != "sqlite":
        pytest.skip("EXPLAIN QUERY PLAN is SQLite's; PostgreSQL plans from its statistics")
    sent: dict[str, object] = {}

    def recording(url, **options):
        engine = create_db_engine(url, **options)

        @event.listens_for(engine, "before_cursor_execute")
        def _note(_conn, _cursor, statement, parameters, _context, many):
            if (
                statement.lstrip().startswith("SELECT")
                and "human_task.instance_id = ?" in statement
            ):
                sent.setdefault(statement, parameters[0] if many else parameters)

        return engine

    monkeypatch.setattr(year_support, "create_db_engine", recording)
    live_year(database_url, build_engine, year=YEAR, projects=2, seed=SEED)
    assert sent, "the year reads instances' task rows"
    engine = create_db_engine(database_url)
    with engine.connect() as connection:
        for statement, parameters in sent.items():
            plan = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters).all()
            details = " ".join(row[3] for row in plan if "human_task" in row[3])
            assert "(instance_id=?" in details, (statement[:200], details)
    engine.dispose()
