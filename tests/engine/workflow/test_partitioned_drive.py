"""Several workers share a province's year, each owning a partition of the instances (issue 12):
every cycle of the year finishes with its funding decision and no incident, although the
workers reach the rows made on first use (a monitoring round, next fiscal year, the year's
default rule set, the evaluations' close) at the same moments."""

from __future__ import annotations

import random
import threading
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from engine.composition import build_engine
from engine.db import create_db_engine, insert_once, session_factory
from engine.demo.simulation import Choices, Simulation, drive
from engine.models import FiscalYear, FundingDecision, Incident, ProcessInstance, Region
from engine.workflow.clock import ManualClock
from engine.workflow.partition import Partition
from tests.support.year import start_year

YEAR, PROJECTS, WORKERS = 2026, 8, 2
START = datetime(YEAR, 1, 4, 1, 0, tzinfo=UTC)


def test_two_workers_drive_a_year_without_an_incident(empty_database_url):
    # Set up and start the cycles; the workers drive all of the year, its filing included.
    started, _, _ = start_year(
        empty_database_url, build_engine, year=YEAR, projects=PROJECTS, seed=5
    )
    started.dispose()
    engine = create_db_engine(empty_database_url)
    sessions = session_factory(engine)
    barrier, failures, stats = threading.Barrier(WORKERS, timeout=120), [], []

    def work(index: int) -> None:
        try:
            clock = ManualClock(START)
            simulation = Simulation(build_engine(clock), Choices(rng=random.Random(index)))
            stats.append(
                drive(
                    simulation,
                    sessions,
                    clock,
                    until=datetime(YEAR + 1, 12, 31, tzinfo=UTC),
                    scope=f"cycle:{YEAR}-",
                    partition=Partition(index, WORKERS),
                    together=barrier.wait,
                )
            )
        except Exception as error:  # reported below: a thread's exception would vanish
            failures.append(error)
            barrier.abort()

    threads = [threading.Thread(target=work, args=(index,)) for index in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(600)
    try:
        assert not failures, failures
        assert all(s.tasks > 0 for s in stats) and sum(s.incidents for s in stats) == 0
        with sessions() as session:
            this_year = ProcessInstance.business_key.like(f"cycle:{YEAR}-%")
            statuses = session.scalars(select(ProcessInstance.status).where(this_year)).all()
            assert statuses == ["completed"] * PROJECTS
            assert session.scalar(select(func.count()).select_from(Incident)) == 0
            decided = session.scalar(select(func.count()).select_from(FundingDecision))
            assert decided == PROJECTS
    finally:
        engine.dispose()


def test_a_row_made_on_first_use_is_made_once(database_url, backend):
    engine = create_db_engine(database_url)
    sessions = session_factory(engine)
    values = {"region_code": "990001", "year": 2099}
    with sessions() as session, session.begin():
        session.add(Region(code="990001", name="测试区"))
    try:
        if backend == "sqlite":
            with sessions() as session, session.begin():
                assert insert_once(session, FiscalYear, values, ["region_code", "year"])
                assert not insert_once(session, FiscalYear, values, ["region_code", "year"])
            return
        # PostgreSQL: the second inserter waits for the first's commit, then inserts nothing.
        first_inserted, answers = threading.Event(), []
        first = sessions()
        first.begin()
        assert insert_once(first, FiscalYear, values, ["region_code", "year"])
        first_inserted.set()

        def second() -> None:
            with sessions() as session, session.begin():
                answers.append(insert_once(session, FiscalYear, values, ["region_code", "year"]))

        thread = threading.Thread(target=second)
        thread.start()
        thread.join(0.5)
        assert thread.is_alive(), "the second inserter should wait for the first's commit"
        first.commit()
        first.close()
        thread.join(30)
        assert answers == [False]
        with sessions() as session:
            rows = session.scalars(select(FiscalYear).where(FiscalYear.year == 2099)).all()
            assert len(rows) == 1
    finally:
        engine.dispose()


@pytest.mark.parametrize(("index", "count"), [(-1, 2), (2, 2), (0, 0), (0, 65)])
def test_a_partition_outside_its_workers_is_refused(index, count):
    with pytest.raises(ValueError, match="workers"):
        Partition(index, count)
