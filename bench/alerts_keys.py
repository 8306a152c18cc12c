"""What PostgreSQL's foreign-key checks cost a round's set-based alerts, in one run.

Seeds a province on a throwaway PostgreSQL and issues the Jan–Jul round (as bench/alerts.py),
then computes the round's alerts three times per variant of the alert table's keys, each in a
transaction rolled back (VACUUM between), and prints the median:

* `one key`     — today's schema (revision 0012): the report, its round and its project as one
                  composite key, and the indicator;
* `three keys`  — the schema before 0012: round, project and report each a key of its own;
* `no checks`   — every trigger on the alert table disabled (superuser; the throwaway cluster
                  only): the floor that no schema keeping its foreign keys can reach.

PostgreSQL checks a foreign key by a trigger per inserted row and key; the alerts of a round are
half a million rows.

    .venv/bin/python bench/alerts_keys.py [--projects 100000] [--runs 3]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import select  # noqa: E402

from engine.composition import register_areas  # noqa: E402
from engine.db import create_db_engine, session_factory  # noqa: E402
from engine.models import FiscalYear  # noqa: E402
from engine.monitoring.set_based import compute_round  # noqa: E402
from engine.synthetic.monitoring import generate_reports, issue_task  # noqa: E402
from engine.synthetic.province import SeedRequest, seed_province  # noqa: E402
from tests.support.databases import migrate  # noqa: E402
from tests.support.postgres import ThrowawayPostgres  # noqa: E402

THREE_KEYS = [
    "ALTER TABLE alert DROP CONSTRAINT fk_alert_report_id_monitoring_report",
    "ALTER TABLE alert "
    "ADD CONSTRAINT fk_alert_task_id_monitoring_task FOREIGN KEY (task_id) "
    "REFERENCES monitoring_task (id), "
    "ADD CONSTRAINT fk_alert_project_id_project FOREIGN KEY (project_id) REFERENCES project (id), "
    "ADD CONSTRAINT fk_alert_report_id_monitoring_report FOREIGN KEY (report_id) "
    "REFERENCES monitoring_report (id)",
]
NO_CHECKS = ["ALTER TABLE alert DISABLE TRIGGER ALL"]
VARIANTS = (("one key", []), ("three keys", THREE_KEYS), ("no checks", NO_CHECKS))


def _round_seconds(engine, sessions, task_id: int) -> float:
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql("VACUUM ANALYZE alert")
        connection.exec_driver_sql("CHECKPOINT")
    with sessions() as session:
        session.begin()
        started = time.perf_counter()
        compute_round(session, task_id)
        seconds = time.perf_counter() - started
        session.rollback()  # the next run computes the same round again
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--projects", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    cluster = ThrowawayPostgres().start()
    try:
        url = cluster.url()
        migrate(url)
        engine = create_db_engine(url)
        sessions = session_factory(engine)
        started = time.perf_counter()
        with sessions() as session, session.begin():
            seed_province(session, SeedRequest(year=2026, projects=args.projects, seed=3))
            year = session.scalars(select(FiscalYear)).one()
            task_id = issue_task(session, year, 7, "jan_jul")
            _, rows = generate_reports(session, task_id, random.Random(3))
        print(
            f"postgresql, {args.projects:,} projects, {rows:,} monitoring rows "
            f"(data prepared in {time.perf_counter() - started:.0f} s); median of {args.runs}:"
        )
        register_areas()
        medians = {}
        for label, changes in VARIANTS:
            with engine.begin() as connection:
                for statement in changes:
                    connection.exec_driver_sql(statement)
            runs = [_round_seconds(engine, sessions, task_id) for _ in range(args.runs)]
            medians[label] = statistics.median(runs)
            shown = ", ".join(f"{seconds:.1f}" for seconds in runs)
            print(f"  {label:<11} {medians[label]:>6.2f} s   ({shown})")
        print(
            f"  three keys / one key: {medians['three keys'] / medians['one key']:.2f}× (ratio); "
            f"one key / no checks: {medians['one key'] / medians['no checks']:.2f}×"
        )
        engine.dispose()
    finally:
        cluster.stop()


if __name__ == "__main__":
    main()
