"""Benchmark the message centre's pass on a province with N ready tasks (issue 13).

Seeds a province of N projects (its units, departments and users) and gives each project an
instance with one ready task of its unit, a tenth of them due within three working days, and
one red project alert raised in the news window. Then, in the same run:

- baseline: the bare read a pass cannot do without — every ready task joined to the users it
  belongs to (no messages, no checks);
- catching up: passes until one makes nothing (each makes at most `batch` messages of a kind:
  the first passes after a busy day drain the backlog a batch at a time);
- quiet pass: the pass `budgetloop work` repeats every few seconds when nothing is new.

Prints milliseconds and messages, and each pass's ratio to the baseline.

    .venv/bin/python bench/messages.py [--projects 10000] [--postgres]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import and_, insert, select  # noqa: E402

from engine.db import create_db_engine, session_factory, unit_of_work  # noqa: E402
from engine.models import (  # noqa: E402
    Alert,
    HumanTask,
    MonitoringReport,
    MonitoringTask,
    ProcessDefinition,
    ProcessInstance,
    ProcessSpec,
    Project,
    User,
)
from engine.notifications.sweep import sweep  # noqa: E402
from engine.synthetic.province import SeedRequest, seed_province  # noqa: E402
from tests.support.databases import migrate  # noqa: E402
from tests.support.postgres import ThrowawayPostgres  # noqa: E402

NOW = datetime(2026, 10, 12, 2, 0, tzinfo=UTC)
MAX_PASSES = 200


def build(url: str, projects: int) -> None:
    migrate(url)
    engine = create_db_engine(url)
    sessions = session_factory(engine)
    with unit_of_work(sessions) as session:
        seed_province(session, SeedRequest(year=2026, projects=projects, seed=5))
    with unit_of_work(sessions) as session:
        rows = session.execute(select(Project.id, Project.code, Project.unit_id)).all()
        session.execute(insert(ProcessSpec).values(sha256="0" * 64, body="{}", versions={}))
        definition = session.scalar(
            insert(ProcessDefinition)
            .values(
                key="bench", version=1, kind="bpmn", file_name="bench.bpmn", sha256="0" * 64,
                source="<definitions/>", provides=["bench"], deployed_by="bench",
            )
            .returning(ProcessDefinition.id)
        )  # fmt: skip
        session.execute(
            insert(ProcessInstance),
            [
                {"id": pid, "definition_id": definition, "process_key": "bench",
                 "business_key": f"cycle:{code}", "spec_sha256": "0" * 64,
                 "status": "running", "state": "{}"}
                for pid, code, _unit in rows
            ],
        )  # fmt: skip
        session.execute(
            insert(HumanTask),
            [
                {"instance_id": pid, "task_id": f"t{pid}", "element_id": "Task_Fill",
                 "name": "填报监控报告", "process_key": "bench", "role": "unit", "org_id": unit,
                 "form": "monitoring_report", "business_key": f"cycle:{code}", "status": "ready",
                 "created_at": NOW - timedelta(days=2),
                 "due_at": NOW + timedelta(days=2) if pid % 10 == 0 else None}
                for pid, code, unit in rows
            ],
        )  # fmt: skip
        task = session.scalar(
            insert(MonitoringTask)
            .values(fiscal_year_id=session.scalar(select(Project.fiscal_year_id).limit(1)),
                    round_code="jan_jul", months_elapsed=7, due_on=NOW.date())
            .returning(MonitoringTask.id)
        )  # fmt: skip
        reports = session.scalars(
            insert(MonitoringReport).returning(MonitoringReport.id),
            [
                {
                    "task_id": task,
                    "project_id": pid,
                    "status": "approved",
                    "budget": 100,
                    "executed_to_date": 10,
                    "submitted_at": NOW - timedelta(days=1),
                }
                for pid, _code, _unit in rows
            ],
        ).all()
        session.execute(
            insert(Alert),
            [
                {"task_id": task, "project_id": pid, "report_id": report, "kind": "project",
                 "rule_family": "pace", "colour": "red", "status": "open",
                 "raised_at": NOW - timedelta(days=1), "version": 1}
                for (pid, _code, _unit), report in zip(rows, reports, strict=True)
            ],
        )  # fmt: skip
    engine.dispose()


def timed(url: str, work) -> tuple[float, object]:
    engine = create_db_engine(url)
    try:
        started = time.perf_counter()
        with unit_of_work(session_factory(engine)) as session:
            result = work(session)
        return (time.perf_counter() - started) * 1000, result
    finally:
        engine.dispose()


def bare_read(session) -> int:
    """Every ready task with the users of its role in its organisation (the seeded tasks all
    name one), through the index on the users' organisation."""
    return len(
        session.execute(
            select(HumanTask.id, User.id)
            .join(
                User,
                and_(User.organisation_id == HumanTask.org_id, User.role == HumanTask.role),
            )
            .where(HumanTask.status == "ready")
        ).all()
    )


def run(name: str, url: str, projects: int) -> None:
    build(url, projects)
    baseline, pairs = timed(url, bare_read)
    made: Counter = Counter()
    catching_up, passes = 0.0, 0
    while passes < MAX_PASSES:
        took, new = timed(url, lambda session: sweep(session, NOW))
        passes += 1
        catching_up += took
        made.update(new)
        if not new:
            break
    quiet, again = timed(url, lambda session: sweep(session, NOW))
    print(
        f"{name:<10} {projects:>9,} {pairs:>9,} {baseline:>9.1f} {passes:>7} {catching_up:>10.1f} "
        f"{sum(made.values()):>9,} {quiet:>9.1f} {sum(again.values()):>5} "
        f"{quiet / baseline:>7.1f}x"
    )
    print(f"{'':<10} made by kind: {dict(sorted(made.items()))}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--projects", type=int, default=10_000)
    parser.add_argument("--postgres", action="store_true")
    args = parser.parse_args()
    print(
        f"{'database':<10} {'projects':>9} {'task×user':>9} {'bare ms':>9} {'passes':>7} "
        f"{'catch-up ms':>10} {'messages':>9} {'quiet ms':>9} {'new':>5} {'quiet/bare':>8}"
    )
    with tempfile.TemporaryDirectory(prefix="bench-messages-") as scratch:
        run("sqlite", f"sqlite:///{scratch}/messages.sqlite3", args.projects)
    if args.postgres:
        with ThrowawayPostgres() as cluster:
            run("postgresql", cluster.url(), args.projects)


if __name__ == "__main__":
    main()
