"""Alerts over the API: filters, scopes, acknowledging and resolving, dashboard counts."""

from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import func, select

from engine.models import Alert, Organisation, Project

ALERTS = "/api/v1/alerts/"


def _db(world_app):
    return world_app.extensions["budgetloop.engine"].connect()


def _all(client, headers, query: str = "") -> list[dict]:
    """Every alert of a filtered list, page by page."""
    items, page = [], 1
    while True:
        response = client.get(f"{ALERTS}?per_page=200&page={page}&{query}", headers=headers)
        assert response.status_code == 200, response.json
        items += response.json["items"]
        if page >= response.json["pages"]:
            return items
        page += 1


def _red_alert(world_client, world, **where) -> dict:
    query = "&".join(f"{key}={value}" for key, value in where.items())
    items = _all(world_client, world.headers("supervisor"), f"colour=red&status=open&{query}")
    assert items, "the lived-in year has an open red alert"
    return items[0]


def test_filters_by_colour_department_class_and_kind(world_client, world):
    headers = world.headers("supervisor")
    red = _all(world_client, headers, "colour=red")
    assert red and {item["colour"] for item in red} == {"red"}
    both = _all(world_client, headers, "colour=red,blue")
    assert {item["colour"] for item in both} == {"red", "blue"}
    assert len(_all(world_client, headers, "colour=red&colour=blue")) == len(both)

    department = red[0]["department_id"]
    mine = _all(world_client, headers, f"department_id={department}")
    assert mine and {item["department_id"] for item in mine} == {department}
    one_class = red[0]["functional_class"]
    classed = _all(world_client, headers, f"functional_class={one_class}&kind=project")
    assert {(i["functional_class"], i["kind"]) for i in classed} == {(one_class, "project")}


def test_period_filters(world_client, world):
    headers = world.headers("supervisor")
    every = _all(world_client, headers)
    sample = every[0]
    same_round = _all(world_client, headers, f"round={sample['round']}&year={sample['year']}")
    assert {item["round"] for item in same_round} == {sample["round"]}
    assert len(_all(world_client, headers, f"months={sample['months']}")) == len(
        [item for item in every if item["months"] == sample["months"]]
    )
    # Raised late on 31 July UTC is 1 August in Beijing: the dates are Beijing's.
    day = sample["raised_at"][:10]
    around = _all(world_client, headers, f"raised_from={day}&raised_to=2100-01-01")
    assert len(around) >= 1
    assert _all(world_client, headers, "raised_from=2099-01-01") == []


@pytest.mark.parametrize(
    "query",
    [
        "colour=purple",
        "raised_from=2026-09-01&raised_to=2026-08-01",
        "raised_from=0001-01-01",
        "round=a%00b",
        "sort=colour",
        "page=0",
    ],
)
def test_invalid_filters_are_422(world_client, world, query):
    response = world_client.get(f"{ALERTS}?{query}", headers=world.headers("supervisor"))
    assert response.status_code == 422
    assert response.json["code"]


def test_a_unit_sees_only_its_own_alerts(world_client, world, world_app):
    unit = world["unit"]
    with _db(world_app) as db:
        expected = db.scalar(
            select(func.count())
            .select_from(Alert)
            .join(Project, Project.id == Alert.project_id)
            .where(Project.unit_id == unit.org_id)
        )
    items = _all(world_client, world.headers("unit"))
    assert len(items) == expected > 0
    assert {item["unit_id"] for item in items} == {unit.org_id}


def test_a_department_sees_its_units_alerts(world_client, world, world_app):
    department = world["department"].org_id
    with _db(world_app) as db:
        units = set(db.scalars(select(Organisation.id).where(Organisation.parent_id == department)))
    items = _all(world_client, world.headers("department"))
    assert items and {item["unit_id"] for item in items} <= units


def test_a_stranger_gets_404_on_anothers_alert(world_client, world):
    alert = _all(world_client, world.headers("unit"))[0]
    stranger = {"Authorization": f"Bearer {world.strangers['unit'].token}"}
    assert world_client.get(f"{ALERTS}{alert['id']}", headers=stranger).status_code == 404
    response = world_client.post(
        f"{ALERTS}{alert['id']}/acknowledge", json={"version": alert["version"]}, headers=stranger
    )
    assert response.status_code == 404
    for missing in (999999, 2**70):
        assert (
            world_client.get(f"{ALERTS}{missing}", headers=world.headers("unit")).status_code == 404
        )


def test_supervisor_acknowledges_and_records_who_and_when(world_client, world):
    alert = _red_alert(world_client, world)
    url = f"{ALERTS}{alert['id']}/acknowledge"
    headers = world.headers("supervisor")
    response = world_client.post(url, json={"version": alert["version"]}, headers=headers)
    assert response.status_code == 200, response.json
    body = response.json
    assert body["status"] == "acknowledged"
    assert body["acknowledged_by"] and body["acknowledged_at"]
    assert body["version"] == alert["version"] + 1
    assert world_client.get(f"{ALERTS}{alert['id']}", headers=headers).json == body

    # Twice is a conflict, whether the caller saw the new version or not.
    again = world_client.post(url, json={"version": body["version"]}, headers=headers)
    assert again.status_code == 409
    stale = world_client.post(url, json={"version": alert["version"]}, headers=headers)
    assert stale.status_code == 409
    assert stale.json["errors"] == {"version": "stale"}


