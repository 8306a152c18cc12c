"""Rectification orders over the API: scoped by project, filtered, with their history."""

from __future__ import annotations

from tests.web.evaluation_support import ready, start


def _bearer(account) -> dict:
    return {"Authorization": f"Bearer {account.token}"}


def test_orders_are_scoped_and_filtered(world_client, world, world_app):
    project = start(world_app, "rectification", world["unit"].org_id)
    response = world_client.get("/api/v1/rectification-orders/", headers=world.headers("unit"))
    assert response.status_code == 200
    mine = response.json["items"]
    assert project.id in {order["project_id"] for order in mine}
    assert {order["unit_id"] for order in mine} == {world["unit"].org_id}
    order_id = next(o["id"] for o in mine if o["project_id"] == project.id)
    stranger = _bearer(world.strangers["unit"])
    assert (
        world_client.get(f"/api/v1/rectification-orders/{order_id}", headers=stranger).status_code
        == 404
    )
    others = world_client.get("/api/v1/rectification-orders/?per_page=200", headers=stranger).json
    assert order_id not in {o["id"] for o in others["items"]}
    issued = world_client.get(
        f"/api/v1/rectification-orders/?status=issued&project_id={project.id}",
        headers=world.headers("finance"),
    ).json
    assert [o["id"] for o in issued["items"]] == [order_id]
    overdue = world_client.get(
        "/api/v1/rectification-orders/?overdue=true&per_page=200",
        headers=world.headers("supervisor"),
    ).json
    assert all(o["overdue"] for o in overdue["items"])
    bad = world_client.get(
        "/api/v1/rectification-orders/?status=lost", headers=world.headers("unit")
    )
    assert bad.status_code == 422


def test_an_orders_history_follows_its_tasks(world_client, world, world_app):
    project = start(world_app, "rectification", world["unit"].org_id)
    feedback = ready(world_app, form="rectification_feedback", org_id=world["unit"].org_id)[-1]
    done = world_client.post(
        f"/api/v1/tasks/{feedback.id}/complete",
        json={"data": {"feedback": "已完善资金管理制度"}},
        headers=world.headers("unit"),
    )
    assert done.status_code == 200, done.json
    review = ready(world_app, form="rectification_review", org_id=world["finance"].org_id)[-1]
    returned = world_client.post(
        f"/api/v1/tasks/{review.id}/complete",
        json={"data": {"outcome": "return", "comment": "缺少佐证材料"}},
        headers=world.headers("finance"),
    )
    assert returned.status_code == 200, returned.json
    orders = world_client.get(
        f"/api/v1/rectification-orders/?project_id={project.id}&sort=-id",
        headers=world.headers("department"),
    ).json["items"]
    detail = world_client.get(
        f"/api/v1/rectification-orders/{orders[0]['id']}", headers=world.headers("department")
    ).json
    steps = [(s["step"], s["status"], s["outcome"], s["text"]) for s in detail["history"]]
    assert steps[0][0] == "issued"
    assert ("rectification_feedback", "completed", None, "已完善资金管理制度") in steps
    assert ("rectification_review", "completed", "return", "缺少佐证材料") in steps
    assert steps[-1][:2] == ("rectification_feedback", "ready")
    assert {"feedback_due", "plan_due", "close_due", "issues", "requirements"} <= set(detail)
