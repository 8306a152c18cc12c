"""Target tables over the API: scopes, optimistic locking, all-or-nothing saves, Excel."""

from __future__ import annotations

import io
from decimal import Decimal

from openpyxl import load_workbook
from sqlalchemy import func, select

from engine.models import AuditEvent, Indicator
from engine.targets.excel import FIRST_ROW, SHEET
from tests.support.target_workbooks import GOAL, provincial_export

EDITABLE_FIELDS = (
    "node",
    "name",
    "operator",
    "target_value",
    "target_text",
    "unit_of_measure",
    "weight",
    "basis",
    "scoring_note",
    "library_code",
)


def _draft_table(client, world) -> dict:
    listing = client.get(
        "/api/v1/target-tables/?status=draft&per_page=1", headers=world.headers("unit")
    )
    assert listing.status_code == 200, listing.json
    assert listing.json["total"] >= 1
    table_id = listing.json["items"][0]["id"]
    response = client.get(f"/api/v1/target-tables/{table_id}", headers=world.headers("unit"))
    assert response.status_code == 200
    return response.json


def _body(table: dict) -> dict:
    return {
        "version": table["version"],
        "goal": table["goal"],
        "indicators": [{k: row[k] for k in EDITABLE_FIELDS} for row in table["indicators"]],
    }


def _count(world_app, model, **where) -> int:
    engine = world_app.extensions["budgetloop.engine"]
    with engine.connect() as connection:
        query = select(func.count()).select_from(model)
        for key, value in where.items():
            query = query.where(getattr(model, key) == value)
        return connection.scalar(query)


def test_the_unit_lists_and_reads_its_tables(world_client, world):
    table = _draft_table(world_client, world)
    assert table["editable"] is True
    assert 3 <= len(table["indicators"]) <= 15
    first = table["indicators"][0]
    assert {"node", "node_name", "level1", "operator", "weight", "basis"} <= first.keys()


def test_another_unit_gets_404_and_the_department_may_not_edit(world_client, world):
    table = _draft_table(world_client, world)
    stranger = {"Authorization": f"Bearer {world.strangers['unit'].token}"}
    url = f"/api/v1/target-tables/{table['id']}"
    assert world_client.get(url, headers=stranger).status_code == 404
    assert world_client.put(url, json=_body(table), headers=stranger).status_code == 404
    assert world_client.get(f"{url}/excel", headers=stranger).status_code == 404
    listed = world_client.get("/api/v1/target-tables/?per_page=200", headers=stranger).json
    assert table["id"] not in {item["id"] for item in listed["items"]}
    # The department sees its unit's table but only the unit files it.
    department = world.headers("department")
    assert world_client.get(url, headers=department).json["editable"] is False
    assert world_client.put(url, json=_body(table), headers=department).status_code == 403


def test_a_save_moves_the_version_and_a_stale_one_is_409(world_client, world, world_app):
    table = _draft_table(world_client, world)
    url = f"/api/v1/target-tables/{table['id']}"
    body = _body(table)
    body["indicators"][0]["name"] = "改过的指标名称"
    first = world_client.put(url, json=body, headers=world.headers("unit"))
    assert first.status_code == 200, first.json
    assert first.json["version"] == table["version"] + 1
    assert first.json["indicators"][0]["name"] == "改过的指标名称"
    assert _count(world_app, AuditEvent, action="target_table.replace", object_id=str(table["id"]))
    body["indicators"][0]["name"] = "又一次修改"
    stale = world_client.put(url, json=body, headers=world.headers("unit"))
    assert stale.status_code == 409
    assert stale.json["errors"] == {"version": "stale"}
    assert world_client.get(url, headers=world.headers("unit")).json["indicators"][0]["name"] == (
        "改过的指标名称"
    )


def test_an_invalid_table_is_422_naming_rows_and_nothing_changes(world_client, world, world_app):
    table = _draft_table(world_client, world)
    url = f"/api/v1/target-tables/{table['id']}"
    before = _count(world_app, Indicator, target_table_id=table["id"])
    body = _body(table)
    numeric = next(
        i for i, row in enumerate(body["indicators"]) if row["operator"] != "qualitative"
    )
    body["indicators"][numeric]["target_value"] = None
    body["indicators"][0]["weight"] = "0.001"
    response = world_client.put(url, json=body, headers=world.headers("unit"))
    assert response.status_code == 422
    problems = response.json["errors"]["problems"]
    places = {(p["where"], p["field"]) for p in problems}
    assert (f"indicators[{numeric}]", "target") in places
    assert ("indicators[0]", "weight") in places
    assert any(p["code"] == "weight_total" for p in problems)
    after = world_client.get(url, headers=world.headers("unit")).json
    assert after["version"] == table["version"]
    assert after["indicators"] == table["indicators"]
    assert _count(world_app, Indicator, target_table_id=table["id"]) == before


def test_validation_reports_without_saving(world_client, world):
    table = _draft_table(world_client, world)
    response = world_client.get(
        f"/api/v1/target-tables/{table['id']}/validation", headers=world.headers("unit")
    )
    assert response.status_code == 200
    assert response.json == {"valid": True, "problems": []}


