"""Set-based alerts over the database equal the straightforward per-project computation."""

from __future__ import annotations

import random
import re
from collections import defaultdict
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from engine.models import (
    Alert,
    FiscalYear,
    Indicator,
    MonitoringReport,
    MonitoringRow,
    MonitoringTask,
)
from engine.models.enums import Colour, DocumentStatus, Operator
from engine.monitoring import FAMILIES
from engine.monitoring import pace as alerts
from engine.monitoring.per_report import raise_report_alerts
from engine.monitoring.set_based import compute_round
from engine.synthetic.monitoring import generate_reports, issue_task
from engine.synthetic.province import SeedRequest, seed_province
from tests.engine.monitoring.alert_support import _families, _use_family  # noqa: F401  (autouse)

FAMILY_NAMES = [family.name for family in FAMILIES]


def _per_project(session, task_id):
    """The reference: a plain loop over every report with engine/monitoring/pace.py."""
    months = session.get(MonitoringTask, task_id).months_elapsed
    # The round's indicators, read in one query and held here: the loop's session.get finds
    # each in the session instead of sending 10,000 single-row queries (most of the time).
    indicators = session.scalars(  # noqa: F841  (kept alive for the identity map)
        select(Indicator).where(
            Indicator.id.in_(
                select(MonitoringRow.indicator_id)
                .join(MonitoringReport, MonitoringReport.id == MonitoringRow.report_id)
                .where(MonitoringReport.task_id == task_id)
            )
        )
    ).all()
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
