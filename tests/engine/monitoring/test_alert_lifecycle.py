"""Alert life cycle: open → acknowledged → resolved, by the people who track alerts."""

from __future__ import annotations

import random

import pytest
from sqlalchemy import select

from engine.actors import Actor
from engine.composition import register_areas
from engine.errors import Conflict, Forbidden, InvalidInput
from engine.models import Alert, FiscalYear
from engine.models.enums import AlertStatus, Colour
from engine.monitoring import lifecycle as alert_lifecycle
from engine.monitoring.set_based import compute_round
from engine.synthetic.monitoring import generate_reports, issue_task
from engine.synthetic.province import SeedRequest, seed_province

SUPERVISOR = Actor(name="user:audit", role="supervisor", org_id=1, user_id=None)


@pytest.fixture
def red_alert(sessions) -> int:
    register_areas()  # the alert families, as the composition root registers them
    with sessions() as session, session.begin():
        seed_province(session, SeedRequest(year=2026, projects=40, seed=8))
        year = session.scalars(select(FiscalYear)).one()
        task_id = issue_task(session, year, 7, "jan_jul")
        generate_reports(session, task_id, random.Random(8))
        compute_round(session, task_id)
        return session.scalars(
            select(Alert.id).where(Alert.kind == "project", Alert.colour == Colour.RED)
        ).first()


def test_acknowledge_then_resolve_records_who_and_when(sessions, red_alert):
    with sessions() as session, session.begin():
        alert = alert_lifecycle.acknowledge(session, red_alert, SUPERVISOR)
        assert alert.status is AlertStatus.ACKNOWLEDGED and alert.acknowledged_at
    with sessions() as session, session.begin(), pytest.raises(Conflict, match="already"):
        alert_lifecycle.acknowledge(session, red_alert, SUPERVISOR)
    with sessions() as session, session.begin():
        alert = alert_lifecycle.resolve(session, red_alert, SUPERVISOR, "单位已说明原因并调整计划")
        assert alert.status is AlertStatus.RESOLVED and alert.resolved_at
        assert alert.resolved_at >= alert.acknowledged_at
    with sessions() as session, session.begin(), pytest.raises(Conflict, match="resolved"):
        alert_lifecycle.resolve(session, red_alert, SUPERVISOR, "again")


def test_only_trackers_and_a_note(sessions, red_alert):
    unit = Actor(name="user:unit", role="unit", org_id=5)
    with sessions() as session, session.begin(), pytest.raises(Forbidden):
        alert_lifecycle.acknowledge(session, red_alert, unit)
    with sessions() as session, session.begin(), pytest.raises(InvalidInput, match="say how"):
        alert_lifecycle.resolve(session, red_alert, SUPERVISOR, " ")


def test_a_stale_version_is_a_conflict(sessions, red_alert):
    with sessions() as session:
        version = session.get(Alert, red_alert).version
    with sessions() as session, session.begin():
        alert_lifecycle.acknowledge(session, red_alert, SUPERVISOR, expected_version=version)
    with sessions() as session, session.begin(), pytest.raises(Conflict, match="changed"):
        alert_lifecycle.resolve(session, red_alert, SUPERVISOR, "done", expected_version=version)