def _workbook(client, world, table_id: int) -> bytes:
    response = client.get(f"/api/v1/target-tables/{table_id}/excel", headers=world.headers("unit"))
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    return response.data


def _upload(client, world, table_id: int, data: bytes, version=None):
    query = f"?version={version}" if version else ""
    return client.post(
        f"/api/v1/target-tables/{table_id}/excel{query}",
        data={"file": (io.BytesIO(data), "targets.xlsx")},
        headers=world.headers("unit"),
        content_type="multipart/form-data",
    )


def test_excel_round_trip_through_the_api(world_client, world):
    table = _draft_table(world_client, world)
    book = load_workbook(io.BytesIO(_workbook(world_client, world, table["id"])))
    sheet = book[SHEET]
    sheet.cell(FIRST_ROW, 3, "从表格改的名称")
    buffer = io.BytesIO()
    book.save(buffer)
    response = _upload(world_client, world, table["id"], buffer.getvalue(), table["version"])
    assert response.status_code == 200, response.json
    assert response.json["version"] == table["version"] + 1
    assert response.json["indicators"][0]["name"] == "从表格改的名称"
    assert [row["weight"] for row in response.json["indicators"]] == [
        row["weight"] for row in table["indicators"]
    ]
    stale = _upload(world_client, world, table["id"], buffer.getvalue(), table["version"])
    assert stale.status_code == 409


def test_an_upload_with_errors_imports_nothing(world_client, world):
    table = _draft_table(world_client, world)
    book = load_workbook(io.BytesIO(_workbook(world_client, world, table["id"])))
    sheet = book[SHEET]
    sheet.cell(FIRST_ROW, 7, "很多")  # the weight column
    sheet.cell(FIRST_ROW + 1, 4, "大约")  # the operator column
    buffer = io.BytesIO()
    book.save(buffer)
    response = _upload(world_client, world, table["id"], buffer.getvalue())
    assert response.status_code == 422
    problems = response.json["errors"]["problems"]
    assert {(p["params"]["row"], p["params"]["column"]) for p in problems} >= {
        (str(FIRST_ROW), "G"),
        (str(FIRST_ROW + 1), "D"),
    }
    assert all(SHEET in p["where"] for p in problems)
    after = world_client.get(
        f"/api/v1/target-tables/{table['id']}", headers=world.headers("unit")
    ).json
    assert after["version"] == table["version"]
    assert after["indicators"] == table["indicators"]
    junk = _upload(world_client, world, table["id"], b"not a workbook")
    assert junk.status_code == 422


def test_the_library_filters_by_functional_class_and_level(world_client, world):
    response = world_client.get(
        "/api/v1/indicator-library/?functional_class=201&level1=output&per_page=5",
        headers=world.headers("unit"),
    )
    assert response.status_code == 200
    body = response.json
    assert body["total"] > 0 and len(body["items"]) <= 5
    assert {(i["functional_class"], i["level1"]) for i in body["items"]} == {("201", "output")}
    assert world_client.get("/api/v1/indicator-library/").status_code == 401


def test_text_no_database_can_store_is_422(world_client, world):
    table = _draft_table(world_client, world)
    body = _body(table)
    body["indicators"][0]["name"] = "名称\x00"
    response = world_client.put(
        f"/api/v1/target-tables/{table['id']}", json=body, headers=world.headers("unit")
    )
    assert response.status_code == 422
    search = world_client.get(
        "/api/v1/indicator-library/", query_string={"q": "\x00"}, headers=world.headers("unit")
    )
    assert search.status_code == 422


def test_a_provincial_export_uploads_through_the_api(world_client, world):
    table = _draft_table(world_client, world)
    buffer = io.BytesIO()
    provincial_export().save(buffer)
    response = _upload(world_client, world, table["id"], buffer.getvalue(), table["version"])
    assert response.status_code == 200, response.json
    rows = response.json["indicators"]
    quality = rows[2]
    assert (quality["name"], quality["operator"], quality["unit_of_measure"]) == (
        "培训合格率",
        ">=",
        "%",
    )
    assert Decimal(quality["target_value"]) == Decimal("97.2")
    assert [Decimal(r["weight"]) for r in rows] == [20, 15, 15, 30, 10]
    assert response.json["goal"] == GOAL


def test_an_upload_with_a_merged_weight_names_the_cell(world_client, world):
    table = _draft_table(world_client, world)
    book = provincial_export()
    book["绩效目标申报表"].merge_cells("H4:H5")
    buffer = io.BytesIO()
    book.save(buffer)
    response = _upload(world_client, world, table["id"], buffer.getvalue())
    assert response.status_code == 422
    assert [
        (p["code"], p["params"]["row"], p["params"]["column"])
        for p in response.json["errors"]["problems"]
    ] == [("excel_merged", "5", "H")]
    after = world_client.get(
        f"/api/v1/target-tables/{table['id']}", headers=world.headers("unit")
    ).json
    assert after["version"] == table["version"]
