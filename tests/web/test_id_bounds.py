"""Ids in query strings and bodies beyond what a BIGINT holds are invalid input, not a 500."""

from __future__ import annotations

import pytest

HUGE = 38234259097587621560320  # found by the fuzz: the database driver cannot bind it


@pytest.mark.parametrize(
    ("path", "field"),
    [
        (f"/api/v1/projects/?department_id={HUGE}", "department_id"),
        (f"/api/v1/projects/?unit_id={HUGE}", "unit_id"),
        (f"/api/v1/organisations/?parent_id={HUGE}", "parent_id"),
    ],
)
def test_a_query_id_past_bigint_is_422(world_client, world, path, field):
    response = world_client.get(path, headers=world.headers("department"))
    assert response.status_code == 422, response.json
    assert field in response.json["errors"]["query"]


def test_an_instance_version_past_bigint_is_422(world_client, world):
    tasks = world_client.get("/api/v1/tasks/", headers=world.headers("unit")).json["items"]
    response = world_client.post(
        f"/api/v1/tasks/{tasks[0]['id']}/complete",
        json={"data": {}, "instance_version": HUGE},
        headers=world.headers("unit"),
    )
    assert response.status_code == 422, response.json
    assert "instance_version" in response.json["errors"]["json"]


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/projects/{id}",
        "/api/v1/evaluations/{id}",
        "/api/v1/ex-ante-assessments/{id}",
        "/api/v1/department-plans/{id}",
        "/api/v1/department-plans/{id}/instance",
        "/api/v1/tasks/{id}",
    ],
)
@pytest.mark.parametrize("huge", [2**31, 2**63 - 1])
def test_a_path_id_past_the_id_columns_names_nothing(world_client, world, path, huge):
    """Ids are INTEGER columns (32 bits on PostgreSQL): one past them is a 404, never a 500."""
    response = world_client.get(path.format(id=huge), headers=world.headers("performance"))
    assert response.status_code == 404, (path, response.status_code)


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/projects/?department_id={id}",
        "/api/v1/evaluations/?project_id={id}",
        "/api/v1/ex-ante-assessments/?project_id={id}",
        "/api/v1/alerts/?department_id={id}",
        "/api/v1/rectification-orders/?project_id={id}",
        "/api/v1/department-plans/?org_id={id}",
    ],
)
def test_a_query_id_past_the_id_columns_is_422(world_client, world, path):
    response = world_client.get(path.format(id=2**31), headers=world.headers("performance"))
    assert response.status_code == 422, (path, response.status_code)


def test_a_batch_answers_an_id_past_the_columns_item_by_item(world_client, world):
    """A batch is answered per item: an id past the id columns is that item's 'not found'."""
    headers = world.headers("department")
    review = world_client.post(
        "/api/v1/tasks/bulk-review",
        json={"tasks": [2**40], "outcome": "approve"},
        headers=headers,
    )
    assert review.status_code < 500, review.json
    read = world_client.post("/api/v1/messages/read", json={"ids": [2**40]}, headers=headers)
    assert read.status_code < 500, read.json