def test_stale_version_is_409_and_changes_nothing(world_client, world):
    alert = _red_alert(world_client, world)
    headers = world.headers("supervisor")
    response = world_client.post(
        f"{ALERTS}{alert['id']}/acknowledge",
        json={"version": alert["version"] + 5},
        headers=headers,
    )
    assert response.status_code == 409
    assert world_client.get(f"{ALERTS}{alert['id']}", headers=headers).json["status"] == "open"


def test_supervisor_may_not_resolve(world_client, world):
    alert = _red_alert(world_client, world)
    response = world_client.post(
        f"{ALERTS}{alert['id']}/resolve",
        json={"version": alert["version"], "note": "已约谈"},
        headers=world.headers("supervisor"),
    )
    assert response.status_code == 403
    assert response.json["errors"] == {"role": "supervisor"}


@pytest.mark.parametrize("role", ["unit", "department", "evaluator"])
def test_roles_that_do_not_track_alerts_get_403_or_404(world_client, world, role):
    alert = _all(world_client, world.headers("unit"))[0]
    response = world_client.post(
        f"{ALERTS}{alert['id']}/acknowledge",
        json={"version": alert["version"]},
        headers=world.headers(role),
    )
    # Visible but not theirs to track: 403; the evaluator does not even see it: 404.
    assert response.status_code == (404 if role == "evaluator" else 403)


def test_finance_resolves_within_its_scope(world_client, world):
    alert = _red_alert(world_client, world)
    headers = world.headers("finance")
    seen = world_client.get(f"{ALERTS}{alert['id']}", headers=headers)
    if seen.status_code == 404:
        pytest.skip("the red alert lies outside this finance desk's departments")
    response = world_client.post(
        f"{ALERTS}{alert['id']}/resolve",
        json={"version": alert["version"], "note": "单位已调整实施计划，进度已恢复"},
        headers=headers,
    )
    assert response.status_code == 200, response.json
    body = response.json
    assert body["status"] == "resolved" and body["resolved_by"] and body["resolved_at"]
    # Resolving an open alert acknowledges it on the way.
    assert body["acknowledged_at"]
    missing_note = world_client.post(
        f"{ALERTS}{alert['id']}/resolve", json={"version": body["version"]}, headers=headers
    )
    assert missing_note.status_code == 422


def test_green_alerts_have_nothing_to_acknowledge(world_client, world):
    headers = world.headers("supervisor")
    green = world_client.get(f"{ALERTS}?colour=green&per_page=1", headers=headers).json["items"][0]
    response = world_client.post(
        f"{ALERTS}{green['id']}/acknowledge", json={"version": green["version"]}, headers=headers
    )
    assert response.status_code == 422


@pytest.mark.parametrize("role", ["supervisor", "finance", "unit"])
@pytest.mark.parametrize("query", ["", "colour=red,yellow", "kind=indicator&status=open"])
def test_summary_counts_equal_a_straightforward_count(world_client, world, role, query):
    headers = world.headers(role)
    items = _all(world_client, headers, query)
    summary = world_client.get(f"{ALERTS}summary?{query}", headers=headers)
    assert summary.status_code == 200, summary.json
    body = summary.json

    def counted(key) -> dict:
        tally: dict = {}
        for item in items:
            tally.setdefault(key(item), Counter())[item["colour"]] += 1
        return tally

    def reported(buckets) -> dict:
        return {
            bucket["key"]: Counter(
                {c: n for c, n in bucket["counts"].items() if c != "total" and n}
            )
            for bucket in buckets
        }

    assert body["totals"]["total"] == len(items)
    assert Counter({c: n for c, n in body["totals"].items() if c != "total" and n}) == Counter(
        item["colour"] for item in items
    )
    assert reported(body["over_time"]) == counted(lambda i: f"{i['year']}:{i['round']}")
    assert reported(body["by_department"]) == counted(
        lambda i: str(i["department_id"]) if i.get("department_id") else ""
    )
    assert reported(body["by_functional_class"]) == counted(lambda i: i["functional_class"])


def test_supervisor_summary_covers_every_alert(world_client, world, world_app):
    with _db(world_app) as db:
        expected = dict(db.execute(select(Alert.colour, func.count()).group_by(Alert.colour)).all())
    body = world_client.get(f"{ALERTS}summary", headers=world.headers("supervisor")).json
    assert body["totals"]["total"] == sum(expected.values())
    assert {c: body["totals"][c.value] for c in expected} == {c: n for c, n in expected.items()}


def test_alerts_need_credentials(world_client):
    assert world_client.get(ALERTS).status_code == 401
    assert world_client.post(f"{ALERTS}1/acknowledge", json={"version": 1}).status_code == 401


def test_a_note_the_database_cannot_store_is_422(world_client, world):
    alert = _red_alert(world_client, world)
    response = world_client.post(
        f"{ALERTS}{alert['id']}/resolve",
        json={"version": alert["version"], "note": "已处理\x00"},
        headers=world.headers("performance"),
    )
    assert response.status_code == 422
    assert "note" in response.json["errors"]["json"]
