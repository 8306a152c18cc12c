"""An alert's report, round and project are one foreign key (revision 0012): the database
refuses an alert whose round or project is not its report's, and the upgrade keeps every alert
of a lived-in year."""

from __future__ import annotations

import pytest
from sqlalchemy import func, insert, inspect, select, text
from sqlalchemy.exc import IntegrityError

from engine import schema
from engine.db import create_db_engine
from engine.errors import Corrupted
from engine.models import Alert, MonitoringReport
from engine.models.types import utcnow


def _world(backend, request):
    return request.getfixturevalue(f"{'sqlite' if backend == 'sqlite' else 'postgres'}_world")


def _alert_keys(engine) -> list[tuple]:
    with engine.connect() as connection:
        return connection.execute(
            select(Alert.id, Alert.report_id, Alert.task_id, Alert.project_id).order_by(Alert.id)
        ).all()


def test_the_upgrade_keeps_every_alert(backend, request):
    engine = create_db_engine(_world(backend, request).fresh())
    before = _alert_keys(engine)
    assert before  # the lived-in year raised alerts
    schema.downgrade(engine, "0011")
    single = {fk["referred_table"] for fk in inspect(engine).get_foreign_keys("alert")}
    assert {"monitoring_task", "project", "monitoring_report"} <= single
    schema.upgrade(engine)
    keys = [
        (tuple(fk["constrained_columns"]), fk["referred_table"], tuple(fk["referred_columns"]))
        for fk in inspect(engine).get_foreign_keys("alert")
    ]
    assert (
        ("report_id", "task_id", "project_id"),
        "monitoring_report",
        ("id", "task_id", "project_id"),
    ) in keys
    assert not any(table in {"monitoring_task", "project"} for _, table, _ in keys)
    assert _alert_keys(engine) == before
    if backend == "sqlite":
        with engine.connect() as connection:
            assert connection.execute(text("PRAGMA foreign_key_check")).all() == []
    engine.dispose()


def test_the_upgrade_refuses_an_alert_that_disagrees_with_its_report(backend, request):
    engine = create_db_engine(_world(backend, request).fresh())
    schema.downgrade(engine, "0011")
    with engine.begin() as connection:
        first = connection.scalar(select(func.min(Alert.id)))
        other = connection.scalar(
            select(MonitoringReport.project_id)
            .where(
                MonitoringReport.id
                != select(Alert.report_id).where(Alert.id == first).scalar_subquery()
            )
            .limit(1)
        )
        connection.execute(text(f"UPDATE alert SET project_id = {other} WHERE id = {first}"))
    with pytest.raises(Corrupted, match=rf"these alerts do not .*\[{first}\]"):
        schema.upgrade(engine)
    assert schema.current_revision(engine) == "0011"
    engine.dispose()


@pytest.mark.parametrize("column", ["project_id", "task_id"])
def test_an_alert_must_name_its_reports_round_and_project(backend, request, column):
    engine = create_db_engine(_world(backend, request).fresh())
    with engine.connect() as connection:
        report = connection.execute(select(MonitoringReport).limit(1)).one()
        wrong = connection.scalar(
            select(getattr(MonitoringReport, column)).where(
                getattr(MonitoringReport, column) != getattr(report, column)
            )
        )
    values = {
        "task_id": report.task_id,
        "project_id": report.project_id,
        "report_id": report.id,
        "kind": "project",
        "rule_family": "pace",
        "colour": "red",
        "status": "open",
        "raised_at": utcnow(),
        "version": 1,
    }
    with engine.begin() as connection:
        connection.execute(insert(Alert.__table__).values(values))  # its own: accepted
    with pytest.raises(IntegrityError), engine.begin() as connection:
        connection.execute(insert(Alert.__table__).values({**values, column: wrong}))
    engine.dispose()
