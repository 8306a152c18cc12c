"""The calendar alert family: a pluggable alternative to pace, exact at its ten-point gap."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from decimal import Decimal
from fractions import Fraction

from sqlalchemy import select

from engine.models import (
    Alert,
    FiscalYear,
    Indicator,
    MonitoringReport,
    MonitoringRow,
    MonitoringTask,
)
from engine.models.enums import Colour, Operator
from engine.monitoring.per_report import raise_report_alerts
from engine.monitoring.set_based import compute_round
from engine.synthetic.monitoring import generate_reports, issue_task
from engine.synthetic.province import SeedRequest, seed_province
from tests.engine.monitoring.alert_support import _families, _use_family  # noqa: F401  (autouse)


def _calendar_reference(session, task_id):
    """The calendar family by hand, in exact fractions: milestones by month and the gap."""
    from engine.monitoring.calendar_rule import milestone
    from engine.policy import setting

    task = session.get(MonitoringTask, task_id)
    settings = setting(session, "alerts", None, None)["calendar"]
    expected = milestone(settings["milestones"], task.months_elapsed)
    colours = {}
    for report in session.scalars(
        select(MonitoringReport).where(MonitoringReport.task_id == task_id)
    ):
        rate = Fraction(report.executed_to_date) / Fraction(report.budget) if report.budget else 0
        red = expected is not None and rate < expected
        shares = []
        for row in session.scalars(
            select(MonitoringRow).where(MonitoringRow.report_id == report.id)
        ):
            indicator = session.get(Indicator, row.indicator_id)
            if indicator.operator in (Operator.GE, Operator.GT, Operator.EQ) and (
                indicator.target_value > 0
            ):
                actual = Fraction(row.actual_to_date or 0)
                shares.append(min(actual / Fraction(indicator.target_value), 1))
        gap = abs(sum(shares) / len(shares) - rate) * 100 if shares else 0
        colours[report.project_id] = (
            Colour.RED
            if red
            else Colour.YELLOW
            if gap > Fraction(settings["completion_gap_points"])
            else Colour.GREEN
        )
    return colours


def test_the_calendar_family_is_a_pluggable_alternative(sessions):
    with sessions() as session, session.begin():
        seed_province(session, SeedRequest(year=2026, projects=300, seed=12))
        year = session.scalars(select(FiscalYear)).one()
        task_id = issue_task(session, year, 7, "jan_jul")
        generate_reports(session, task_id, random.Random(12))
    with sessions() as session, session.begin():
        assert compute_round(session, task_id, family="calendar") == 300
        # The pace family keeps its own alerts beside the calendar family's.
        assert compute_round(session, task_id) == 300
    with sessions() as session:
        calendar = {
            a.project_id: a.colour
            for a in session.scalars(
                select(Alert).where(Alert.rule_family == "calendar", Alert.kind == "project")
            )
        }
        expected = _calendar_reference(session, task_id)
        budget_red = set(
            session.scalars(
                select(Alert.project_id).where(
                    Alert.rule_family == "calendar", Alert.kind == "budget"
                )
            )
        )
    assert calendar == expected
    assert budget_red == {p for p, c in expected.items() if c is Colour.RED}
    assert set(calendar.values()) >= {Colour.RED, Colour.GREEN}


def _calendar_boundary_round(session, completions: list[str]) -> tuple[int, list[int]]:
    """A round of reports at 70 % execution whose goal completion is exactly `completions`."""
    seed_province(session, SeedRequest(year=2026, projects=len(completions), seed=3))
    year = session.scalars(select(FiscalYear)).one()
    _use_family(session, year, "calendar")
    task_id = issue_task(session, year, 7, "jan_jul")
    generate_reports(session, task_id, random.Random(3))
    reports = session.scalars(
        select(MonitoringReport)
        .where(MonitoringReport.task_id == task_id)
        .order_by(MonitoringReport.id)
    ).all()
    for report, share in zip(reports, completions, strict=True):
        report.budget = Decimal("1000000.00")
        report.executed_to_date = Decimal("700000.00")  # above July's 40 % milestone
        counted = 0
        for row in sorted(report.rows, key=lambda row: row.indicator_id):
            indicator = session.get(Indicator, row.indicator_id)
            if indicator.operator not in (Operator.GE, Operator.GT, Operator.EQ):
                continue
            if counted:
                # Goal completion is measured on one indicator: exactly `share` %.
                indicator.operator = Operator.LE
                continue
            indicator.target_value = Decimal("100")
            row.actual_to_date = Decimal(share)
            counted += 1
        assert counted, "every synthetic table has a more-is-better indicator"
    session.flush()
    return task_id, [report.id for report in reports]


# 80 % completion against 70 % execution is a gap of exactly 10 points: no alert (domain.md:
# "more than 10 points"); 80.01 % is 10.01 points: yellow. In floating point 0.8 − 0.7 is
# 0.10000000000000009, which raised an alert at exactly 10.
CALENDAR_BOUNDARY = (["80", "80.01", "60", "59.99"], ["green", "yellow", "green", "yellow"])


def test_a_calendar_gap_of_exactly_ten_points_is_no_alert_in_the_whole_round(sessions):
    completions, expected = CALENDAR_BOUNDARY
    with sessions() as session, session.begin():
        task_id, report_ids = _calendar_boundary_round(session, completions)
    with sessions() as session, session.begin():
        assert compute_round(session, task_id) == len(report_ids)
        colours = dict(
            session.execute(
                select(Alert.report_id, Alert.colour).where(
                    Alert.kind == "project", Alert.rule_family == "calendar"
                )
            ).all()
        )
    assert [colours[r].value for r in report_ids] == expected


def test_a_calendar_gap_of_exactly_ten_points_is_no_alert_per_report(sessions):
    completions, expected = CALENDAR_BOUNDARY
    with sessions() as session, session.begin():
        task_id, report_ids = _calendar_boundary_round(session, completions)
    with sessions() as session, session.begin():
        now = datetime(2026, 8, 20, 2, 0, tzinfo=UTC)
        colours = [
            raise_report_alerts(session, session.get(MonitoringReport, r), now).project.value
            for r in report_ids
        ]
        stored = session.scalars(
            select(Alert.colour)
            .where(Alert.kind == "project", Alert.rule_family == "calendar")
            .order_by(Alert.report_id)
        ).all()
    assert colours == expected
    assert [c.value for c in stored] == expected
