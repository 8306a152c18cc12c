"""Ex-ante assessments on the web: the lived-in year's new projects were assessed before filing;
each role lists those in its scope, reads one with the unit's proposal, and the project page
shows the conclusion."""

from __future__ import annotations

import re
from decimal import Decimal

from sqlalchemy import select

from engine.models import ExAnteAssessment, Project


def _assessments(world_app) -> list[ExAnteAssessment]:
    with world_app.extensions["budgetloop.sessions"]() as session:
        return list(session.scalars(select(ExAnteAssessment).order_by(ExAnteAssessment.id)))


def test_the_lived_year_assessed_its_new_major_projects(world_app, world_client, world):
    stored = _assessments(world_app)
    assert stored, "the lived-in year has new projects of 5,000,000 元 or more"
    assert {a.conclusion for a in stored} <= {"support", "adjust", "reject"}
    everyone = world_client.get(
        "/api/v1/ex-ante-assessments/?per_page=100", headers=world.headers("supervisor")
    )
    assert everyone.status_code == 200
    assert everyone.json["total"] == len(stored)
    with world_app.extensions["budgetloop.sessions"]() as session:
        for item in everyone.json["items"]:
            project = session.get(Project, item["project_id"])
            # The request assessed (调整后支持 has since revised the project's own to the
            # amount recommended, which is shown beside it).
            requested = Decimal(item["requested_amount"])
            assert requested >= 5_000_000 or project.is_major_policy
            if item["conclusion"] == "adjust" and item["recommended_amount"]:
                assert project.requested_amount == Decimal(item["recommended_amount"])
            else:
                assert project.requested_amount == requested
            assert project.predecessor_id is None
            if item["conclusion"] == "reject":
                assert project.status.value == "cancelled"
    detail = world_client.get(
        f"/api/v1/ex-ante-assessments/{stored[0].id}", headers=world.headers("supervisor")
    ).json
    assert set(detail["proposal"]) == {"necessity", "feasibility", "economy", "targets"}
    assert set(detail["scores"]) == {"necessity", "feasibility", "economy", "targets"}
    assert world_client.get("/api/v1/ex-ante-assessments/").status_code == 401
    refused = world_client.get(
        "/api/v1/ex-ante-assessments/?conclusion=maybe", headers=world.headers("unit")
    )
    assert refused.status_code == 422


def test_the_project_page_shows_the_conclusion(login, world_app):
    assessment = _assessments(world_app)[0]
    client = login("performance")
    page = client.get(f"/projects/{assessment.project_id}?lang=zh-CN")
    assert page.status_code == 200
    assert 'id="ex-ante"' in page.text and "事前绩效评估" in page.text
    words = {"support": "建议予以支持", "adjust": "调整后支持", "reject": "不予支持"}
    assert words[assessment.conclusion] in page.text
    assert assessment.proposal["necessity"] in page.text
    # The points per item the conclusion rests on, out of each item's weight.
    points = page.text.split('class="ex-ante-points"', 1)[1].split("</dd>", 1)[0]
    necessity = Decimal(assessment.scores["necessity"])
    assert f"立项必要性 {necessity.normalize():f}/30" in points
    assert "绩效目标合理性" in points and "E+" not in points
    english = client.get(f"/projects/{assessment.project_id}?lang=en").text
    english_points = english.split('class="ex-ante-points"', 1)[1].split("</dd>", 1)[0]
    # In English, with English punctuation between the items.
    assert f"necessity {necessity.normalize():f}/30</span>; " in english_points
    assert "；" not in english_points


def test_an_adjusted_projects_page_says_its_request_was_revised(login, world_app):
    adjusted = [a for a in _assessments(world_app) if a.recommended_amount is not None]
    assert adjusted, "the lived-in year has a project supported after adjustment"
    assessment = adjusted[0]
    page = login("performance").get(f"/projects/{assessment.project_id}").text
    shown = page.split('class="ex-ante-recommended">', 1)[1].split("</dd>", 1)[0]
    assert f"{assessment.recommended_amount:,.2f}" in shown
    assert f"申报金额由 {assessment.requested_amount:,.2f} 元调整为此数" in shown


