"""Faults of the server answer 500 in the error shape and are logged under a request id the
answer carries; they never pass for a client's mistake (a 400)."""

from __future__ import annotations

import logging

from sqlalchemy import select, update

from engine.audit_keys import AUDIT_KEY_VAR
from engine.errors import AuditChainBroken, BudgetloopError, ConfigurationError, Corrupted
from engine.models import Alert, HumanTask, ProcessSpec
from engine.models.enums import AlertStatus, Colour
from web.errors import REQUEST_ID_HEADER, STATUS_OF


def test_a_spec_edited_in_the_database_is_a_logged_500(world_app, world_client, world, caplog):
    with world_app.extensions["budgetloop.engine"].begin() as db:
        task_id = db.scalar(
            select(HumanTask.id)
            .where(
                HumanTask.status == "ready",
                HumanTask.form == "target_table",
                HumanTask.org_id == world["unit"].org_id,
            )
            .order_by(HumanTask.id)
        )
        assert task_id is not None
        db.execute(update(ProcessSpec).values(body=ProcessSpec.body + " "))
    with caplog.at_level(logging.ERROR, logger="web.errors"):
        response = world_client.post(
            f"/api/v1/tasks/{task_id}/complete",
            json={"data": {"confirmed": True}},
            headers=world.headers("unit"),
        )
    assert response.status_code == 500, response.json
    assert set(response.json) == {"code", "status", "message", "errors"}
    assert response.json["code"] == "corrupted"
    request_id = response.headers[REQUEST_ID_HEADER]
    assert any(request_id in record.getMessage() for record in caplog.records)
    with world_app.extensions["budgetloop.engine"].connect() as db:
        assert db.scalar(select(HumanTask.status).where(HumanTask.id == task_id)) == "ready"


def test_server_faults_are_never_a_clients_400():
    for fault in (Corrupted, AuditChainBroken, ConfigurationError):
        assert STATUS_OF[fault] == 500
    assert 400 not in STATUS_OF.values()
    assert issubclass(Corrupted, BudgetloopError)


def test_a_broken_audit_key_setting_is_a_logged_500_and_changes_nothing(
    monkeypatch, world_app, world_client, world, caplog
):
    # A configuration error met while serving (the operator set a key the ring cannot read):
    # the write is refused as the server's fault, with a request id, and nothing is kept.
    with world_app.extensions["budgetloop.engine"].connect() as db:
        alert_id, version = db.execute(
            select(Alert.id, Alert.version)
            .where(Alert.status == AlertStatus.OPEN, Alert.colour == Colour.RED)
            .order_by(Alert.id)
            .limit(1)
        ).one()
    monkeypatch.setenv(AUDIT_KEY_VAR, "no-colon-here")
    with caplog.at_level(logging.ERROR, logger="web.errors"):
        response = world_client.post(
            f"/api/v1/alerts/{alert_id}/acknowledge",
            json={"version": version},
            headers=world.headers("supervisor"),
        )
    assert response.status_code == 500, response.json
    assert set(response.json) == {"code", "status", "message", "errors"}
    request_id = response.headers[REQUEST_ID_HEADER]
    assert any(request_id in record.getMessage() for record in caplog.records)
    with world_app.extensions["budgetloop.engine"].connect() as db:
        assert db.scalar(select(Alert.status).where(Alert.id == alert_id)) == AlertStatus.OPEN
