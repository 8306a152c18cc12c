"""A province's year through the engine, as the demo and bench/year.py run it, with the engine
built by the caller (so a test can run the same year on two engines and compare)."""

from __future__ import annotations

import random
from datetime import UTC, datetime

from sqlalchemy import inspect, text

from engine import reference, schema
from engine.composition import deploy_shipped
from engine.db import create_db_engine, session_factory, unit_of_work
from engine.demo.main import DEMO_ACTOR, _start_cycles
from engine.demo.simulation import Choices, DriveStats, Simulation, drive
from engine.synthetic.province import SeedRequest, seed_province
from engine.workflow.clock import ManualClock

# What the year decides, table by table; compared whole, row by row.
OUTCOME_TABLES = (
    "ex_ante_assessment",
    "target_table",
    "indicator",
    "alert",
    "evaluation",
    "evaluation_score",
    "rectification_order",
    "funding_decision",
    "accountability_action",
    "allocation",
    "human_task",
    "timer",
)


def start_year(url: str, build, *, year: int, projects: int, seed: int):
    """Set up the database at `url`, seed `projects` projects and start their cycles on the
    engine `build(clock)` returns; nothing is driven. Returns (database engine, workflow
    engine, clock) — the caller disposes of the database engine."""
    engine = create_db_engine(url)
    sessions = session_factory(engine)
    clock = ManualClock(datetime(year, 1, 4, 1, 0, tzinfo=UTC))
    workflow = build(clock)
    schema.upgrade(engine)
    with unit_of_work(sessions) as session:
        reference.install(session)
        deploy_shipped(session, workflow, DEMO_ACTOR)
        seed_province(session, SeedRequest(year=year, projects=projects, seed=seed))
    _start_cycles(sessions, workflow, year, lambda _line: None)
    return engine, workflow, clock


def live_year(
    url: str, build, *, year: int, projects: int, seed: int, until: datetime | None = None
) -> DriveStats:
    """Seed `projects` projects and drive their cycles on the engine `build(clock)` returns,
    to `until` (by default the end of the next year, when the cycles are done)."""
    engine, workflow, clock = start_year(url, build, year=year, projects=projects, seed=seed)
    try:
        return drive(
            Simulation(workflow, Choices(rng=random.Random(seed))),
            session_factory(engine),
            clock,
            until=until or datetime(year + 1, 12, 31, tzinfo=UTC),
            scope=f"cycle:{year}-",
        )
    finally:
        engine.dispose()


def outcomes(url: str, tables=OUTCOME_TABLES, skip_columns=frozenset()) -> dict[str, list]:
    """Every row of each table, ordered by id, without the columns in `skip_columns`."""
    engine = create_db_engine(url)
    try:
        found = {}
        with engine.connect() as connection:
            names = set(inspect(connection).get_table_names())
            for table in tables:
                assert table in names, table
                columns = [
                    column["name"]
                    for column in inspect(connection).get_columns(table)
                    if column["name"] not in skip_columns
                ]
                listed = ", ".join(f'"{name}"' for name in columns)
                rows = connection.execute(text(f'SELECT {listed} FROM "{table}" ORDER BY id'))
                found[table] = [dict(zip(columns, row, strict=True)) for row in rows]
        return found
    finally:
        engine.dispose()
