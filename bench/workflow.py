"""Benchmark the workflow runtime: step cost against the bare library, throughput, growth.

1. Step cost ratio (SQLite). One command through the engine — load the instance, complete a
   user task, run to the next wait state, save, refresh the derived tables, audit, commit — timed
   around `wf.complete_task` in its own transaction, against the bare library doing the same step
   for the same definitions in the same run: `codec.load_full` (the library's full serializer,
   spec included), complete the task, `do_engine_steps`, `codec.dump_full`, nothing stored.
   Processes: a five-step process generated at run time (start → 5 user tasks → end) and the
   shipped `review` (department review → finance review, with its service tasks; the bare side
   answers the service tasks with a stub that returns what the real operation returns).
2. Throughput. A seeded province's projects each run their whole budget cycle (`start_cycle`,
   then `engine.demo.simulation.drive` with simulated people) on SQLite and on a throwaway
   PostgreSQL 15; complete cycles per second, and the extrapolated time for 10,000 projects.
3. Growth. The step cost of the five-step process with 1k, 10k and 100k instances already in
   the database (the first ones started through the engine, the rest copied with
   INSERT … SELECT, as the output says).

Timings are printed, never asserted.

    .venv/bin/python bench/workflow.py [--quick] [--steps N] [--projects N]
                                       [--sizes 1000,10000,100000] [--no-postgres]
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, select  # noqa: E402

from bench.workflow_common import OPERATOR, YEAR, fresh_sqlite, new_clock  # noqa: E402
from bench.workflow_growth import growth  # noqa: E402
from bench.workflow_step_cost import step_cost  # noqa: E402
from engine.composition import build_engine, deploy_shipped  # noqa: E402
from engine.cycle.start import start_cycle  # noqa: E402
from engine.db import create_db_engine, session_factory  # noqa: E402
from engine.demo.simulation import Choices, Simulation, drive  # noqa: E402
from engine.models import (  # noqa: E402
    ProcessInstance,
    Project,
)
from engine.synthetic.province import SeedRequest, seed_province  # noqa: E402
from tests.support.databases import migrate  # noqa: E402
from tests.support.postgres import ThrowawayPostgres  # noqa: E402

# ---- 2. throughput: whole budget cycles with simulated people -------------------------------


def throughput(url: str, backend: str, projects: int) -> None:
    engine = create_db_engine(url)
    sessions = session_factory(engine)
    clock = new_clock()
    wf = build_engine(clock)
    with sessions() as session, session.begin():
        deploy_shipped(session, wf, OPERATOR)
        seed_province(session, SeedRequest(year=YEAR, projects=projects, seed=3))
    with sessions() as session:
        project_ids = session.scalars(select(Project.id).order_by(Project.id)).all()
    started = time.perf_counter()
    for project_id in project_ids:
        with sessions() as session, session.begin():
            outcome = start_cycle(session, wf, session.get(Project, project_id), OPERATOR)
        assert outcome.ok, outcome.error
    simulation = Simulation(wf, Choices(rng=random.Random(1)))
    stats = drive(
        simulation,
        sessions,
        clock,
        until=datetime(YEAR + 1, 12, 31, tzinfo=UTC),
        scope=f"cycle:{YEAR}-",
    )
    elapsed = time.perf_counter() - started
    with sessions() as session:
        completed = session.scalar(
            select(func.count())
            .select_from(ProcessInstance)
            .where(
                ProcessInstance.business_key.startswith(f"cycle:{YEAR}-"),
                ProcessInstance.status == "completed",
            )
        )
    engine.dispose()
    per_second = completed / elapsed if completed else 0.0
    commands = len(project_ids) + stats.tasks + stats.timers
    full_year = 10_000 / per_second / 60 if per_second else float("inf")
    print(
        f"   {backend:<10} {len(project_ids):>8,} {completed:>9,} {stats.tasks:>7,} "
        f"{stats.timers:>6,} {stats.incidents + stats.conflicts:>8,} {elapsed:>8.1f} "
        f"{commands / elapsed:>10.0f} {per_second:>9.2f} {full_year:>12.1f}"
    )


# ---- main ------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes: a run of a minute")
    parser.add_argument("--steps", type=int, help="instances per process for the step cost")
    parser.add_argument("--projects", type=int, help="projects for the throughput (200)")
    parser.add_argument("--sizes", help="instances in the database for the growth (1k,10k,100k)")
    parser.add_argument("--probes", type=int, help="steps timed at each growth size")
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
    args = parser.parse_args()
    steps = args.steps or (20 if args.quick else 100)
    projects = args.projects or (20 if args.quick else 200)
    sizes = [
        int(s)
        for s in (args.sizes or ("500,2000" if args.quick else "1000,10000,100000")).split(",")
    ]
    probes = args.probes or (30 if args.quick else 100)
    real = 1000
    print(f"budgetloop workflow benchmark, {datetime.now():%Y-%m-%d %H:%M}")
    with tempfile.TemporaryDirectory(prefix="bench-workflow-") as scratch:
        scratch = Path(scratch)
        step_cost(scratch, steps)

        cluster = None if args.no_postgres else ThrowawayPostgres().start()
        try:
            print(
                "\n2. Throughput: whole budget cycles of a seeded province, simulated people\n"
                "   (start_cycle per project, then drive() to the end of the year's cycles)"
            )
            print(
                f"   {'database':<10} {'projects':>8} {'completed':>9} {'tasks':>7} {'timers':>6} "
                f"{'problems':>8} {'seconds':>8} {'commands/s':>10} {'cycles/s':>9} "
                f"{'10k min':>12}"
            )
            throughput(fresh_sqlite(scratch, "throughput"), "sqlite", projects)
            if cluster is not None:
                with_pg = cluster.url("postgres")
                migrate(with_pg)
                throughput(with_pg, "postgresql", projects)

            print(
                "\n3. Step cost as instances pile up (five-step process; the first "
                f"{real:,} instances started\n   through the engine, 100 a transaction; the "
                "rest copied with INSERT … SELECT, work-queue rows included)"
            )
            print(
                f"   {'database':<10} {'instances':>9} {'started':>8} {'copied':>8} "
                f"{'steps':>6} {'median ms':>9} {'p95':>7}"
            )
            growth(fresh_sqlite(scratch, "growth"), "sqlite", scratch, sizes, probes, real)
        finally:
            if cluster is not None:
                cluster.stop()


if __name__ == "__main__":
    main()
