"""Funding decisions, their confirmation through the confirmation task, and allocations."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from engine.models import HumanTask


def _pending(world_client, world) -> dict:
    response = world_client.get(
        "/api/v1/funding-decisions/?status=proposed", headers=world.headers("finance")
    )
    assert response.status_code == 200
    items = [i for i in response.json["items"] if i["project_code"] == world.pending_decision]
    assert items, "the lived-in year leaves one decision for the finance desk"
    assert items[0]["task_id"] is not None
    return items[0]


def _task_status(world_app, task_id: int) -> str:
    with world_app.extensions["budgetloop.engine"].connect() as connection:
        return connection.execute(
            select(HumanTask.status).where(HumanTask.id == task_id)
        ).scalar_one()


def test_decisions_are_scoped_filtered_and_explained(world_client, world):
    everything = world_client.get(
        "/api/v1/funding-decisions/?per_page=200", headers=world.headers("performance")
    ).json
    mine = world_client.get(
        "/api/v1/funding-decisions/?per_page=200", headers=world.headers("unit")
    ).json
    assert 0 < mine["total"] < everything["total"]
    assert {i["unit_name"] for i in mine["items"]} == {mine["items"][0]["unit_name"]}
    cuts = world_client.get(
        "/api/v1/funding-decisions/?kind=cut", headers=world.headers("performance")
    ).json
    assert all(i["kind"] == "cut" for i in cuts["items"])
    first = everything["items"][0]
    detail = world_client.get(
        f"/api/v1/funding-decisions/{first['id']}", headers=world.headers("performance")
    ).json
    assert detail["facts"]["project_code"] == first["project_code"]
    assert detail["fired_rules"] and detail["ruleset"].endswith(f"@{detail['rule_set_version']}")


def test_a_stranger_unit_gets_404_on_another_units_decision(world_client, world):
    mine = world_client.get("/api/v1/funding-decisions/", headers=world.headers("unit")).json
    decision_id = mine["items"][0]["id"]
    stranger = {"Authorization": f"Bearer {world.strangers['unit'].token}"}
    assert (
        world_client.get(f"/api/v1/funding-decisions/{decision_id}", headers=stranger).status_code
        == 404
    )
    response = world_client.post(
        f"/api/v1/funding-decisions/{decision_id}/confirm", headers=stranger
    )
    assert response.status_code == 404


def test_override_without_a_reason_is_422_and_the_task_stays_ready(world_client, world, world_app):
    pending = _pending(world_client, world)
    response = world_client.post(
        f"/api/v1/funding-decisions/{pending['id']}/override",
        json={"override_factor": "0.8"},
        headers=world.headers("finance"),
    )
    assert response.status_code == 422
    assert "override_reason" in response.json["errors"]
    assert _task_status(world_app, pending["task_id"]) == "ready"


def test_override_with_a_reason_sets_the_allocation(world_client, world):
    pending = _pending(world_client, world)
    response = world_client.post(
        f"/api/v1/funding-decisions/{pending['id']}/override",
        json={"override_factor": "0.8", "override_reason": "项目单位已承诺压减非急需支出"},
        headers=world.headers("finance"),
    )
    assert response.status_code == 200, response.json
    decision = response.json["decision"]
    assert decision["status"] == "overridden" and decision["task_id"] is None
    assert Decimal(decision["effective_factor"]) == Decimal("0.8")
    allocation = decision["allocation"]
    assert allocation["overridden"] is True
    assert Decimal(allocation["amount"]) == (
        Decimal(allocation["requested"]) * Decimal("0.8")
    ).quantize(Decimal("0.01"))


def test_confirm_twice_is_409(world_client, world, world_app):
    pending = _pending(world_client, world)
    url = f"/api/v1/funding-decisions/{pending['id']}/confirm"
    for role in ("department", "supervisor"):  # they see it, but do not confirm
        assert world_client.post(url, headers=world.headers(role)).status_code == 403
    first = world_client.post(url, headers=world.headers("finance"))
    assert first.status_code == 200, first.json
    assert first.json["decision"]["status"] == "confirmed"
    assert _task_status(world_app, pending["task_id"]) == "completed"
    again = world_client.post(url, headers=world.headers("finance"))
    assert again.status_code == 409


def test_allocations_by_project_and_department(world_client, world):
    rows = world_client.get(
        "/api/v1/allocations/?per_page=200", headers=world.headers("performance")
    ).json
    assert rows["total"] > 0
    row = rows["items"][0]
    assert row["next_year"] == row["year"] + 1 and row["rules"] and row["decision_kind"]
    assert Decimal(row["amount"]) == (Decimal(row["requested"]) * Decimal(row["factor"])).quantize(
        Decimal("0.01")
    )
    summary = world_client.get(
        "/api/v1/allocations/summary", headers=world.headers("performance")
    ).json
    assert summary["year"] == row["year"]
    assert sum(d["projects"] for d in summary["departments"]) == rows["total"]
    total = sum(Decimal(d["next_year"]) for d in summary["departments"])
    assert total == sum(Decimal(i["amount"]) for i in rows["items"])
    department = world_client.get(
        "/api/v1/allocations/summary", headers=world.headers("department")
    ).json
    assert [d["department_id"] for d in department["departments"]] == [world["department"].org_id]


def test_the_confirmation_desk_page_confirms(login, world, world_app):
    from tests.web.conftest import csrf

    client = login("finance")
    page = client.get("/funding-decisions")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert world.pending_decision in text
    pending = _pending(client, world)
    blank = client.post(
        f"/funding-decisions/{pending['id']}/override",
        data={"csrf_token": csrf(client), "override_factor": "0.5", "override_reason": " "},
    )
    assert blank.status_code == 422
    done = client.post(
        f"/funding-decisions/{pending['id']}/confirm", data={"csrf_token": csrf(client)}
    )
    assert done.status_code == 302
    assert _task_status(world_app, pending["task_id"]) == "completed"


def test_the_allocation_report_and_its_excel_export(login, world):
    from io import BytesIO

    from openpyxl import load_workbook

    client = login("finance")
    page = client.get("/allocations")
    assert page.status_code == 200
    export = client.get("/allocations.xlsx")
    assert export.status_code == 200
    book = load_workbook(BytesIO(export.data))
    assert len(book.worksheets) == 2
    assert book.worksheets[1].max_row > 1


def test_the_task_page_shows_the_decision_and_takes_the_same_answers(login, world, world_app):
    from tests.web.conftest import csrf

    client = login("finance")
    pending = _pending(client, world)
    page = client.get(f"/tasks/{pending['task_id']}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "grade_" in text and 'name="override_reason"' in text
    url = f"/tasks/{pending['task_id']}"
    refused = client.post(
        url, data={"csrf_token": csrf(client), "answer": "override", "override_factor": "0.7"}
    )
    assert refused.status_code == 422
    assert _task_status(world_app, pending["task_id"]) == "ready"
    done = client.post(
        url,
        data={
            "csrf_token": csrf(client),
            "answer": "override",
            "override_factor": "0.7",
            "override_reason": "压减一般性支出",
        },
    )
    assert done.status_code == 302
    decision = client.get(f"/api/v1/funding-decisions/{pending['id']}").json
    assert decision["status"] == "overridden" and decision["override_reason"] == "压减一般性支出"
