"""Faults of the server answer 500 in the error shape and are logged under a request id the
answer carries; they never pass for a client's mistake (a 400)."""

from __future__ import annotations

import logging

from sqlalchemy import select, update

from engine.errors import AuditChainBroken, BudgetloopError, ConfigurationError, Corrupted
from engine.models import HumanTask, ProcessSpec
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
