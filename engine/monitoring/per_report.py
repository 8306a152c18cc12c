"""One report's alerts under the configured rule family: what the monitoring process raises.

The report's figures and rows must already be recorded; they are read back from the database,
so the colours are those of exactly the values stored, and `budgetloop alerts compute` run over
the same round would give the same alerts (tests/engine/monitoring/test_alert_sql.py compares the
two for every family). Every colour is written, green included, with the family's name.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.models import Alert, Indicator, MonitoringReport, MonitoringRow, MonitoringTask
from engine.models.enums import AlertKind, Colour
from engine.monitoring.families import ReportColours, alert_settings, family_of


def execution_rate(report: MonitoringReport) -> Decimal:
    return report.executed_to_date / report.budget if report.budget else Decimal(0)


def report_colours(
    session: Session, report: MonitoringReport, family: str | None = None
) -> ReportColours:
    """The colours of one recorded report under the configured (or the given) family."""
    task = session.get(MonitoringTask, report.task_id)
    settings = alert_settings(session, task)
    chosen = family_of(settings, family)
    rows = session.execute(
        select(MonitoringRow, Indicator)
        .join(Indicator, Indicator.id == MonitoringRow.indicator_id)
        .where(MonitoringRow.report_id == report.id)
        .order_by(Indicator.id)
    ).all()
    return chosen.per_report(report, rows, task.months_elapsed, settings[chosen.name])


def raise_report_alerts(
    session: Session, report: MonitoringReport, now: datetime, family: str | None = None
) -> ReportColours:
    """Write the report's budget, indicator and project alerts; return their colours."""
    colours = report_colours(session, report, family)

    def add(kind: AlertKind, colour: Colour, indicator_id=None, ratio=None) -> None:
        session.add(
            Alert(
                task_id=report.task_id,
                project_id=report.project_id,
                report_id=report.id,
                indicator_id=indicator_id,
                kind=kind,
                rule_family=colours.family,
                colour=colour,
                raised_at=now,
                ratio=ratio,
            )
        )

    add(AlertKind.BUDGET, colours.budget, ratio=execution_rate(report).quantize(Decimal("0.0001")))
    for indicator_id, colour in colours.indicators.items():
        add(AlertKind.INDICATOR, colour, indicator_id)
    # Last, as in the whole-round path: the project alert marks the report as alerted.
    add(AlertKind.PROJECT, colours.project)
    session.flush()
    return colours
