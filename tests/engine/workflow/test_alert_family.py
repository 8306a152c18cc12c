"""The monitoring process raises alerts by the region's configured rule family."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from fractions import Fraction

from sqlalchemy import select

from engine.demo.simulation import Choices, Simulation, drive
from engine.models import (
    Alert,
    FiscalYear,
    HumanTask,
    Indicator,
    MonitoringReport,
    MonitoringRow,
    MonitoringTask,
    PolicySetting,
    Project,
)
from engine.models.enums import Colour, Operator
from engine.monitoring.calendar_rule import milestone
from engine.policy import setting

PERFORMANCE = (0.5, 1.0)  # far behind (red under either family), and on schedule


def _calendar_by_hand(session, report: MonitoringReport, settings: dict) -> Colour:
    months = session.get(MonitoringTask, report.task_id).months_elapsed
    rate = Fraction(report.executed_to_date) / Fraction(report.budget)
    if rate < milestone(settings["milestones"], months):
        return Colour.RED
    shares = [
        min(Fraction(row.actual_to_date or 0) / Fraction(indicator.target_value), 1)
        for row, indicator in session.execute(
            select(MonitoringRow, Indicator)
            .join(Indicator, Indicator.id == MonitoringRow.indicator_id)
            .where(MonitoringRow.report_id == report.id)
        )
        if indicator.operator in (Operator.GE, Operator.GT, Operator.EQ)
        and indicator.target_value > 0
    ]
    gap = abs(sum(shares) / len(shares) - rate) * 100
    return Colour.YELLOW if gap > Fraction(settings["completion_gap_points"]) else Colour.GREEN


def test_the_monitoring_process_uses_the_configured_family(sessions, wf, clock, province, start):
    projects = province[:2]
    with sessions() as session, session.begin():
        year = session.get(Project, projects[0]).fiscal_year
        defaults = setting(session, "alerts", None, None)
        session.add(
            PolicySetting(
                key="alerts",
                region_code=year.region_code,
                body={"value": {**defaults, "family": "calendar"}},
            )
        )
    performance = dict(zip(projects, PERFORMANCE, strict=True))
    simulation = Simulation(
        wf,
        Choices(
            rng=random.Random(4),
            return_rate=0.0,
            performance=lambda project: performance[project.id],
        ),
    )
    instances = {project_id: start(project_id) for project_id in projects}
    # Through monitoring and any alert response; evaluation opens next February.
    drive(simulation, sessions, clock, until=datetime(2026, 12, 31, tzinfo=UTC), scope="cycle:")

    with sessions() as session:
        settings = setting(
            session, "alerts", year.region_code, session.get(FiscalYear, year.id).year
        )
        assert settings["family"] == "calendar"
        for project_id in projects:
            alerts = session.scalars(select(Alert).where(Alert.project_id == project_id)).all()
            assert alerts, "monitoring raised the project's alerts"
            assert {a.rule_family for a in alerts} == {"calendar"}
            # The calendar rules judge the budget and the project, not single indicators.
            assert {a.kind.value for a in alerts} == {"budget", "project"}
            [project_alert] = [a for a in alerts if a.kind.value == "project"]
            report = session.get(MonitoringReport, project_alert.report_id)
            assert project_alert.colour is _calendar_by_hand(session, report, settings["calendar"])
            # The process branched on the calendar colour: red asks the unit for a response.
            responses = session.scalars(
                select(HumanTask).where(
                    HumanTask.instance_id == instances[project_id],
                    HumanTask.form == "alert_response",
                )
            ).all()
            assert bool(responses) == (project_alert.colour is Colour.RED)
        colours = {
            a.colour
            for a in session.scalars(
                select(Alert).where(Alert.project_id.in_(projects), Alert.kind == "project")
            )
        }
    assert Colour.RED in colours and len(colours) == 2
