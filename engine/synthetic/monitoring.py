"""Synthetic mid-year monitoring reports: back-loaded execution, realistic deviations."""

from __future__ import annotations

import random
from datetime import date
from decimal import Decimal

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from engine.models import (
    FiscalYear,
    Indicator,
    MonitoringReport,
    MonitoringRow,
    MonitoringTask,
    Project,
    TargetTable,
)
from engine.models.enums import DocumentStatus, Likelihood, Operator, QualitativeBand

# Cumulative execution by month for a typical project (domain.md: ≈15 % by April, 38 % by June,
# 55 % by August, 75 % by October).
EXECUTION_CURVE = {
    1: 0.02,
    2: 0.05,
    3: 0.09,
    4: 0.15,
    5: 0.26,
    6: 0.38,
    7: 0.47,
    8: 0.55,
    9: 0.65,
    10: 0.75,
    11: 0.86,
    12: 1.0,
}
BATCH = 2_000


def issue_task(session: Session, fiscal_year: FiscalYear, months: int, code: str) -> int:
    """A monitoring round for the year (data up to month `months`)."""
    task = MonitoringTask(
        fiscal_year_id=fiscal_year.id,
        round_code=code,
        months_elapsed=months,
        due_on=date(fiscal_year.year, min(12, months + 1), 28),
    )
    session.add(task)
    session.flush()
    return task.id


def generate_reports(session: Session, task_id: int, rng: random.Random) -> tuple[int, int]:
    """One submitted report per project of the task's year, with a row per indicator."""
    task = session.get(MonitoringTask, task_id)
    pace = EXECUTION_CURVE[task.months_elapsed]
    projects = session.execute(
        select(Project.id, Project.requested_amount, TargetTable.id)
        .join(TargetTable, TargetTable.project_id == Project.id)
        .where(Project.fiscal_year_id == task.fiscal_year_id)
        .order_by(Project.id)
    ).all()
    reports = rows = 0
    for start in range(0, len(projects), BATCH):
        batch = projects[start : start + BATCH]
        behind = {pid: rng.random() < 0.12 for pid, _, _ in batch}
        report_rows = []
        for project_id, budget, _ in batch:
            share = pace * (0.55 if behind[project_id] else 1.0) * rng.uniform(0.75, 1.25)
            executed = (budget * Decimal(str(round(min(share, 1.3), 4)))).quantize(Decimal("0.01"))
            report_rows.append(
                {
                    "task_id": task_id,
                    "project_id": project_id,
                    "budget": budget,
                    "executed_to_date": executed,
                    "status": DocumentStatus.SUBMITTED,
                }
            )
        ids = session.scalars(
            insert(MonitoringReport).returning(MonitoringReport.id, sort_by_parameter_order=True),
            report_rows,
        ).all()
        report_of = {pid: rid for (pid, _, _), rid in zip(batch, ids, strict=True)}
        table_of = {table_id: pid for pid, _, table_id in batch}
        indicators = session.execute(
            select(
                Indicator.id, Indicator.target_table_id, Indicator.operator, Indicator.target_value
            )
            .where(Indicator.target_table_id.in_(list(table_of)))
            .order_by(Indicator.id)  # the same seed gives the same data on every database
        ).all()
        values = [
            _row(
                rng, report_of[table_of[t]], i, op, target, task.months_elapsed, behind[table_of[t]]
            )
            for i, t, op, target in indicators
        ]
        session.execute(insert(MonitoringRow), values)
        reports, rows = reports + len(ids), rows + len(values)
    return reports, rows


def _row(rng, report_id, indicator_id, operator, target, months, behind) -> dict:
    likelihood = (
        Likelihood.IMPOSSIBLE
        if rng.random() < 0.02
        else (Likelihood.POSSIBLE if behind else Likelihood.CERTAIN)
    )
    row = {
        "report_id": report_id,
        "indicator_id": indicator_id,
        "likelihood": likelihood,
        "actual_to_date": None,
        "qualitative_band": None,
        "deviation_reason": None,
        "deviation_note": None,
    }
    if operator is Operator.QUALITATIVE:
        row["qualitative_band"] = rng.choices(
            [QualitativeBand.ACHIEVED, QualitativeBand.PARTLY, QualitativeBand.NOT_ACHIEVED],
            [0.2, 0.7, 0.1] if behind else [0.7, 0.27, 0.03],
        )[0]
    elif operator in (Operator.LE, Operator.LT):
        factor = rng.uniform(0.7, 1.05) if not behind else rng.uniform(0.9, 1.3)
        row["actual_to_date"] = (target * Decimal(str(round(factor, 4)))).quantize(
            Decimal("0.0001")
        )
    else:
        progress = months / 12 * (rng.uniform(0.4, 0.9) if behind else rng.uniform(0.75, 1.35))
        row["actual_to_date"] = (target * Decimal(str(round(progress, 4)))).quantize(
            Decimal("0.0001")
        )
    return row
