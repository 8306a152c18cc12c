"""The public disclosure: no login, only disclosed projects, targets and grades."""

from __future__ import annotations

from sqlalchemy import select, update

from engine.models import Disclosure, Project


def _disclosed(world_app) -> set[str]:
    with world_app.extensions["budgetloop.engine"].connect() as connection:
        return set(
            connection.execute(
                select(Project.code)
                .join(Disclosure, Disclosure.project_id == Project.id)
                .where(Disclosure.withdrawn_at.is_(None))
            ).scalars()
        )


def test_the_public_sees_only_disclosed_projects_without_logging_in(world_client, world_app):
    response = world_client.get("/api/v1/disclosures/?per_page=200")
    assert response.status_code == 200
    codes = {item["project_code"] for item in response.json["items"]}
    assert codes and codes == _disclosed(world_app)
    graded = [item for item in response.json["items"] if item["grade"]]
    assert graded and graded[0]["grade"] in "ABCD"
    assert any(item["indicators"] for item in response.json["items"])


def test_a_withdrawn_disclosure_disappears(world_client, world_app):
    first = world_client.get("/api/v1/disclosures/?per_page=1").json["items"][0]
    with world_app.extensions["budgetloop.engine"].begin() as connection:
        connection.execute(
            update(Disclosure)
            .where(Disclosure.project_id == first["project_id"])
            .values(withdrawn_at=Disclosure.disclosed_at)
        )
    codes = {
        i["project_code"]
        for i in world_client.get("/api/v1/disclosures/?per_page=200").json["items"]
    }
    assert first["project_code"] not in codes


def test_the_openapi_marks_disclosures_public(world_client):
    spec = world_client.get("/api/v1/openapi.json").json
    assert spec["paths"]["/api/v1/disclosures/"]["get"]["security"] == []


def test_the_public_page_needs_no_login_and_filters(world_client):
    everything = world_client.get("/api/v1/disclosures/?per_page=200").json["items"]
    page = world_client.get("/disclosure")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert everything[0]["project_name"] in text
    department = everything[0]["department_id"]
    filtered = world_client.get(
        f"/disclosure?department_id={department}&year={everything[0]['year']}"
    )
    assert filtered.status_code == 200
    others = [i for i in everything if i["department_id"] != department]
    for item in others:
        assert item["project_code"] not in filtered.get_data(as_text=True)
