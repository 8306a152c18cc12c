"""The calendar rule family some provinces use instead of pace: execution milestones by month
(25 % by April, 40 % by June, 60 % by August, 80 % by October) and a gap of more than 10
points between goal completion and execution."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import BigInteger, Float, and_, case, cast, func, insert, literal, select
from sqlalchemy.orm import Session

from engine.alert_scope import unalerted
from engine.models import Alert, Indicator, MonitoringReport, MonitoringRow, MonitoringTask

MORE_IS_BETTER = (">=", ">", "=")


def milestone(milestones: dict, months: int) -> Decimal | None:
    """The cumulative execution expected by month `months` (the latest milestone reached)."""
    reached = [int(month) for month in milestones if int(month) <= months]
    return Decimal(milestones[str(max(reached))]) if reached else None


def calendar_family(session: Session, task: MonitoringTask, settings: dict, now: datetime) -> int:
    """Budget alerts below the month's milestone; project alerts for a completion gap."""
    report, row, indicator = (
        MonitoringReport.__table__,
        MonitoringRow.__table__,
        Indicator.__table__,
    )
    alerts = Alert.__table__
    fresh = unalerted(task.id, "calendar")
    count = session.scalar(select(func.count()).select_from(report).where(fresh))
    if not count:
        return 0
    expected = milestone(settings["milestones"], task.months_elapsed)
    executed = cast(report.c.executed_to_date, BigInteger)
    budget = cast(report.c.budget, BigInteger)
    if expected is None:
        budget_colour = literal("green")
    else:
        scale = 10 ** max(-expected.as_tuple().exponent, 0)
        budget_colour = case(
            (executed * scale < budget * int(expected * scale), literal("red")),
            else_=literal("green"),
        )
    actual = cast(func.coalesce(row.c.actual_to_date, 0), Float)
    target = cast(indicator.c.target_value, Float)
    completion = (
        select(
            row.c.report_id,
            func.avg(case((actual >= target, 1.0), else_=actual / target)).label("share"),
        )
        .select_from(
            report.join(row, row.c.report_id == report.c.id).join(
                indicator, indicator.c.id == row.c.indicator_id
            )
        )
        .where(fresh, indicator.c.operator.in_(MORE_IS_BETTER), indicator.c.target_value > 0)
        .group_by(row.c.report_id)
        .subquery()
    )
    rate = case((budget > 0, cast(executed, Float) / cast(budget, Float)), else_=0.0)
    gap = func.abs(completion.c.share - rate) * 100
    project_colour = case(
        (budget_colour == "red", literal("red")),
        (
            and_(completion.c.share.is_not(None), gap > float(settings["completion_gap_points"])),
            literal("yellow"),
        ),
        else_=literal("green"),
    )
    columns = [
        "task_id",
        "project_id",
        "report_id",
        "kind",
        "rule_family",
        "colour",
        "status",
        "raised_at",
        "version",
    ]

    def rows(kind: str, colour):
        return select(
            literal(task.id),
            report.c.project_id,
            report.c.id,
            literal(kind),
            literal("calendar"),
            colour,
            literal("open"),
            literal(now, alerts.c.raised_at.type),
            literal(1),
        )

    session.execute(
        insert(alerts).from_select(
            columns, rows("budget", budget_colour).where(fresh, budget_colour != "green")
        )
    )
    session.execute(
        insert(alerts).from_select(
            columns,
            rows("project", project_colour)
            .select_from(report.outerjoin(completion, completion.c.report_id == report.c.id))
            .where(fresh),
        )
    )
    return count
