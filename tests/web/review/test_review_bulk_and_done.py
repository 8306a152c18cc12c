"""批量审核 (each item one command, reported one by one), 已办 next to 待办, due dates sortable."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from sqlalchemy import update

from engine.models import HumanTask
from tests.web.conftest import csrf
from tests.web.review.test_review_pages import HTML, _submit_targets, _tasks


def test_a_department_bulk_approves_and_each_item_is_reported(
    login, world, world_app, world_client
):
    reviews = _submit_targets(world_client, world, world_app, count=3)
    client = login("department")
    inbox = client.get("/inbox", headers=HTML).text
    for review in reviews:
        assert f'name="task" value="{review.id}"' in inbox
    # Another reviewer of the same desk completes the last one first: that item is a conflict.
    taken = world_client.post(
        f"/api/v1/tasks/{reviews[-1].id}/complete",
        json={"data": {"outcome": "approve"}},
        headers=world.headers("department"),
    )
    assert taken.status_code == 200
    response = client.post(
        "/inbox/bulk-review",
        data={
            "csrf_token": csrf(client),
            "task": [str(r.id) for r in reviews],
            "outcome": "approve",
            "comment": "",
        },
        headers=HTML,
    )
    assert response.status_code == 200, response.text
    statuses = dict(re.findall(r'data-task="(\d+)" data-status="(\w+)"', response.text))
    assert statuses == {
        str(reviews[0].id): "approved",
        str(reviews[1].id): "approved",
        str(reviews[2].id): "conflict",
    }
    assert "共 3 项：2 项已办理，1 项未办理。" in response.text
    # Each approved document went on to the finance desk, one instance each.
    for review in reviews:
        assert _tasks(world_app, id=review.id)[0].status == "completed"
        finance = _tasks(
            world_app, form="review", role="finance", status="ready", instance_id=review.instance_id
        )
        assert len(finance) == 1

    # 已办 lists what this reviewer completed, with the decision and when (the lived-in year's
    # simulated clock makes the demo's completions interleave with these: find their page).
    done = client.get("/inbox/done", headers=HTML)
    assert done.status_code == 200
    assert 'aria-current="page">已办' in done.text
    order = [
        item["id"] for item in client.get("/api/v1/tasks/completed?per_page=200").json["items"]
    ]
    for review in reviews[:2]:
        page = order.index(review.id) // 25 + 1
        text = client.get(f"/inbox/done?page={page}", headers=HTML).text
        row = re.search(rf'<tr>\s*<td><a href="/tasks/{review.id}">.*?</tr>', text, re.S)
        assert row and "<td>通过</td>" in row.group(0)


def test_a_bulk_return_needs_one_comment_and_changes_nothing_without_it(
    login, world, world_app, world_client
):
    reviews = _submit_targets(world_client, world, world_app, count=2)
    client = login("department")
    data = {"csrf_token": csrf(client), "task": [str(r.id) for r in reviews], "outcome": "return"}
    response = client.post("/inbox/bulk-review", data=data, headers=HTML)
    assert response.status_code == 422
    assert "批量退回须填写意见" in response.text
    assert all(_tasks(world_app, id=r.id)[0].status == "ready" for r in reviews)
    # No decision chosen, or nothing ticked: a clear error too.
    response = client.post(
        "/inbox/bulk-review",
        data={"csrf_token": csrf(client), "task": [str(reviews[0].id)]},
        headers=HTML,
    )
    assert response.status_code == 422 and "请选择审核结果" in response.text
    response = client.post(
        "/inbox/bulk-review", data={"csrf_token": csrf(client), "outcome": "approve"}
    )
    assert response.status_code == 422 and "请至少勾选一项审核事项" in response.text

    response = client.post(
        "/inbox/bulk-review", data={**data, "comment": "统一补充绩效指标依据"}, headers=HTML
    )
    assert response.status_code == 200
    for review in reviews:
        revise = _tasks(world_app, form="revise", status="ready", instance_id=review.instance_id)
        assert len(revise) == 1


def test_bulk_review_over_the_api(world, world_app, world_client):
    reviews = _submit_targets(world_client, world, world_app, count=2)
    filing = _tasks(
        world_app, role="unit", org_id=world["unit"].org_id, form="target_table", status="ready"
    )
    headers = world.headers("department")
    response = world_client.post(
        "/api/v1/tasks/bulk-review",
        json={"tasks": [r.id for r in reviews] + [filing[0].id], "data": {"outcome": "approve"}},
        headers=headers,
    )
    assert response.status_code == 200, response.json
    items = {item["task_id"]: item["status"] for item in response.json["items"]}
    # The unit's filing task is not the department's: not visible, so an error, not a 500.
    assert items == {reviews[0].id: "approved", reviews[1].id: "approved", filing[0].id: "error"}
    again = world_client.post(
        "/api/v1/tasks/bulk-review",
        json={"tasks": [reviews[0].id], "data": {"outcome": "approve"}},
        headers=headers,
    )
    assert again.json["items"][0]["status"] == "conflict"
    for body in (
        {"tasks": [], "data": {"outcome": "approve"}},
        {"tasks": [reviews[0].id], "data": {"outcome": "maybe"}},
        {"tasks": [reviews[0].id], "data": {"outcome": "return"}},
        {"tasks": list(range(1, 102)), "data": {"outcome": "approve"}},
    ):
        response = world_client.post("/api/v1/tasks/bulk-review", json=body, headers=headers)
        assert response.status_code == 422, body

    # Only reviewers review: a unit is refused before anything is looked at.
    refused = world_client.post(
        "/api/v1/tasks/bulk-review",
        json={"tasks": [reviews[0].id], "data": {"outcome": "approve"}},
        headers=world.headers("unit"),
    )
    assert refused.status_code == 403

    # 已办 over the API: newest first, with the decision.
    done = world_client.get("/api/v1/tasks/completed?per_page=200", headers=headers)
    assert done.status_code == 200
    mine = {item["id"]: item for item in done.json["items"]}
    assert {r.id for r in reviews} <= set(mine)
    assert all(mine[r.id]["outcome"] == "approve" for r in reviews)
    assert all(mine[r.id]["completed_by"].endswith(world["department"].login) for r in reviews)
    stamps = [item["completed_at"] for item in done.json["items"]]
    assert stamps == sorted(stamps, reverse=True)


def test_inbox_sorts_by_due_date_with_undated_tasks_last(world, world_app, world_client):
    mine = _tasks(world_app, role="unit", org_id=world["unit"].org_id, status="ready")
    assert len(mine) >= 3
    # Give two tasks due dates before any other, in the opposite order of their arrival.
    engine = world_app.extensions["budgetloop.engine"]
    with engine.begin() as connection:
        for task, day in ((mine[0], 20), (mine[1], 10)):
            connection.execute(
                update(HumanTask)
                .where(HumanTask.id == task.id)
                .values(due_at=datetime(2000, 1, day, tzinfo=UTC))
            )
    headers = world.headers("unit")

    def listed(sort: str) -> list[dict]:
        url = f"/api/v1/tasks/?sort={sort}&per_page=200"
        return world_client.get(url, headers=headers).json["items"]

    soonest = listed("due_at")
    assert [item["id"] for item in soonest[:2]] == [mine[1].id, mine[0].id]
    latest = [item["id"] for item in listed("-due_at")]
    assert latest.index(mine[0].id) < latest.index(mine[1].id)
    for items in (soonest, listed("-due_at")):
        dated = [item["due_at"] is not None for item in items]
        assert dated == sorted(dated, reverse=True)  # undated tasks come last either way


def test_inbox_page_sorts_by_due_date(login, world, world_app):
    client = login("unit")
    page = client.get("/inbox?sort=due_at", headers=HTML)
    assert page.status_code == 200
    assert 'data-sort="due_at">办理期限 ▲' in page.text
    assert "sort=-due_at" in page.text  # the heading's link now reverses the order
    # An order the page does not offer falls back to arrival, never a 500.
    assert client.get("/inbox?sort=nonsense", headers=HTML).status_code == 200
