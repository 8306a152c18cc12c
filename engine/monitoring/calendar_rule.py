"""The calendar rule family some provinces use instead of pace: execution milestones by month
(25 % by April, 40 % by June, 60 % by August, 80 % by October) and a gap of more than 10
points between goal completion and execution.

Everything is exact: amounts and measures are Decimals and the completion share is a Fraction,
so 80 % completion against 70 % execution is a gap of exactly 10 points (no alert), where
binary floating point would say 10.000000000000009. The per-report path (the monitoring
process) and the whole-round path (`budgetloop alerts compute`) both call `colours`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from fractions import Fraction

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from engine.models import Alert, Indicator, MonitoringReport, MonitoringRow, MonitoringTask
from engine.models.enums import AlertKind, AlertStatus, Colour, Operator
from engine.monitoring.families import AlertFamily, ReportColours
from engine.monitoring.unalerted import unalerted

MORE_IS_BETTER = (Operator.GE, Operator.GT, Operator.EQ)
# Rows read per fetch when a whole round is computed (the round's rows never sit in memory).
FETCH = 10_000


@dataclass(frozen=True)
class CalendarColours:
    """One report's colours under the calendar rules (it has no indicator alerts)."""

    budget: Colour
    project: Colour


def milestone(milestones: dict, months: int) -> Decimal | None:
    """The cumulative execution expected by month `months` (the latest milestone reached)."""
    reached = [int(month) for month in milestones if int(month) <= months]
    return Decimal(milestones[str(max(reached))]) if reached else None


def counts_for_completion(operator: Operator, target: Decimal | None) -> bool:
    """Goal completion is measured on more-is-better indicators with a positive target."""
    return operator in MORE_IS_BETTER and target is not None and target > 0


def completion(pairs: Iterable[tuple[Decimal | None, Decimal]]) -> Fraction | None:
    """The mean completion of (actual, target) pairs, each capped at 1; None without any."""
    shares = [min(Fraction(actual or 0) / Fraction(target), 1) for actual, target in pairs]
    return sum(shares, Fraction(0)) / len(shares) if shares else None


def colours(
    executed: Decimal,
    budget: Decimal,
    share: Fraction | None,
    months: int,
    settings: dict,
) -> CalendarColours:
    """Red below the month's milestone; else yellow for a gap of more than the set points."""
    expected = milestone(settings["milestones"], months)
    if expected is not None and executed < budget * expected:
        return CalendarColours(Colour.RED, Colour.RED)
    if share is not None:
        rate = Fraction(executed) / Fraction(budget) if budget > 0 else Fraction(0)
        points = Fraction(Decimal(settings["completion_gap_points"]))
        if abs(share - rate) * 100 > points:
            return CalendarColours(Colour.GREEN, Colour.YELLOW)
    return CalendarColours(Colour.GREEN, Colour.GREEN)


def calendar_family(session: Session, task: MonitoringTask, settings: dict, now: datetime) -> int:
    """Budget alerts below the month's milestone; project alerts for every report."""
    report, row, indicator = (
        MonitoringReport.__table__,
        MonitoringRow.__table__,
        Indicator.__table__,
    )
    fresh = unalerted(task.id, "calendar")
    reports = session.execute(
        select(report.c.id, report.c.project_id, report.c.executed_to_date, report.c.budget)
        .where(fresh)
        .order_by(report.c.id)
    ).all()
    if not reports:
        return 0
    # Each report's completion shares, summed exactly as they stream past.
    sums: dict[int, tuple[Fraction, int]] = {}
    rows = session.execute(
        select(row.c.report_id, row.c.actual_to_date, indicator.c.target_value)
        .select_from(report.join(row, row.c.report_id == report.c.id))
        .join(indicator, indicator.c.id == row.c.indicator_id)
        .where(
            fresh,
            indicator.c.operator.in_(MORE_IS_BETTER),
            indicator.c.target_value > 0,
        )
        .execution_options(yield_per=FETCH)
    )
    for report_id, actual, target in rows:
        share = completion([(actual, target)])
        total, n = sums.get(report_id, (Fraction(0), 0))
        sums[report_id] = (total + share, n + 1)
    alerts = []
    for report_id, project_id, executed, budget in reports:
        total, n = sums.get(report_id, (Fraction(0), 0))
        result = colours(executed, budget, total / n if n else None, task.months_elapsed, settings)
        common = {
            "task_id": task.id,
            "project_id": project_id,
            "report_id": report_id,
            "rule_family": "calendar",
            "status": AlertStatus.OPEN,
            "raised_at": now,
            "version": 1,
        }
        if result.budget is not Colour.GREEN:
            alerts.append({**common, "kind": AlertKind.BUDGET, "colour": result.budget})
        alerts.append({**common, "kind": AlertKind.PROJECT, "colour": result.project})
    session.execute(insert(Alert.__table__), alerts)
    return len(reports)


def report_colours(report, rows, months: int, settings: dict) -> ReportColours:
    """One recorded report under the calendar rules (the monitoring process)."""
    share = completion(
        (row.actual_to_date, indicator.target_value)
        for row, indicator in rows
        if counts_for_completion(indicator.operator, indicator.target_value)
    )
    result = colours(report.executed_to_date, report.budget, share, months, settings)
    return ReportColours("calendar", result.budget, result.project)


CALENDAR = AlertFamily("calendar", report_colours, calendar_family)
