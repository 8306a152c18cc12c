"""Trends on the web: a project's years on its page, a department's years with its chart, and
the dashboard's departments year on year — in the API and the pages, each role in its scope."""

from __future__ import annotations

import html
import json
import re

from sqlalchemy import select

from engine.models import Organisation, Project


def _continuing(world_app, unit_id: int) -> Project:
    with world_app.extensions["budgetloop.sessions"]() as session:
        return (
            session.scalars(
                select(Project)
                .where(Project.predecessor_id.is_not(None), Project.unit_id == unit_id)
                .order_by(Project.id)
            ).first()
            or session.scalars(
                select(Project).where(Project.predecessor_id.is_not(None)).order_by(Project.id)
            ).first()
        )


def test_the_api_gives_each_role_its_own_years(world_app, world_client, world):
    project = _continuing(world_app, world["unit"].org_id)
    rows = world_client.get(
        f"/api/v1/projects/{project.id}/trend", headers=world.headers("performance")
    ).json
    assert [r["year"] for r in rows] == [2026, 2027]
    assert rows[0]["execution_final"] is True and rows[0]["grade"] in {"A", "B", "C", "D"}
    assert rows[1]["project_id"] == project.id
    # A unit of another department sees neither the project nor its years.
    stranger = {"Authorization": f"Bearer {world.strangers['unit'].token}"}
    assert (
        world_client.get(f"/api/v1/projects/{project.id}/trend", headers=stranger).status_code
        == 404
    )
    department = world["department"].org_id
    trend = world_client.get(
        f"/api/v1/organisations/{department}/trend", headers=world.headers("department")
    ).json
    assert trend["organisation"]["id"] == department
    assert [y["year"] for y in trend["years"]] == [2026, 2027]
    assert trend["years"][0]["mean_score"] is not None
    yoy = world_client.get(
        "/api/v1/organisations/year-on-year?year=2027", headers=world.headers("supervisor")
    ).json
    assert yoy["year"] == 2027 and len(yoy["departments"]) > 1
    mine = world_client.get(
        "/api/v1/organisations/year-on-year?year=2027", headers=world.headers("department")
    ).json
    assert [d["department_id"] for d in mine["departments"]] == [department]
    refused = world_client.get("/api/v1/organisations/year-on-year", headers=world.headers("unit"))
    assert refused.status_code == 403
    bad = world_client.get(
        "/api/v1/organisations/year-on-year?year=1999", headers=world.headers("supervisor")
    )
    assert bad.status_code == 422


def test_a_project_page_shows_its_years(login, world_app, world):
    client = login("unit")
    project = _continuing(world_app, world["unit"].org_id)
    page = client.get(f"/projects/{project.id}").text
    section = page.split('id="trend"', 1)[1].split("</section>", 1)[0]
    assert "历年情况" in section and "目标完成度" in section
    assert section.count("<tr") == 3  # the head and two years
    assert f'href="/projects/{project.predecessor_id}"' in section
    assert 'aria-current="true"' in section


def test_a_departments_years_and_the_dashboard_comparison(login, world_app, world):
    client = login("supervisor")
    department = world["department"].org_id
    page = client.get(f"/organisations/{department}/trend")
    assert page.status_code == 200
    with world_app.extensions["budgetloop.sessions"]() as session:
        name = session.get(Organisation, department).name
    assert f"{name} · 历年情况" in page.text
    chart = json.loads(html.unescape(re.search(r'data-trend="([^"]*)"', page.text).group(1)))
    assert chart["labels"] == ["2026", "2027"]
    assert [s["label"] for s in chart["series"]] == ["评价平均分", "红色预警", "黄色预警"]
    dashboard = client.get("/dashboard?year=2027").text
    section = dashboard.split('id="year-on-year"', 1)[1].split("</section>", 1)[0]
    assert "各部门同比：2026 年与 2027 年" in section
    assert f'href="/organisations/{department}/trend"' in section
    english = client.get(f"/organisations/{department}/trend?lang=en").text
    assert "across the years" in english and "Mean score" in english
