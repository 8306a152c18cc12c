"""The supervisor dashboard page: who opens it, filtering through htmx, acknowledging in place."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select, update

from engine.models import Alert, Project
from engine.models.enums import AlertStatus, Colour
from tests.web.conftest import csrf

HTMX = {"HX-Request": "true"}


def _open_red(world_app) -> tuple[int, int, int]:
    """(alert id, version, department id) of an open red alert."""
    with world_app.extensions["budgetloop.engine"].connect() as db:
        alert = db.execute(
            select(Alert.id, Alert.version, Alert.project_id)
            .where(Alert.colour == Colour.RED, Alert.status == AlertStatus.OPEN)
            .order_by(Alert.id)
            .limit(1)
        ).one()
    return alert


def _rows(html: str) -> list[tuple[str, str]]:
    """(colour, status) of each alert row in the table."""
    return re.findall(r'class="alert-row (\w+)" data-alert-id="\d+" data-status="(\w+)"', html)


@pytest.mark.parametrize("role", ["supervisor", "performance", "finance", "department"])
def test_overseers_open_the_dashboard(login, role):
    client = login(role)
    page = client.get("/dashboard")
    assert page.status_code == 200
    html = page.text
    assert "监管看板" in html and "逾期未完成整改" in html
    for chart in ("over_time", "by_department", "by_functional_class"):
        assert f'data-chart="{chart}"' in html
    assert 'src="/static/js/dashboard.js"' in html and "<script>" not in html
    # Until filtered, the table shows what needs attention: no green rows.
    assert all(colour != "green" for colour, _ in _rows(html))


def test_a_unit_may_not_open_the_dashboard(login):
    assert login("unit").get("/dashboard").status_code == 403


def test_filtering_swaps_the_table_and_pushes_the_url(login, world_app):
    client = login("supervisor")
    client.get("/dashboard")
    red = client.get("/dashboard/alerts?filtered=1&colour=red", headers=HTMX)
    assert red.status_code == 200
    assert red.headers["HX-Push-Url"] == "/dashboard?filtered=1&colour=red"
    rows = _rows(red.text)
    assert rows and {colour for colour, _ in rows} == {"red"}
    assert "<html" not in red.text

    some = client.get("/dashboard/alerts?filtered=1", headers=HTMX)
    assert "green" in {colour for colour, _ in _rows(some.text)}
    bad = client.get("/dashboard/alerts?colour=purple", headers=HTMX)
    assert bad.status_code == 422


def test_department_filter_keeps_to_that_department(login, world_app):
    alert_id, _, _ = _open_red(world_app)
    client = login("supervisor")
    department = client.get(f"/api/v1/alerts/{alert_id}").json["department_id"]
    html = client.get(
        f"/dashboard/alerts?filtered=1&colour=red&department_id={department}", headers=HTMX
    ).text
    shown = re.findall(r'data-alert-id="(\d+)"', html)
    assert str(alert_id) in shown
    for other in shown:
        assert client.get(f"/api/v1/alerts/{other}").json["department_id"] == department


def test_supervisor_acknowledges_in_place(login, world_app):
    alert_id, version, _ = _open_red(world_app)
    client = login("supervisor")
    client.get("/dashboard")
    url = f"/dashboard/alerts/{alert_id}/acknowledge"
    headers = HTMX | {"X-CSRF-Token": csrf(client)}
    done = client.post(url, data={"version": version}, headers=headers)
    assert done.status_code == 200
    assert done.text.lstrip().startswith(f'<tr id="alert-{alert_id}"')
    assert 'data-status="acknowledged"' in done.text
    assert re.search(r"于 \d{4}-\d\d-\d\d \d\d:\d\d 确认知悉", done.text)
    assert "确认知悉</button>" not in done.text

    again = client.post(url, data={"version": version + 1}, headers=headers)
    assert again.status_code == 409
    assert 'data-status="acknowledged"' in again.text and "已被他人处理" in again.text

    without_token = client.post(url, data={"version": version + 1}, headers=HTMX)
    assert without_token.status_code == 403


def test_a_department_sees_no_acknowledge_button_and_may_not(login, world_app, world):
    client = login("department")
    html = client.get("/dashboard").text
    assert "确认知悉</button>" not in html
    with world_app.extensions["budgetloop.engine"].connect() as db:
        alert_id, version = db.execute(
            select(Alert.id, Alert.version)
            .join(Project, Project.id == Alert.project_id)
            .where(Project.unit_id == world["unit"].org_id, Alert.colour != Colour.GREEN)
            .limit(1)
        ).one()
    response = client.post(
        f"/dashboard/alerts/{alert_id}/acknowledge",
        data={"version": version},
        headers=HTMX | {"X-CSRF-Token": csrf(client)},
    )
    assert response.status_code == 403
    assert 'data-status="open"' in response.text


def test_names_render_as_text(login, world_app):
    alert_id, _, project_id = _open_red(world_app)
    with world_app.extensions["budgetloop.engine"].begin() as db:
        db.execute(
            update(Project).where(Project.id == project_id).values(name="<script>alert(1)</script>")
        )
    html = login("supervisor").get("/dashboard?filtered=1&colour=red").text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>alert(1)</script>" not in html
