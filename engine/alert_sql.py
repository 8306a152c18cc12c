"""Deviation alerts for a whole monitoring round as set-based SQL (one statement per kind).

Budget and indicator alerts are stored when they deviate (red, yellow, or blue for an
over-run); every project gets its overall colour, the worst of all of them.

Amounts and measures are stored as scaled integers, so every comparison here is integer
arithmetic: `rate / (m / 12) < 0.6` becomes `executed × 12 × 10 < 6 × m × budget`. The result is
exactly that of the per-project functions in engine/alerts.py (a test compares them).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal

from sqlalchemy import BigInteger, case, func, insert, literal, select, type_coerce
from sqlalchemy.orm import Session

from engine import policy
from engine.alert_calendar import calendar_family
from engine.alert_scope import unalerted
from engine.models import (
    Alert,
    FiscalYear,
    Indicator,
    MonitoringReport,
    MonitoringRow,
    MonitoringTask,
)
from engine.models.types import utcnow

SEVERITY = {"red": 3, "yellow": 2, "green": 1, "blue": 0}


def _severity(colour):
    return case(*[(colour == name, rank) for name, rank in SEVERITY.items()], else_=0)


def _int(column):
    return type_coerce(column, BigInteger)


def _scaled(threshold: str, scale: int) -> int:
    return int(Decimal(threshold) * scale)


def _scale(*thresholds: str) -> int:
    places = max(-Decimal(t).as_tuple().exponent for t in thresholds)
    return 10 ** max(places, 0)


def pace_family(session: Session, task: MonitoringTask, thresholds: dict, now: datetime) -> int:
    """The default rules: budget and indicator pace against time, project = the worst."""
    m = task.months_elapsed
    report, row, indicator = (
        MonitoringReport.__table__,
        MonitoringRow.__table__,
        Indicator.__table__,
    )
    alerts = Alert.__table__
    fresh = unalerted(task.id, "pace")
    budget = thresholds["budget"]
    d = _scale(budget["red_below"], budget["yellow_below"])
    executed = _int(report.c.executed_to_date) * 12 * d
    planned = _int(report.c.budget) * m
    budget_colour = case(
        (executed < planned * _scaled(budget["red_below"], d), literal("red")),
        (executed < planned * _scaled(budget["yellow_below"], d), literal("yellow")),
        else_=literal("green"),
    )
    common = {
        "task_id": literal(task.id),
        "kind": None,
        "rule_family": literal("pace"),
        "status": literal("open"),
        "raised_at": literal(now, alerts.c.raised_at.type),
        "version": literal(1),
    }
    columns = [
        "task_id",
        "project_id",
        "report_id",
        "indicator_id",
        "kind",
        "rule_family",
        "colour",
        "status",
        "raised_at",
        "version",
    ]
    budget_rows = select(
        common["task_id"],
        report.c.project_id,
        report.c.id,
        literal(None, BigInteger),
        literal("budget"),
        common["rule_family"],
        budget_colour,
        common["status"],
        common["raised_at"],
        common["version"],
    ).where(fresh, budget_colour != "green")
    item = thresholds["indicator"]
    d = _scale(item["red_below"], item["yellow_below"], item["blue_from"])
    actual = func.coalesce(_int(row.c.actual_to_date), 0)
    target = _int(indicator.c.target_value)
    progress, scale = actual * 12 * d, target * m
    indicator_colour = case(
        (row.c.likelihood == "impossible", literal("red")),
        (
            indicator.c.operator == "qualitative",
            case(
                (row.c.qualitative_band == "achieved", literal("green")),
                (row.c.qualitative_band == "partly", literal("yellow")),
                else_=literal("red"),
            ),
        ),
        (
            indicator.c.operator == "<=",
            case((actual <= target, literal("green")), else_=literal("red")),
        ),
        (
            indicator.c.operator == "<",
            case((actual < target, literal("green")), else_=literal("red")),
        ),
        (target == 0, literal("green")),
        (progress < scale * _scaled(item["red_below"], d), literal("red")),
        (progress < scale * _scaled(item["yellow_below"], d), literal("yellow")),
        (progress >= scale * _scaled(item["blue_from"], d), literal("blue")),
        else_=literal("green"),
    )
    indicator_rows = (
        select(
            common["task_id"],
            report.c.project_id,
            report.c.id,
            row.c.indicator_id,
            literal("indicator"),
            common["rule_family"],
            indicator_colour,
            common["status"],
            common["raised_at"],
            common["version"],
        )
        .select_from(
            report.join(row, row.c.report_id == report.c.id).join(
                indicator, indicator.c.id == row.c.indicator_id
            )
        )
        .where(fresh, indicator_colour != "green")
    )
    # Decide which reports are new before inserting anything for them.
    new_reports = session.scalar(select(func.count()).select_from(report).where(fresh))
    if not new_reports:
        return 0
    session.execute(insert(alerts).from_select(columns, budget_rows))
    session.execute(insert(alerts).from_select(columns, indicator_rows))
    # The project's colour is the worst of all its colours, green ones included (they are not
    # stored as alerts): computed from the data, not from the rows just written.
    worst_indicator = (
        select(row.c.report_id, func.max(_severity(indicator_colour)).label("severity"))
        .select_from(
            report.join(row, row.c.report_id == report.c.id).join(
                indicator, indicator.c.id == row.c.indicator_id
            )
        )
        .where(fresh)
        .group_by(row.c.report_id)
        .subquery()
    )
    budget_severity = _severity(budget_colour)
    indicator_severity = func.coalesce(worst_indicator.c.severity, 0)
    project_severity = case(
        (budget_severity >= indicator_severity, budget_severity), else_=indicator_severity
    )
    project_colour = case(*[(project_severity == s, literal(c)) for c, s in SEVERITY.items()])
    session.execute(
        insert(alerts).from_select(
            columns,
            select(
                common["task_id"],
                report.c.project_id,
                report.c.id,
                literal(None, BigInteger),
                literal("project"),
                common["rule_family"],
                project_colour,
                common["status"],
                common["raised_at"],
                common["version"],
            )
            .select_from(
                report.outerjoin(worst_indicator, worst_indicator.c.report_id == report.c.id)
            )
            .where(fresh),
        )
    )
    return new_reports


# Rule families by name; the region's `alerts` setting chooses one ("family").
FAMILIES: dict[str, Callable] = {"pace": pace_family, "calendar": calendar_family}


def compute_round(
    session: Session, task_id: int, now: datetime | None = None, family: str | None = None
) -> int:
    """Raise the alerts of every submitted report of a round that has none yet."""
    task = session.get(MonitoringTask, task_id)
    year = session.get(FiscalYear, task.fiscal_year_id)
    settings = policy.setting(session, "alerts", year.region_code, year.year)
    name = family or settings.get("family", "pace")
    return FAMILIES[name](session, task, settings[name], now or utcnow())
