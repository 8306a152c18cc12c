"""Set-based alerts over the database equal the straightforward per-project computation."""

from __future__ import annotations

import random
import re
from collections import defaultdict
from datetime import UTC, datetime
from decimal import Decimal
from fractions import Fraction

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from engine.composition import register_areas
from engine.models import (
    Alert,
    FiscalYear,
    Indicator,
    MonitoringReport,
    MonitoringRow,
    MonitoringTask,
    PolicySetting,
)
from engine.models.enums import Colour, DocumentStatus, Operator
from engine.monitoring import FAMILIES
from engine.monitoring import pace as alerts
from engine.monitoring.per_report import raise_report_alerts
from engine.monitoring.set_based import compute_round
from engine.synthetic.monitoring import generate_reports, issue_task
from engine.synthetic.province import SeedRequest, seed_province

FAMILY_NAMES = [family.name for family in FAMILIES]


@pytest.fixture(autouse=True, scope="module")
def _families():
    """The alert families, registered as the composition root registers them."""
    register_areas()


def _per_project(session, task_id):
    """The reference: a plain loop over every report with engine/monitoring/pace.py."""
    months = session.get(MonitoringTask, task_id).months_elapsed
    expected = {}
    for report in session.scalars(
        select(MonitoringReport).where(MonitoringReport.task_id == task_id)
    ):
        rate = report.executed_to_date / report.budget if report.budget else Decimal(0)
        colours = {("budget", None): alerts.budget_colour(rate, months)}
        for row in session.scalars(
            select(MonitoringRow).where(MonitoringRow.report_id == report.id)
        ):
            indicator = session.get(Indicator, row.indicator_id)
            actual = row.actual_to_date
            if indicator.operator is not Operator.QUALITATIVE and actual is None:
                actual = Decimal(0)
            colours[("indicator", indicator.id)] = alerts.indicator_colour(
                indicator.operator,
                months,
                target=indicator.target_value,
                actual=actual,
                likelihood=row.likelihood,
                band=row.qualitative_band,
            )
        colours[("project", None)] = alerts.worst(colours.values())
        for (kind, indicator_id), colour in colours.items():
            # Green is no deviation: only the project's overall colour is kept when green.
            if kind == "project" or colour is not Colour.GREEN:
                expected[(report.project_id, kind, indicator_id)] = colour
    return expected


def test_set_based_equals_per_project_on_a_random_province(sessions):
    with sessions() as session, session.begin():
        seed_province(session, SeedRequest(year=2026, projects=1000, seed=2026))
        year = session.scalars(select(FiscalYear)).one()
        task_id = issue_task(session, year, 7, "jan_jul")
        generate_reports(session, task_id, random.Random(7))
    with sessions() as session, session.begin():
        assert compute_round(session, task_id) == 1000
    with sessions() as session:
        actual = {
            (a.project_id, a.kind.value, a.indicator_id): a.colour
            for a in session.scalars(select(Alert).where(Alert.task_id == task_id))
        }
        expected = _per_project(session, task_id)
    assert actual == expected
    colours = defaultdict(int)
    for (_, kind, _), colour in actual.items():
        if kind == "project":
            colours[colour] += 1
    # A realistic spread: every colour but blue appears at project level.
    assert colours[Colour.RED] and colours[Colour.YELLOW] and colours[Colour.GREEN]


def test_boundaries_are_exact_and_recomputing_adds_nothing(sessions):
    with sessions() as session, session.begin():
        seed_province(session, SeedRequest(year=2026, projects=3, seed=1))
        year = session.scalars(select(FiscalYear)).one()
        task_id = issue_task(session, year, 7, "jan_jul")
        generate_reports(session, task_id, random.Random(1))
        reports = session.scalars(select(MonitoringReport).order_by(MonitoringReport.id)).all()
        # 0.35 after 7 months is exactly 0.6 of pace (yellow); 0.3499 is just under (red).
        for report, share in zip(reports, ("0.35", "0.3499", "0.4667"), strict=True):
            report.budget = Decimal("1000000.00")
            report.executed_to_date = Decimal("1000000.00") * Decimal(share)
    with sessions() as session, session.begin():
        compute_round(session, task_id)
    with sessions() as session, session.begin():
        assert compute_round(session, task_id) == 0
        budget = [
            a.colour
            for a in session.scalars(
                select(Alert).where(Alert.kind == "budget").order_by(Alert.report_id)
            )
        ]
        assert budget == [Colour.YELLOW, Colour.RED]  # the on-pace report raises none
        per_report = session.execute(
            select(Alert.report_id, func.count())
            .where(Alert.kind == "project")
            .group_by(Alert.report_id)
        ).all()
        assert all(n == 1 for _, n in per_report)


def _settings(connection):
    if connection.dialect.name == "postgresql":
        return {"work_mem": connection.exec_driver_sql("SHOW work_mem").scalar()}

    def value(name):
        return connection.exec_driver_sql(f"PRAGMA {name}").scalar()

    # The temporary database reports 0 until it is opened, then the connection's default.
    temp_cache = value("temp.cache_size")
    return {
        "ignore_check_constraints": value("ignore_check_constraints"),
        "foreign_keys": value("foreign_keys"),
        "temp cache as main": temp_cache in (0, value("main.cache_size")),
    }


