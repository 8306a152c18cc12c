"""The inbox over the API: each role sees its own tasks; completing checks the form first."""

from __future__ import annotations

from sqlalchemy import select

from engine.models import HumanTask


def _ready(world_app, **where):
    engine = world_app.extensions["budgetloop.engine"]
    with engine.connect() as connection:
        query = select(HumanTask).where(HumanTask.status == "ready")
        for key, value in where.items():
            query = query.where(getattr(HumanTask, key) == value)
        return connection.execute(query.order_by(HumanTask.id)).all()


def test_inbox_lists_only_the_callers_tasks(world_client, world, world_app):
    mine = _ready(world_app, role="unit", org_id=world["unit"].org_id)
    response = world_client.get("/api/v1/tasks/?per_page=200", headers=world.headers("unit"))
    assert response.status_code == 200
    body = response.json
    assert body["total"] == len(mine)
    assert {item["id"] for item in body["items"]} == {row.id for row in mine}
    assert all(item["project_name"] for item in body["items"])


def test_another_units_task_is_not_visible(world_client, world, world_app):
    task = _ready(world_app, role="unit", org_id=world["unit"].org_id)[0]
    stranger = world.headers("unit") | {}
    stranger = {"Authorization": f"Bearer {world.strangers['unit'].token}"}
    assert world_client.get(f"/api/v1/tasks/{task.id}", headers=stranger).status_code == 404
    response = world_client.post(
        f"/api/v1/tasks/{task.id}/complete", json={"data": {"confirmed": True}}, headers=stranger
    )
    assert response.status_code == 404


def test_invalid_form_is_422_and_the_task_stays_ready(world_client, world, world_app):
    task = _ready(world_app, role="unit", org_id=world["unit"].org_id, form="target_table")[0]
    response = world_client.post(
        f"/api/v1/tasks/{task.id}/complete",
        json={"data": {"confirmed": "maybe"}},
        headers=world.headers("unit"),
    )
    assert response.status_code == 422
    assert "confirmed" in response.json["errors"]
    assert _ready(world_app, id=task.id)


def test_completing_twice_is_a_conflict(world_client, world, world_app):
    task = _ready(world_app, role="unit", org_id=world["unit"].org_id, form="target_table")[0]
    url = f"/api/v1/tasks/{task.id}/complete"
    first = world_client.post(
        url, json={"data": {"confirmed": True}}, headers=world.headers("unit")
    )
    assert first.status_code == 200, first.json
    assert first.json["status"] in ("waiting", "running", "completed")
    second = world_client.post(
        url, json={"data": {"confirmed": True}}, headers=world.headers("unit")
    )
    assert second.status_code == 409
    # The department now has the review in its inbox.
    reviews = _ready(world_app, role="department", form="review", instance_id=task.instance_id)
    assert len(reviews) == 1


def test_review_return_needs_a_comment(world_client, world, world_app):
    task = _ready(world_app, role="unit", org_id=world["unit"].org_id, form="target_table")[0]
    world_client.post(
        f"/api/v1/tasks/{task.id}/complete",
        json={"data": {"confirmed": True}},
        headers=world.headers("unit"),
    )
    review = _ready(world_app, form="review", instance_id=task.instance_id)[0]
    response = world_client.post(
        f"/api/v1/tasks/{review.id}/complete",
        json={"data": {"outcome": "return"}},
        headers=world.headers("department"),
    )
    assert response.status_code == 422 and "comment" in response.json["errors"]
    response = world_client.post(
        f"/api/v1/tasks/{review.id}/complete",
        json={"data": {"outcome": "return", "comment": "请细化产出指标"}},
        headers=world.headers("department"),
    )
    assert response.status_code == 200
    revise = _ready(world_app, form="revise", instance_id=task.instance_id)
    assert len(revise) == 1 and revise[0].org_id == world["unit"].org_id
