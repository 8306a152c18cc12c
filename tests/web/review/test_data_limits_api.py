"""A completion whose steps pass a task-data limit answers as every incident does (issue 10, 2)."""

from __future__ import annotations

from engine.actors import Actor
from engine.models import HumanTask
from engine.workflow.data_limits import INSTANCE_VAR, STEP_VAR
from engine.workflow.definitions import deploy
from tests.engine.workflow.test_data_limits import _growing_loop


def test_the_api_answers_the_incident_naming_the_element(world_app, world, monkeypatch):
    workflow = world_app.extensions["budgetloop.workflow"]
    operator = Actor.system("test")
    with world_app.extensions["budgetloop.sessions"]() as session, session.begin():
        deploy(
            session,
            [_growing_loop("growing_api_loop", True)],
            operator,
            workflow.operations.names(),
        )
        started = workflow.start(session, "growing_api_loop", "grow:api", {"passes": 50}, operator)
        assert started.ok, started.error
    monkeypatch.setenv(STEP_VAR, "10000000")
    monkeypatch.setenv(INSTANCE_VAR, "1000000")
    client, unit = world_app.test_client(), world.headers("unit")

    answers = []
    for _ in range(4):
        with world_app.extensions["budgetloop.sessions"]() as session:
            task = (
                session.query(HumanTask)
                .filter_by(instance_id=started.instance_id, status="ready")
                .one()
            )
        response = client.post(f"/api/v1/tasks/{task.id}/complete", json={"data": {}}, headers=unit)
        assert response.status_code == 200, response.json
        answers.append((response.status_code, response.json["status"]))
        if response.json["status"] == "incident":
            break

    assert answers == [(200, "running"), (200, "incident")]
    body = response.json
    assert body["instance_id"] == started.instance_id and body["incident_id"]
    assert "instance data too large" in body["error"]
    assert "BUDGETLOOP_INSTANCE_DATA_MAX_BYTES" in body["error"]
    incident = client.get(
        f"/api/v1/incidents/{body['incident_id']}", headers=world.headers("performance")
    ).json
    assert incident["element_id"] == "Script_Grow" and incident["status"] == "open"
