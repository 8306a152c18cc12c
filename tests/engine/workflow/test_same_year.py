"""Pruning finished subprocesses and keeping live workflows in memory change nothing a year
decides (issue 12).

The same seeded province is driven through its year twice, on the engine as it was (every
finished subprocess kept in the saved state, every state read from its row) and on today's
(pruned, live workflows reused), and every row of what
the year decides is compared: target tables and indicators, alerts, evaluations and scores,
rectification orders, funding decisions, accountability actions, allocations, the work queue
and the timers.
"""

from __future__ import annotations

from sqlalchemy import func, select

from engine.composition import build_engine
from engine.db import create_db_engine, session_factory
from engine.models import FinishedDiagram, Incident, ProcessInstance
from tests.support.year import live_year, outcomes

YEAR, PROJECTS, SEED = 2026, 8, 4
# Seeded rows carry the wall-clock time they were written, and task ids are random UUIDs.
UNREPEATABLE = frozenset({"created_at", "task_id"})


def _state_bytes(url: str) -> tuple[int, int, int]:
    engine = create_db_engine(url)
    try:
        with session_factory(engine)() as session:
            states = session.scalars(select(ProcessInstance.state)).all()
            incidents = session.scalar(select(func.count()).select_from(Incident))
            kept = session.scalar(select(func.count()).select_from(FinishedDiagram))
        return sum(len(state) for state in states), incidents, kept
    finally:
        engine.dispose()


def test_a_pruned_year_decides_exactly_what_an_unpruned_one_does(templates):
    kept_url, pruned_url = templates.fresh(empty=True), templates.fresh(empty=True)
    kept = live_year(
        kept_url,
        lambda c: build_engine(c, prune=False, live=False),
        year=YEAR,
        projects=PROJECTS,
        seed=SEED,
    )
    todays = []

    def today(clock):
        todays.append(build_engine(clock))
        return todays[-1]

    pruned = live_year(pruned_url, today, year=YEAR, projects=PROJECTS, seed=SEED)
    # Most commands ran on the workflow the previous command on the instance left in memory.
    assert todays[0].live.hits > (pruned.tasks + pruned.timers) // 2, todays[0].live.hits
    assert (pruned.tasks, pruned.timers, pruned.incidents) == (
        kept.tasks,
        kept.timers,
        kept.incidents,
    )
    assert pruned.tasks > PROJECTS * 10 and pruned.incidents == 0
    before, after = (outcomes(url, skip_columns=UNREPEATABLE) for url in (kept_url, pruned_url))
    for table, rows in before.items():
        assert rows, f"the year wrote no {table}"
        assert after[table] == rows, f"{table} differs between the pruned and the kept year"
    kept_bytes, kept_incidents, kept_diagrams = _state_bytes(kept_url)
    pruned_bytes, pruned_incidents, pruned_diagrams = _state_bytes(pruned_url)
    assert kept_incidents == pruned_incidents == 0
    assert kept_diagrams == 0 and pruned_diagrams > PROJECTS * 5
    # The states are what pruning is for: the year-end states are a fraction of what they were.
    assert pruned_bytes * 3 < kept_bytes, (pruned_bytes, kept_bytes)
