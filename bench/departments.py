"""Benchmark the departments' execution roll-ups (部门整体绩效) on a province of N projects.

Seeds a province of N projects, gives every project a submitted Jan–Jul monitoring report,
then, in the same run:

- baseline: one set-based query summing every department's reported execution at once;
- mid-year: `rollup.mid_year` for each department, one query each, as each department's
  monitoring report does when it is opened and recorded;
- year end: `rollup.year_end` for each department, as each overall evaluation does.

Prints milliseconds for each, the slowest department, and each roll-up's ratio to the baseline.

    .venv/bin/python bench/departments.py [--projects 10000] [--postgres]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, insert, select  # noqa: E402

from engine.db import create_db_engine, session_factory, unit_of_work  # noqa: E402
from engine.department import rollup  # noqa: E402
from engine.models import (  # noqa: E402
    FiscalYear,
    MonitoringReport,
    MonitoringTask,
    Organisation,
    Project,
)
from engine.models.enums import DocumentStatus, OrgKind  # noqa: E402
from engine.synthetic.province import SeedRequest, seed_province  # noqa: E402
from tests.support.databases import migrate  # noqa: E402
from tests.support.postgres import ThrowawayPostgres  # noqa: E402

YEAR = 2026


def build(url: str, projects: int):
    migrate(url)
    engine = create_db_engine(url)
    sessions = session_factory(engine)
    with unit_of_work(sessions) as session:
        seed_province(session, SeedRequest(year=YEAR, projects=projects, seed=5))
        year = session.scalars(select(FiscalYear)).one()
        task = MonitoringTask(
            fiscal_year_id=year.id, round_code="jan_jul", months_elapsed=7, due_on=date(YEAR, 8, 31)
        )
        session.add(task)
        session.flush()
        rows = [
            {
                "task_id": task.id,
                "project_id": project_id,
                "budget": amount,
                "executed_to_date": (amount * 47 / 100).quantize(amount),
                "status": DocumentStatus.APPROVED,
            }
            for project_id, amount in session.execute(select(Project.id, Project.requested_amount))
        ]
        session.execute(insert(MonitoringReport), rows)
    return engine, sessions, year.id


def timed(work) -> tuple[float, list[float]]:
    each = []
    started = time.perf_counter()
    for step in work:
        step_started = time.perf_counter()
        step()
        each.append((time.perf_counter() - step_started) * 1000)
    return (time.perf_counter() - started) * 1000, each


def run(name: str, url: str, projects: int) -> None:
    engine, sessions, year_id = build(url, projects)
    with sessions() as session:
        departments = session.scalars(
            select(Organisation.id).where(Organisation.kind == OrgKind.DEPARTMENT)
        ).all()
        unit = Organisation.__table__.alias("unit")
        started = time.perf_counter()
        grouped = session.execute(
            select(unit.c.parent_id, func.sum(MonitoringReport.executed_to_date))
            .join(Project, Project.id == MonitoringReport.project_id)
            .join(unit, unit.c.id == Project.unit_id)
            .group_by(unit.c.parent_id)
        ).all()
        baseline = (time.perf_counter() - started) * 1000
        results = {}
        mid, mid_each = timed(
            (lambda d=d: results.__setitem__(d, rollup.mid_year(session, d, year_id)))
            for d in departments
        )
        end, end_each = timed(
            (lambda d=d: rollup.year_end(session, d, year_id)) for d in departments
        )
    engine.dispose()
    expected = {department: total for department, total in grouped}
    assert all(results[d].executed == expected.get(d, 0) for d in departments)
    print(
        f"{name:<10} {projects:>9,} {len(departments):>11} {baseline:>9.1f} {mid:>9.1f} "
        f"{max(mid_each):>8.1f} {end:>9.1f} {max(end_each):>8.1f} "
        f"{mid / baseline:>6.1f}x {end / baseline:>6.1f}x"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--projects", type=int, default=10_000)
    parser.add_argument("--postgres", action="store_true")
    args = parser.parse_args()
    print(
        f"{'database':<10} {'projects':>9} {'departments':>11} {'bare ms':>9} {'mid ms':>9} "
        f"{'slowest':>8} {'end ms':>9} {'slowest':>8} {'mid/bare':>7} {'end/bare':>8}"
    )
    with tempfile.TemporaryDirectory(prefix="bench-departments-") as scratch:
        run("sqlite", f"sqlite:///{scratch}/departments.sqlite3", args.projects)
    if args.postgres:
        with ThrowawayPostgres() as cluster:
            run("postgresql", cluster.url(), args.projects)


if __name__ == "__main__":
    main()