def test_the_bulk_settings_do_not_outlive_the_computation(sessions, backend):
    """The round is written with connection settings that the pool's other users must never
    see, on SQLite with CHECK constraints skipped: every row must satisfy them all the same."""
    with sessions() as session, session.begin():
        seed_province(session, SeedRequest(year=2026, projects=20, seed=4))
        year = session.scalars(select(FiscalYear)).one()
        task_id = issue_task(session, year, 7, "jan_jul")
        generate_reports(session, task_id, random.Random(4))
        before = _settings(session.connection())
    if backend == "sqlite":
        with pytest.raises(IntegrityError, match="refused"), sessions() as session:
            with session.begin():
                connection = session.connection()
                # Fail while the alerts are written, where the CHECK constraints are skipped.
                connection.exec_driver_sql(
                    "CREATE TEMP TRIGGER refuse BEFORE INSERT ON alert "
                    "WHEN NEW.kind = 'project' BEGIN SELECT RAISE(ABORT, 'refused'); END"
                )
                try:
                    compute_round(session, task_id)
                finally:
                    assert _settings(connection) == before
    with sessions() as session, session.begin():
        assert compute_round(session, task_id) == 20
        connection = session.connection()
        assert _settings(connection) == before
        if backend == "sqlite":
            assert connection.exec_driver_sql("PRAGMA quick_check").scalars().all() == ["ok"]


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


def test_alerts_compute_on_the_command_line(budgetloop, sessions):
    with sessions() as session, session.begin():
        seed_province(session, SeedRequest(year=2026, projects=50, seed=5))
        year = session.scalars(select(FiscalYear)).one()
        task_id = issue_task(session, year, 7, "jan_jul")
        generate_reports(session, task_id, random.Random(5))
    code, out, err = budgetloop("alerts", "compute", "--task", str(task_id))
    assert code == 0, err
    assert f"task {task_id}: 50 reports alerted" in out
    code, out, _ = budgetloop("alerts", "compute", "--task", str(task_id), "--family", "calendar")
    assert code == 0 and "50 reports alerted (calendar)" in out
    # Run again for the configured family (pace): nothing new, and the summary counts the
    # pace family's 50 project alerts, not the calendar family's beside them.
    code, out, _ = budgetloop("alerts", "compute", "--task", str(task_id))
    assert code == 0 and "0 reports alerted (pace)" in out
    counts = re.findall(r"(?:red|yellow|green|blue) ([\d,]+)", out)
    assert sum(int(n.replace(",", "")) for n in counts) == 50, out
    code, _, err = budgetloop("alerts", "compute", "--task", "999999")
    assert code != 0 and err.count("\n") == 1 and "no monitoring task" in err


def _use_family(session, year, family: str) -> None:
    """Configure the year's region to raise alerts by `family` (a region-level setting)."""
    from engine.policy import setting

    settings = setting(session, "alerts", year.region_code, year.year)
    session.add(
        PolicySetting(
            key="alerts",
            region_code=year.region_code,
            body={"value": {**settings, "family": family}},
        )
    )
    session.flush()


def _alert_set(session, task_id):
    """What a round raised, with green budget and indicator colours left out: the per-report
    path writes them, the whole round does not, and green is no deviation either way."""
    return {
        (a.project_id, a.kind.value, a.indicator_id, a.colour, a.rule_family)
        for a in session.scalars(select(Alert).where(Alert.task_id == task_id))
        if a.kind.value == "project" or a.colour is not Colour.GREEN
    }


@pytest.mark.parametrize("family", FAMILY_NAMES)
def test_per_report_and_whole_round_agree_for_every_family(sessions, family):
    with sessions() as session, session.begin():
        seed_province(session, SeedRequest(year=2026, projects=120, seed=21))
        year = session.scalars(select(FiscalYear)).one()
        _use_family(session, year, family)
        task_id = issue_task(session, year, 7, "jan_jul")
        generate_reports(session, task_id, random.Random(21))
    now = datetime(2026, 8, 20, 2, 0, tzinfo=UTC)
    # The monitoring process's path, one report at a time; rolled back afterwards.
    with sessions() as session:
        for report in session.scalars(
            select(MonitoringReport).where(MonitoringReport.task_id == task_id)
        ):
            raise_report_alerts(session, report, now)
        per_report = _alert_set(session, task_id)
        session.rollback()
    with sessions() as session, session.begin():
        assert compute_round(session, task_id, now) == 120
        whole_round = _alert_set(session, task_id)
    assert per_report == whole_round
    assert {alert[4] for alert in whole_round} == {family}
    projects = [alert[3] for alert in whole_round if alert[1] == "project"]
    assert len(projects) == 120
    # Random data that exercises the rules: deviations of more than one colour.
    assert len({c for c in projects if c is not Colour.GREEN}) >= 1
    assert len(set(projects)) >= 2


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


@pytest.mark.parametrize("family", FAMILY_NAMES)
def test_a_draft_report_is_not_alerted_by_the_whole_round(sessions, family):
    """The monitoring process opens every report as a draft with nothing executed; a round
    computed meanwhile must not alert it red (the process alerts it once it is submitted)."""
    with sessions() as session, session.begin():
        seed_province(session, SeedRequest(year=2026, projects=4, seed=8))
        year = session.scalars(select(FiscalYear)).one()
        task_id = issue_task(session, year, 7, "jan_jul")
        generate_reports(session, task_id, random.Random(8))
        draft = session.scalars(select(MonitoringReport).order_by(MonitoringReport.id)).first()
        draft.status = DocumentStatus.DRAFT
        draft.executed_to_date = Decimal(0)
        draft_id = draft.id
    with sessions() as session, session.begin():
        assert compute_round(session, task_id, family=family) == 3
        assert not session.scalars(select(Alert).where(Alert.report_id == draft_id)).all()
