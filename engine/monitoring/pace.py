"""Deviation alert colours (domain.md "Monitoring"), exact at every boundary.

Ratios are compared by cross-multiplying, never by dividing: `rate / (m / 12) < 0.6` is
evaluated as `rate × 12 < 0.6 × m`, so a boundary case such as 0.35 after 7 months is exactly
0.6 of pace (yellow), where binary floating point would say 0.5999… (red).

These are the per-report rules of the default `pace` family (`PACE`); its whole round is the
same rules as set-based SQL (engine/monitoring/set_based.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal

from engine.models.enums import Colour, Likelihood, Operator, QualitativeBand
from engine.monitoring.families import AlertFamily, ReportColours
from engine.monitoring.per_report import execution_rate
from engine.monitoring.set_based import pace_family

SEVERITY = {Colour.RED: 3, Colour.YELLOW: 2, Colour.GREEN: 1, Colour.BLUE: 0}
DEFAULT_PACE = {
    "budget": {"red_below": "0.6", "yellow_below": "0.8"},
    "indicator": {"red_below": "0.6", "yellow_below": "0.8", "blue_from": "1.2"},
}


def budget_colour(
    execution_rate: Decimal, months: int, thresholds: Mapping[str, str] = DEFAULT_PACE["budget"]
) -> Colour:
    """Budget alert: execution rate against time progress m/12."""
    pace = execution_rate * 12  # compared with threshold × m
    if pace < Decimal(thresholds["red_below"]) * months:
        return Colour.RED
    if pace < Decimal(thresholds["yellow_below"]) * months:
        return Colour.YELLOW
    return Colour.GREEN


def indicator_colour(
    operator: Operator,
    months: int,
    *,
    target: Decimal | None = None,
    actual: Decimal | None = None,
    likelihood: Likelihood = Likelihood.POSSIBLE,
    band: QualitativeBand | None = None,
    thresholds: Mapping[str, str] = DEFAULT_PACE["indicator"],
) -> Colour:
    """Indicator alert for one indicator's progress to date."""
    if likelihood is Likelihood.IMPOSSIBLE:
        return Colour.RED
    if operator is Operator.QUALITATIVE:
        return {
            QualitativeBand.ACHIEVED: Colour.GREEN,
            QualitativeBand.PARTLY: Colour.YELLOW,
        }.get(band, Colour.RED)
    if operator in (Operator.LE, Operator.LT):
        met = actual <= target if operator is Operator.LE else actual < target
        return Colour.GREEN if met else Colour.RED
    if target == 0:
        return Colour.GREEN
    progress = actual * 12  # compared with threshold × target × m
    scale = target * months
    if progress < Decimal(thresholds["red_below"]) * scale:
        return Colour.RED
    if progress < Decimal(thresholds["yellow_below"]) * scale:
        return Colour.YELLOW
    if progress >= Decimal(thresholds["blue_from"]) * scale:
        return Colour.BLUE
    return Colour.GREEN


def worst(colours: Iterable[Colour]) -> Colour:
    """The project's colour: the most severe of its budget and indicator colours."""
    return max(colours, key=SEVERITY.__getitem__)


def report_colours(report, rows, months: int, settings: dict) -> ReportColours:
    """One recorded report under the pace rules (the monitoring process)."""
    budget = budget_colour(execution_rate(report), months, settings["budget"])
    indicators = {}
    for row, indicator in rows:
        actual = row.actual_to_date
        if indicator.operator is not Operator.QUALITATIVE and actual is None:
            actual = Decimal(0)
        indicators[indicator.id] = indicator_colour(
            indicator.operator,
            months,
            target=indicator.target_value,
            actual=actual,
            likelihood=row.likelihood,
            band=row.qualitative_band,
            thresholds=settings["indicator"],
        )
    project = worst([budget, *indicators.values()])
    return ReportColours("pace", budget, project, indicators)


# The default family: the per-report rules above; the whole round as set-based SQL.
PACE = AlertFamily("pace", report_colours, pace_family)
