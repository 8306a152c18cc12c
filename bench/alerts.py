"""Benchmark set-based alert computation against a per-row ORM loop in the same run.

Seeds a province, issues the Jan–Jul monitoring round with a report per project (≈10
indicators each), then times `engine.monitoring.set_based.compute_round` over every report,
and a plain ORM loop (load each report, its rows and indicators, apply
engine/monitoring/pace.py, add Alert objects) over a sample of reports; the ratio compares
per-report cost.

    .venv/bin/python bench/alerts.py [--projects 100000] [--sample 2000] [--postgres]
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, select  # noqa: E402

from engine.composition import register_areas  # noqa: E402
from engine.db import create_db_engine, session_factory  # noqa: E402
from engine.models import (  # noqa: E402
    Alert,
    FiscalYear,
    Indicator,
    MonitoringReport,
    MonitoringRow,
    MonitoringTask,
)
from engine.models.enums import AlertKind, Operator  # noqa: E402
from engine.monitoring import pace as alerts  # noqa: E402
from engine.monitoring.set_based import compute_round  # noqa: E402
from engine.synthetic.monitoring import generate_reports, issue_task  # noqa: E402
from engine.synthetic.province import SeedRequest, seed_province  # noqa: E402
from tests.support.databases import migrate  # noqa: E402
from tests.support.postgres import ThrowawayPostgres  # noqa: E402


def orm_loop(session, task_id: int, limit: int) -> int:
    """The straightforward way: one report at a time through the ORM."""
    months = session.get(MonitoringTask, task_id).months_elapsed
    reports = session.scalars(
        select(MonitoringReport)
        .where(MonitoringReport.task_id == task_id)
        .order_by(MonitoringReport.id)
        .limit(limit)
    ).all()
    for report in reports:
        rate = report.executed_to_date / report.budget if report.budget else Decimal(0)
        colours = [alerts.budget_colour(rate, months)]
        session.add(
            Alert(
                task_id=task_id,
                project_id=report.project_id,
                report_id=report.id,
                kind=AlertKind.BUDGET,
                colour=colours[0],
                rule_family="loop",
            )
        )
        for row in session.scalars(
            select(MonitoringRow).where(MonitoringRow.report_id == report.id)
        ):
            indicator = session.get(Indicator, row.indicator_id)
            actual = row.actual_to_date
            if indicator.operator is not Operator.QUALITATIVE and actual is None:
                actual = Decimal(0)
            colour = alerts.indicator_colour(
                indicator.operator,
                months,
                target=indicator.target_value,
                actual=actual,
                likelihood=row.likelihood,
                band=row.qualitative_band,
            )
            colours.append(colour)
            session.add(
                Alert(
                    task_id=task_id,
                    project_id=report.project_id,
                    report_id=report.id,
                    indicator_id=indicator.id,
                    kind=AlertKind.INDICATOR,
                    colour=colour,
                    rule_family="loop",
                )
            )
        session.add(
            Alert(
                task_id=task_id,
                project_id=report.project_id,
                report_id=report.id,
                kind=AlertKind.PROJECT,
                colour=alerts.worst(colours),
                rule_family="loop",
            )
        )
        session.flush()
    return len(reports)


def run(label: str, url: str, projects: int, sample: int) -> None:
    migrate(url)
    engine = create_db_engine(url)
    sessions = session_factory(engine)
    started = time.perf_counter()
    with sessions() as session, session.begin():
        seed_province(session, SeedRequest(year=2026, projects=projects, seed=3))
        year = session.scalars(select(FiscalYear)).one()
        task_id = issue_task(session, year, 7, "jan_jul")
        reports, rows = generate_reports(session, task_id, random.Random(3))
    prepared = time.perf_counter() - started
    register_areas()  # the alert families
    started = time.perf_counter()
    with sessions() as session, session.begin():
        computed = compute_round(session, task_id)
    set_based = time.perf_counter() - started
    started = time.perf_counter()
    with sessions() as session, session.begin():
        looped = orm_loop(session, task_id, sample)
    loop = time.perf_counter() - started
    with sessions() as session:
        written = session.scalar(
            select(func.count()).select_from(Alert).where(Alert.rule_family == "pace")
        )
    per_set = set_based / computed
    per_loop = loop / looped
    print(
        f"{label:<10} {projects:>8,} {rows:>10,} {set_based:>9.2f} {written:>10,} "
        f"{loop:>8.2f} {looped:>7,} {per_loop / per_set:>8.1f}x   (data prepared in "
        f"{prepared:.0f} s)"
    )
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--projects", type=int, default=100_000)
    parser.add_argument("--sample", type=int, default=2_000)
    parser.add_argument("--postgres", action="store_true")
    args = parser.parse_args()
    print(
        f"{'database':<10} {'projects':>8} {'rows':>10} {'set s':>9} {'alerts':>10} "
        f"{'loop s':>8} {'looped':>7} {'speed-up':>9}"
    )
    with tempfile.TemporaryDirectory(prefix="bench-alerts-") as scratch:
        run("sqlite", f"sqlite:///{scratch}/alerts.sqlite3", args.projects, args.sample)
    if args.postgres:
        with ThrowawayPostgres() as cluster:
            run("postgresql", cluster.url(), args.projects, args.sample)


if __name__ == "__main__":
    main()
