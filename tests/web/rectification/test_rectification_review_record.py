"""The order records the review that closed it: who reviewed, when, and what they wrote
(the columns were in the schema but nothing wrote them; the order page and the API showed none)."""

from __future__ import annotations

from sqlalchemy import select

from engine.models import RectificationOrder
from tests.web.conftest import csrf
from tests.web.evaluation_support import ready, sessions, start

HTML = {"Accept": "text/html"}
COMMENT = "整改到位，同意销号"


def _order(world_app, project_id: int) -> RectificationOrder:
    with sessions(world_app)() as session:
        order = session.scalars(
            select(RectificationOrder)
            .where(RectificationOrder.project_id == project_id)
            .order_by(RectificationOrder.id.desc())
        ).first()
        session.expunge(order)
        return order


def _feedback(world_client, world, world_app) -> None:
    feedback = ready(world_app, form="rectification_feedback", org_id=world["unit"].org_id)[-1]
    done = world_client.post(
        f"/api/v1/tasks/{feedback.id}/complete",
        json={"data": {"feedback": "已完善资金管理制度"}},
        headers=world.headers("unit"),
    )
    assert done.status_code == 200, done.json


def test_the_accepting_review_is_recorded_on_the_order(login, world, world_app, world_client):
    project = start(world_app, "rectification", world["unit"].org_id)
    _feedback(world_client, world, world_app)
    review = ready(world_app, form="rectification_review", org_id=world["finance"].org_id)[-1]
    client = login("finance")
    client.get(f"/tasks/{review.id}", headers=HTML)
    form = {"csrf_token": csrf(client), "outcome": "accept", "comment": f"  {COMMENT} "}
    response = client.post(f"/tasks/{review.id}", data=form, headers=HTML)
    assert response.status_code == 302, response.text

    order = _order(world_app, project.id)
    assert order.status.value == "closed"
    assert order.review_comment == COMMENT
    assert order.reviewed_by_id == world["finance"].user_id
    assert order.reviewed_at == order.closed_at
    page = client.get(f"/rectification/{order.id}", headers=HTML)
    assert page.status_code == 200 and COMMENT in page.text
    shown = world_client.get(
        f"/api/v1/rectification-orders/{order.id}", headers=world.headers("finance")
    )
    assert shown.status_code == 200, shown.json
    assert shown.json["review_comment"] == COMMENT and shown.json["reviewed_at"]


def test_a_review_without_a_comment_records_none(world, world_app, world_client):
    project = start(world_app, "rectification", world["unit"].org_id)
    _feedback(world_client, world, world_app)
    review = ready(world_app, form="rectification_review", org_id=world["finance"].org_id)[-1]
    done = world_client.post(
        f"/api/v1/tasks/{review.id}/complete",
        json={"data": {"outcome": "accept"}},
        headers=world.headers("finance"),
    )
    assert done.status_code == 200, done.json
    order = _order(world_app, project.id)
    assert order.closed_at is not None and order.review_comment is None
    assert order.reviewed_by_id == world["finance"].user_id


def _listed(world_client, world, status: str) -> list[int]:
    listed = world_client.get(
        f"/api/v1/rectification-orders/?status={status}", headers=world.headers("supervisor")
    )
    assert listed.status_code == 200, listed.json
    return [order["id"] for order in listed.json["items"]]


def test_the_order_walks_every_state_a_supervisor_filters_by(world, world_app, world_client):
    """issued → feedback submitted → returned → feedback submitted → closed (domain.md 4): each
    state is on the order, so a filter by state finds it (it went from issued to closed before)."""
    project = start(world_app, "rectification", world["unit"].org_id)
    order_id = _order(world_app, project.id).id
    assert order_id in _listed(world_client, world, "issued")

    _feedback(world_client, world, world_app)
    order = _order(world_app, project.id)
    assert order.status.value == "feedback_submitted"
    assert order.feedback == "已完善资金管理制度" and order.feedback_at is not None
    assert order_id in _listed(world_client, world, "feedback_submitted")
    assert order_id not in _listed(world_client, world, "issued")

    review = ready(world_app, form="rectification_review", org_id=world["finance"].org_id)[-1]
    returned = world_client.post(
        f"/api/v1/tasks/{review.id}/complete",
        json={"data": {"outcome": "return", "comment": "缺少制度文件"}},
        headers=world.headers("finance"),
    )
    assert returned.status_code == 200, returned.json
    order = _order(world_app, project.id)
    assert order.status.value == "returned" and order.review_comment == "缺少制度文件"
    assert order.reviewed_by_id == world["finance"].user_id and order.closed_at is None
    assert order_id in _listed(world_client, world, "returned")

    _feedback(world_client, world, world_app)
    assert _order(world_app, project.id).status.value == "feedback_submitted"
    review = ready(world_app, form="rectification_review", org_id=world["finance"].org_id)[-1]
    accepted = world_client.post(
        f"/api/v1/tasks/{review.id}/complete",
        json={"data": {"outcome": "accept", "comment": COMMENT}},
        headers=world.headers("finance"),
    )
    assert accepted.status_code == 200, accepted.json
    order = _order(world_app, project.id)
    assert order.status.value == "closed" and order.review_comment == COMMENT
    assert order.feedback == "已完善资金管理制度"
    assert order_id in _listed(world_client, world, "closed")
