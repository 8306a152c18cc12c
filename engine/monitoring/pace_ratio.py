"""The 序时进度比 an alert shows: how far along the project is against the share of the year gone.

domain.md: with `m` months elapsed (time progress m / 12), a budget alert's ratio is
`execution_rate / (m / 12)` and a more-is-better indicator's is `actual / (target × m / 12)`.
Alerts store only their colour (the set-based path writes no ratio at all, the per-report path
wrote the bare execution rate), so the ratio is computed from the report the alert was raised
on, the same way for both paths. Other alerts (less-is-better and qualitative indicators, the
project's overall colour) have no such ratio.
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from engine.models import Alert, Indicator, MonitoringReport, MonitoringRow
from engine.models.enums import AlertKind, Operator

MONTHS_IN_YEAR = Decimal(12)
MORE_IS_BETTER = (Operator.GE, Operator.GT)


def _lookup(column, *where):
    # Correlated lookups by primary key (or the report's row of one indicator), like the
    # names the alert pages show: no extra join for the planner to order.
    return select(column).where(*where).correlate(Alert).scalar_subquery()


# What a ratio is computed from, read beside each alert (engine/monitoring/alert_queries.py).
PACE_COLUMNS = (
    _lookup(MonitoringReport.executed_to_date, MonitoringReport.id == Alert.report_id),
    _lookup(MonitoringReport.budget, MonitoringReport.id == Alert.report_id),
    _lookup(
        MonitoringRow.actual_to_date,
        MonitoringRow.report_id == Alert.report_id,
        MonitoringRow.indicator_id == Alert.indicator_id,
    ),
    _lookup(Indicator.target_value, Indicator.id == Alert.indicator_id),
    _lookup(Indicator.operator, Indicator.id == Alert.indicator_id),
)


def pace_ratio(
    kind: AlertKind,
    months: int | None,
    executed: Decimal | None,
    budget: Decimal | None,
    actual: Decimal | None,
    target: Decimal | None,
    operator: Operator | str | None,
) -> Decimal | None:
    """The alert's ratio to time progress, or None where it has none (or nothing to divide)."""
    if not months:
        return None
    progress = Decimal(months) / MONTHS_IN_YEAR
    if kind == AlertKind.BUDGET:
        if executed is None or not budget:
            return None
        return executed / budget / progress
    if kind == AlertKind.INDICATOR and operator in MORE_IS_BETTER:
        if actual is None or not target:
            return None
        return actual / (target * progress)
    return None
