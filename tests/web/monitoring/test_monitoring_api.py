"""Monitoring reports over the API, and the monitoring task forms on the task page."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select, update
from werkzeug.datastructures import MultiDict

from engine.errors import InvalidInput
from engine.forms import validate_form
from engine.models import HumanTask, MonitoringReport, Project
from tests.web.conftest import csrf
from web.monitoring.monitoring_forms import parse_alert_response, parse_monitoring_report

REPORTS = "/api/v1/monitoring-reports/"


def _db(world_app):
    return world_app.extensions["budgetloop.engine"].connect()


def test_supervisor_lists_every_report_and_filters(world_client, world, world_app):
    with _db(world_app) as db:
        total = db.scalar(select(func.count()).select_from(MonitoringReport))
    headers = world.headers("supervisor")
    body = world_client.get(f"{REPORTS}?per_page=200", headers=headers).json
    assert body["total"] == total > 0
    first = body["items"][0]
    for query, key in [
        (f"project_id={first['project_id']}", "project_id"),
        (f"round={first['round']}&year={first['year']}", "round"),
        (f"status={first['status']}", "status"),
        (f"task_id={first['task_id']}", "task_id"),
    ]:
        items = world_client.get(f"{REPORTS}?per_page=200&{query}", headers=headers).json["items"]
        assert items and {item[key] for item in items} == {first[key]}
    ids = [item["id"] for item in body["items"]]
    assert ids == sorted(ids, reverse=True)
    assert world_client.get(f"{REPORTS}?status=lost", headers=headers).status_code == 422


def test_a_unit_sees_only_its_reports(world_client, world, world_app):
    unit = world["unit"]
    with _db(world_app) as db:
        mine = set(
            db.scalars(
                select(MonitoringReport.id)
                .join(Project, Project.id == MonitoringReport.project_id)
                .where(Project.unit_id == unit.org_id)
            )
        )
    body = world_client.get(f"{REPORTS}?per_page=200", headers=world.headers("unit")).json
    assert mine and {item["id"] for item in body["items"]} == mine


def test_a_report_shows_its_rows_and_strangers_get_404(world_client, world):
    listed = world_client.get(f"{REPORTS}?per_page=1", headers=world.headers("unit")).json
    report_id = listed["items"][0]["id"]
    body = world_client.get(f"{REPORTS}{report_id}", headers=world.headers("unit")).json
    assert body["rows"], body
    row = body["rows"][0]
    assert row["indicator_name"] and row["likelihood"] in ("certain", "possible", "impossible")
    assert ("actual_to_date" in row) and ("qualitative_band" in row)
    stranger = {"Authorization": f"Bearer {world.strangers['unit'].token}"}
    assert world_client.get(f"{REPORTS}{report_id}", headers=stranger).status_code == 404
    assert world_client.get(f"{REPORTS}{report_id}").status_code == 401


def test_the_report_form_accepts_what_units_enter():
    data = validate_form(
        "monitoring_report",
        {
            "executed_to_date": "1200000.50",
            "rows": [
                {"indicator_id": 1, "actual": "45.9"},
                {"indicator_id": 2, "band": "partly", "likelihood": "possible"},
                {
                    "indicator_id": 3,
                    "actual": "2",
                    "likelihood": "impossible",
                    "reason": "funding",
                    "note": "资金到位较晚，项目进度滞后",
                },
            ],
        },
    )
    # Task data is JSON: amounts stay decimal strings.
    assert data["executed_to_date"] == "1200000.50"
    assert data["rows"][0] == {"indicator_id": 1, "actual": "45.9", "likelihood": "possible"}


@pytest.mark.parametrize(
    ("rows", "field"),
    [
        ([{"indicator_id": 1}], "actual"),
        ([{"indicator_id": 1, "actual": "1", "band": "achieved"}], "actual"),
        ([{"indicator_id": 1, "actual": "1", "likelihood": "impossible"}], "reason"),
        ([{"indicator_id": 1, "band": "not_achieved"}], "reason"),
        ([{"indicator_id": 1, "actual": "1", "reason": "staff"}], "note"),
        ([{"indicator_id": 1, "actual": "1", "reason": "weather", "note": "x"}], "reason"),
    ],
)
def test_the_report_form_names_the_row_and_field_at_fault(rows, field):
    with pytest.raises(InvalidInput) as caught:
        validate_form("monitoring_report", {"executed_to_date": "1", "rows": rows})
    assert field in caught.value.errors["rows"][0]


def test_response_and_adjustment_forms():
    assert validate_form("alert_response", {"course": "reallocate", "explanation": "已调剂"})
    with pytest.raises(InvalidInput):
        validate_form("alert_response", {"course": "ignore", "explanation": "x"})
    with pytest.raises(InvalidInput):
        validate_form("alert_response", {"course": "continue", "explanation": "   "})
    assert validate_form("adjustment_request", {"explanation": "调整目标", "amount_change": None})
    with pytest.raises(InvalidInput) as caught:
        validate_form("adjustment_request", {"explanation": "调剂", "course": "reallocate"})
    assert "amount_change" in caught.value.errors


def test_page_parsers_leave_blanks_out():
    posted = MultiDict(
        [
            ("csrf_token", "t"),
            ("executed_to_date", " 100 "),
            ("indicator_id", "7"),
            ("actual-7", "3.5"),
            ("likelihood-7", "possible"),
            ("reason-7", ""),
            ("note-7", " "),
            ("indicator_id", "8"),
            ("band-8", "achieved"),
        ]
    )
    assert parse_monitoring_report(posted) == {
        "executed_to_date": "100",
        "rows": [
            {"indicator_id": 7, "actual": "3.5", "likelihood": "possible"},
            {"indicator_id": 8, "band": "achieved"},
        ],
    }
    assert parse_alert_response(MultiDict({"course": "continue", "explanation": ""})) == {
        "course": "continue"
    }


def _reopen(world_app, form: str, org_id: int) -> int:
    """A completed task of `form` made ready again for `org_id`, to show its form."""
    with world_app.extensions["budgetloop.engine"].begin() as db:
        mine = select(HumanTask.id).where(HumanTask.form == form, HumanTask.org_id == org_id)
        anyone = select(HumanTask.id).where(HumanTask.form == form)
        task_id = db.scalar(mine.order_by(HumanTask.id).limit(1)) or db.scalar(
            anyone.order_by(HumanTask.id).limit(1)
        )
        assert task_id is not None, f"the lived-in year has a {form} task"
        db.execute(
            update(HumanTask).where(HumanTask.id == task_id).values(status="ready", org_id=org_id)
        )
    return task_id


def test_the_report_form_on_the_task_page(world_app, login, world):
    task_id = _reopen(world_app, "monitoring_report", world["unit"].org_id)
    client = login("unit")
    page = client.get(f"/tasks/{task_id}")
    assert page.status_code == 200
    assert "累计完成值" in page.text and "偏差原因" in page.text
    ids = re.findall(r'name="indicator_id" value="(\d+)"', page.text)
    assert ids
    # An "impossible" row without a reason is refused before the engine runs, values kept.
    posted = {"csrf_token": csrf(client), "executed_to_date": "1000", "indicator_id": ids}
    posted[f"actual-{ids[0]}"] = "12.5"
    posted[f"likelihood-{ids[0]}"] = "impossible"
    response = client.post(f"/tasks/{task_id}", data=posted)
    assert response.status_code == 422
    assert "未达进度的指标须选择偏差原因" in response.text  # the form problem, in Chinese
    assert 'value="12.5"' in response.text


def test_the_alert_response_form_on_the_task_page(world_app, login, world):
    # Few units answer an alert in the lived-in year: the test unit takes over one's task.
    task_id = _reopen(world_app, "alert_response", world["unit"].org_id)
    client = login("unit")
    page = client.get(f"/tasks/{task_id}")
    assert page.status_code == 200
    assert "调剂资金" in page.text and "偏差原因及整改措施" in page.text
    response = client.post(
        f"/tasks/{task_id}", data={"csrf_token": csrf(client), "course": "continue"}
    )
    assert response.status_code == 422
    assert "explanation" in response.text
