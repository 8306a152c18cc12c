"""The monitoring area registers explicitly, through the composition root, never on import.

Its forms, service operations and alert families reach the registries when an engine (or the
app) is built; importing the area, the form registry or the dashboard registers nothing. An
alert family is added through the public `register_family` alone, and both alert paths use it.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest
from sqlalchemy import insert, select

from engine.errors import InvalidInput
from engine.models import Alert, FiscalYear, MonitoringReport, PolicySetting
from engine.models.enums import AlertKind, AlertStatus, Colour
from engine.monitoring.families import (
    AlertFamily,
    ReportColours,
    family_of,
    register_family,
    registered_families,
    unregister_family,
)
from engine.monitoring.per_report import raise_report_alerts
from engine.monitoring.set_based import compute_round
from engine.monitoring.unalerted import unalerted
from engine.policy import setting
from engine.synthetic.monitoring import generate_reports, issue_task
from engine.synthetic.province import SeedRequest, seed_province
from tests.support.fresh_python import run_fresh

MONITORING_FORMS = {"monitoring_report", "alert_response", "adjustment_request"}
MONITORING_OPERATIONS = {"compute_alerts", "suspend_disbursement", "record_alert_response"}


def test_building_the_engine_registers_the_monitoring_area_and_importing_does_not():
    run_fresh(
        f"""
        import sys
        import engine.monitoring, engine.monitoring.forms, engine.monitoring.operations
        import engine.monitoring.pace, engine.monitoring.calendar_rule
        import engine.composition
        from engine.forms import FORMS
        from engine.monitoring.families import registered_families

        assert not {MONITORING_FORMS!r} & set(FORMS), sorted(FORMS)
        assert not registered_families(), list(registered_families())

        from engine.composition import build_engine

        workflow = build_engine()
        assert {MONITORING_FORMS!r} <= set(FORMS), sorted(FORMS)
        assert {MONITORING_OPERATIONS!r} <= set(workflow.operations.names())
        assert list(registered_families()) == ["pace", "calendar"]
        assert "web.monitoring.dashboard" not in sys.modules
        build_engine()  # a second engine registers the same things again, harmlessly
        """
    )


def test_the_app_shows_the_monitoring_task_forms_without_the_dashboard_registering_them(
    tmp_path,
):
    run_fresh(
        f"""
        import web.monitoring.dashboard, web.monitoring.monitoring_forms
        from web.review.task_forms import PAGE_FORMS

        assert not {MONITORING_FORMS!r} & set(PAGE_FORMS), sorted(PAGE_FORMS)

        from web.app import create_app

        url = "sqlite:///{tmp_path / "app.db"}"
        create_app({{"DATABASE_URL": url, "SECRET_KEY": "x" * 32}})
        assert {MONITORING_FORMS!r} <= set(PAGE_FORMS), sorted(PAGE_FORMS)
        create_app({{"DATABASE_URL": url, "SECRET_KEY": "x" * 32}})
        """
    )


def test_a_family_cannot_take_a_registered_name():
    register_family(AlertFamily("toy_twice", _toy_report, _toy_round))
    try:
        register_family(AlertFamily("toy_twice", _toy_report, _toy_round))  # the same: harmless
        with pytest.raises(RuntimeError, match="registered twice"):
            register_family(AlertFamily("toy_twice", _toy_report, compute_round))
    finally:
        unregister_family("toy_twice")


def test_an_unknown_family_is_invalid_input_naming_those_offered():
    register_family(AlertFamily("toy_known", _toy_report, _toy_round))
    try:
        with pytest.raises(InvalidInput, match="offers toy_known") as raised:
            family_of({"toy_known": {}}, "nonsense")
        assert raised.value.errors == {"family": "unknown"}
    finally:
        unregister_family("toy_known")


# A toy family: every report is red, by the same rule for one report and for a whole round.


def _toy_report(report, rows, months: int, settings: dict) -> ReportColours:
    return ReportColours("toy", Colour(settings["colour"]), Colour(settings["colour"]))


def _toy_round(session, task, settings: dict, now: datetime) -> int:
    reports = MonitoringReport.__table__
    fresh = session.execute(
        select(reports.c.id, reports.c.project_id).where(unalerted(task.id, "toy"))
    ).all()
    common = {"task_id": task.id, "rule_family": "toy", "status": AlertStatus.OPEN}
    colour = Colour(settings["colour"])
    rows = [
        {
            **common,
            "project_id": project_id,
            "report_id": report_id,
            "kind": kind,
            "colour": colour,
            "raised_at": now,
            "version": 1,
        }
        for report_id, project_id in fresh
        for kind in (AlertKind.BUDGET, AlertKind.PROJECT)
    ]
    if rows:
        session.execute(insert(Alert.__table__), rows)
    return len(fresh)


@pytest.fixture
def toy_family():
    register_family(AlertFamily("toy", _toy_report, _toy_round))
    yield registered_families()["toy"]
    unregister_family("toy")


def _alerts(session, task_id) -> set:
    return {
        (alert.project_id, alert.kind.value, alert.colour, alert.rule_family)
        for alert in session.scalars(select(Alert).where(Alert.task_id == task_id))
        if alert.kind is not AlertKind.INDICATOR
    }


def test_a_toy_family_registered_through_the_public_function_runs_on_both_paths(
    sessions, toy_family
):
    with sessions() as session, session.begin():
        seed_province(session, SeedRequest(year=2026, projects=12, seed=5))
        year = session.scalars(select(FiscalYear)).one()
        settings = setting(session, "alerts", year.region_code, year.year)
        session.add(
            PolicySetting(
                key="alerts",
                region_code=year.region_code,
                body={"value": {**settings, "family": "toy", "toy": {"colour": "red"}}},
            )
        )
        task_id = issue_task(session, year, 7, "jan_jul")
        generate_reports(session, task_id, random.Random(5))
    now = datetime(2026, 8, 20, 2, 0, tzinfo=UTC)
    with sessions() as session:
        for report in session.scalars(
            select(MonitoringReport).where(MonitoringReport.task_id == task_id)
        ):
            assert raise_report_alerts(session, report, now).family == "toy"
        per_report = _alerts(session, task_id)
        session.rollback()
    with sessions() as session, session.begin():
        assert compute_round(session, task_id, now) == 12
        whole_round = _alerts(session, task_id)
    assert per_report == whole_round
    assert {(kind, colour, family) for _, kind, colour, family in whole_round} == {
        ("budget", Colour.RED, "toy"),
        ("project", Colour.RED, "toy"),
    }