def test_a_third_party_sees_only_the_assessments_it_was_commissioned_for(
    world_app, world_client, world
):
    # The lived-in year commissioned none: one is given to the evaluator here.
    chosen = _assessments(world_app)[0]
    with world_app.extensions["budgetloop.sessions"]() as session, session.begin():
        assessment = session.get(ExAnteAssessment, chosen.id)
        assessment.assessor, assessment.assessor_org_id = "third_party", world["evaluator"].org_id
    listing = world_client.get(
        "/api/v1/ex-ante-assessments/", headers=world.headers("evaluator")
    ).json
    assert [item["id"] for item in listing["items"]] == [chosen.id]
    own = world_client.get(
        f"/api/v1/ex-ante-assessments/{chosen.id}", headers=world.headers("evaluator")
    )
    assert own.status_code == 200 and own.json["assessor"] == "third_party"
    other = world.strangers["evaluator"]
    assert (
        world_client.get(
            f"/api/v1/ex-ante-assessments/{chosen.id}",
            headers={"Authorization": f"Bearer {other.token}"},
        ).status_code
        == 404
    )


def _listed_on_the_page(html: str) -> set[int]:
    return {int(found) for found in re.findall(r'data-assessment="(\d+)"', html)}


def test_the_list_page_shows_each_roles_assessments_of_a_year(login, world_app, world):
    stored = _assessments(world_app)
    with world_app.extensions["budgetloop.sessions"]() as session:
        years = {a.id: session.get(Project, a.project_id).fiscal_year.year for a in stored}
        departments = {a.id: session.get(Project, a.project_id).unit.parent_id for a in stored}
    year = max(years.values())
    of_year = {i for i, y in years.items() if y == year}
    client = login("performance")
    page = client.get(f"/ex-ante?year={year}&lang=zh-CN")
    assert page.status_code == 200
    assert _listed_on_the_page(page.text) == of_year
    assert "事前绩效评估" in page.text and "评估主体" in page.text
    adjusted = [a for a in stored if a.id in of_year and a.recommended_amount is not None]
    for assessment in adjusted:
        row = page.text.split(f'data-assessment="{assessment.id}"', 1)[1].split("</tr>", 1)[0]
        assert "调整后支持" in row and f"{assessment.recommended_amount:,.2f}" in row
        assert f"{assessment.requested_amount:,.2f}" in row  # the request assessed
    # Filtered by conclusion; a department sees its own projects' only; a bad filter is a 422.
    for conclusion in ("support", "adjust", "reject"):
        shown = _listed_on_the_page(
            client.get(f"/ex-ante?year={year}&conclusion={conclusion}").text
        )
        assert shown == {a.id for a in stored if a.id in of_year and a.conclusion == conclusion}
    own = login("department").get(f"/ex-ante?year={year}").text
    department = world["department"].org_id
    assert _listed_on_the_page(own) == {i for i in of_year if departments[i] == department}
    assert client.get("/ex-ante?conclusion=maybe").status_code == 422
    assert client.get("/ex-ante?year=1999").status_code == 422
    english = client.get(f"/ex-ante?year={year}&lang=en").text
    assert "Ex-ante assessments" in english and "Assessed by" in english


def test_the_nav_shows_ex_ante_to_those_who_assess_or_oversee(login):
    shown = {}
    for role in ("unit", "department", "finance", "performance", "evaluator", "supervisor"):
        shown[role] = 'href="/ex-ante"' in login(role).get("/inbox").text
    assert shown == {
        "unit": False,
        "department": True,
        "finance": True,
        "performance": True,
        "evaluator": True,
        "supervisor": True,
    }
