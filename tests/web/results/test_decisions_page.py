"""The finance desk's funding decisions: next year's amount on each card, an "increase" at factor 1
shown as what it is, a second confirmation for cuts, and confirming a filtered batch."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal

import pytest
from sqlalchemy import select

from engine.models import (
    Allocation,
    FiscalYear,
    FundingDecision,
    HumanTask,
    Organisation,
    Project,
)
from engine.models.enums import DecisionStatus
from tests.support.drive import drive_to_form
from tests.web.conftest import csrf
from web import formatting

CENT = Decimal("0.01")


def _sessions(world_app):
    return world_app.extensions["budgetloop.sessions"]


def _decision_of(world_app, code: str) -> FundingDecision:
    with _sessions(world_app)() as session:
        decision = session.scalars(
            select(FundingDecision)
            .join(Project, Project.id == FundingDecision.project_id)
            .where(Project.code == code)
            .order_by(FundingDecision.id.desc())
        ).first()
        session.expunge_all()
        return decision


def _status(world_app, decision_id: int) -> DecisionStatus:
    with _sessions(world_app)() as session:
        return session.get(FundingDecision, decision_id).status


def _allocation_of(world_app, decision_id: int) -> Allocation | None:
    with _sessions(world_app)() as session:
        found = session.scalars(
            select(Allocation).where(Allocation.decision_id == decision_id)
        ).first()
        session.expunge_all()
        return found


def _weak_project(world_app, world) -> tuple[str, int]:
    """A project of the finance desk's departments, still filing, not a livelihood item and
    not the one the lived-in year already drove: (code, year)."""
    with _sessions(world_app)() as session:
        departments = select(Organisation.id).where(
            Organisation.finance_desk_id == world["finance"].org_id
        )
        units = select(Organisation.id).where(Organisation.parent_id.in_(departments))
        code, year = session.execute(
            select(Project.code, FiscalYear.year)
            .join(FiscalYear, FiscalYear.id == Project.fiscal_year_id)
            .join(HumanTask, HumanTask.business_key == "cycle:" + Project.code)
            .where(
                Project.unit_id.in_(units),
                Project.code != world.pending_decision,
                Project.is_livelihood_exempt.is_(False),
                HumanTask.status == "ready",
                HumanTask.form == "target_table",
            )
            .order_by(Project.id.desc())
        ).first()
        return code, year


def _a_cut_waiting(world_app, world) -> FundingDecision:
    """Drive a project that performs far below target to its funding decision."""
    return _a_cut_and_its_task(world_app, world)[0]


def _a_cut_and_its_task(world_app, world) -> tuple[FundingDecision, int]:
    code, year = _weak_project(world_app, world)
    task_id = drive_to_form(
        world_app.extensions["budgetloop.engine"],
        code,
        "decision_confirmation",
        year,
        performance=lambda _: 0.35,
    )
    decision = _decision_of(world_app, code)
    assert decision.status is DecisionStatus.PROPOSED
    assert decision.kind.value in {"cut", "cancel", "suspend"}, decision.kind
    return decision, task_id


def _card(html: str, decision_id: int) -> str:
    found = re.search(
        rf'<article class="card decision-card" id="decision-{decision_id}">.*?</article>',
        html,
        flags=re.S,
    )
    assert found, f"no card for decision {decision_id}"
    return found.group(0)


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_each_card_shows_next_years_amount(world_app, world, login):
    pending = _decision_of(world_app, world.pending_decision)
    with _sessions(world_app)() as session:
        project = session.get(Project, pending.project_id)
        expected = (project.requested_amount * pending.factor).quantize(CENT, ROUND_HALF_UP)
    html = login("finance").get("/funding-decisions").text
    card = _text(_card(html, pending.id))
    assert f"下年度安排（元） {formatting.yuan(expected)}" in card
    assert f"= 申报数 {formatting.yuan(project.requested_amount)}" in card


def test_an_increase_at_factor_one_is_priority_not_a_rise(world_app, login):
    """The default rules' grade-A rows decide `increase` ×1: the cards said 增加 ×1 and the
    allocation report +0.00."""
    with _sessions(world_app)() as session:
        ones = session.scalars(
            select(FundingDecision.id).where(
                FundingDecision.kind == "increase", FundingDecision.factor == 1
            )
        ).all()
    assert ones, "the lived-in year has grade-A decisions"
    client = login("performance")
    html = client.get("/funding-decisions?status=all").text
    text = _text(html)
    assert "增加 ×1" not in text and "×1 " not in text
    shown = [decision_id for decision_id in ones if f'id="decision-{decision_id}"' in html]
    assert shown
    for decision_id in shown:
        card = _text(_card(html, decision_id))
        assert "优先保障" in card and "增加" not in card
    allocations = client.get("/allocations").text
    assert "+0.00" not in allocations and "优先保障" in allocations
    # A row at factor 1 is never called an increase.
    for row in re.findall(r"<tr>.*?</tr>", allocations, flags=re.S):
        if '<td class="num">×1</td>' in row:
            assert "增加" not in row


def test_a_cut_asks_once_more_as_a_plain_form_post(world_app, world, login):
    cut = _a_cut_waiting(world_app, world)
    client = login("finance")
    client.get("/funding-decisions")
    first = client.post(
        f"/funding-decisions/{cut.id}/confirm?status=proposed",
        data={"csrf_token": csrf(client)},
    )
    assert first.status_code == 200
    assert "请再次确认" in first.text
    assert 'name="confirm_again" value="1"' in first.text
    assert f'action="/funding-decisions/{cut.id}/confirm?status=proposed"' in first.text
    assert _status(world_app, cut.id) is DecisionStatus.PROPOSED
    assert _allocation_of(world_app, cut.id) is None
    second = client.post(
        f"/funding-decisions/{cut.id}/confirm?status=proposed",
        data={"csrf_token": csrf(client), "confirm_again": "1"},
    )
    assert second.status_code == 302
    assert second.headers["Location"].endswith("/funding-decisions?status=proposed")
    assert _status(world_app, cut.id) is DecisionStatus.CONFIRMED
    allocation = _allocation_of(world_app, cut.id)
    with _sessions(world_app)() as session:
        requested = session.get(Project, cut.project_id).requested_amount
    assert allocation.amount == (requested * cut.factor).quantize(CENT, ROUND_HALF_UP)
    assert allocation.amount < requested


def test_a_maintained_decision_is_confirmed_at_once(world_app, world, login):
    pending = _decision_of(world_app, world.pending_decision)
    if pending.kind.value in {"cut", "cancel", "suspend"} or pending.factor < 1:
        pytest.skip("the lived-in year's pending decision is itself a reduction")
    client = login("finance")
    client.get("/funding-decisions")
    response = client.post(
        f"/funding-decisions/{pending.id}/confirm", data={"csrf_token": csrf(client)}
    )
    assert response.status_code == 302
    assert _status(world_app, pending.id) is DecisionStatus.CONFIRMED


def test_the_desk_confirms_a_filtered_batch_and_reads_each_outcome(world_app, world, login):
    cut = _a_cut_waiting(world_app, world)
    pending = _decision_of(world_app, world.pending_decision)
    with _sessions(world_app)() as session:
        department = session.scalar(
            select(Organisation.parent_id)
            .join(Project, Project.unit_id == Organisation.id)
            .where(Project.id == cut.project_id)
        )
        settled = session.scalar(
            select(FundingDecision.id)
            .where(FundingDecision.status == DecisionStatus.CONFIRMED)
            .order_by(FundingDecision.id)
        )
    client = login("finance")
    page = client.get(f"/funding-decisions?department_id={department}").text
    form = re.search(r'<form[^>]*class="decision-batch-form.*?</form>', page, flags=re.S)
    assert form, "the desk is offered to confirm what it filtered"
    shown = [int(i) for i in re.findall(r'name="decision_id" value="(\d+)"', form.group(0))]
    assert cut.id in shown
    cards = [int(i) for i in re.findall(r'id="decision-(\d+)"', page)]
    assert set(shown) <= set(cards)
    # What was shown, plus one decision already settled: each gets its own outcome.
    ids = [*shown, settled]
    data = {"csrf_token": csrf(client), "decision_id": [str(i) for i in ids]}
    action = f"/funding-decisions/confirm-batch?department_id={department}"
    again = client.post(action, data=data)
    assert again.status_code == 200 and "请再次确认" in again.text
    assert all(_status(world_app, i) is DecisionStatus.PROPOSED for i in shown)
    done = client.post(action, data={**data, "confirm_again": "1"})
    assert done.status_code == 200, done.text
    rows = re.findall(r'<tr class="batch-item (\w+)" data-decision-id="(\d+)"', done.text)
    outcomes = {int(i): outcome for outcome, i in rows}
    assert outcomes == {**{i: "confirmed" for i in shown}, settled: "refused"}
    assert "已确认" in done.text and "已确认或调整过" in done.text
    for decision_id in shown:
        assert _status(world_app, decision_id) is DecisionStatus.CONFIRMED
        assert _allocation_of(world_app, decision_id) is not None
    if pending.id not in shown:
        assert _status(world_app, pending.id) is DecisionStatus.PROPOSED


def test_the_grade_filter_shows_only_that_grade(world_app, login):
    html = login("performance").get("/funding-decisions?status=all&grade=B").text
    grades = re.findall(r"<dt>评价等级</dt>\s*<dd>(\w)", html)
    assert grades and set(grades) == {"B"}
    assert login("performance").get("/funding-decisions?grade=E").status_code == 422


def test_the_api_confirms_a_batch_item_by_item(world_app, world_client, world):
    pending = _decision_of(world_app, world.pending_decision)
    with _sessions(world_app)() as session:
        settled = session.scalar(
            select(FundingDecision.id)
            .where(FundingDecision.status == DecisionStatus.CONFIRMED)
            .order_by(FundingDecision.id)
        )
    url = "/api/v1/funding-decisions/confirm-batch"
    # 2**40 names no decision: on PostgreSQL it is past the INTEGER id column (it was a 500).
    body = {"decision_ids": [pending.id, settled, 999_999_999, 2**40]}
    assert world_client.post(url, json=body, headers=world.headers("department")).status_code == 403
    empty = world_client.post(url, json={"decision_ids": []}, headers=world.headers("finance"))
    assert empty.status_code == 422
    assert _status(world_app, pending.id) is DecisionStatus.PROPOSED
    response = world_client.post(url, json=body, headers=world.headers("finance"))
    assert response.status_code == 200, response.text
    result = response.json
    assert (result["confirmed"], result["failed"]) == (1, 3)
    assert [(i["decision_id"], i["outcome"], i["code"]) for i in result["items"]] == [
        (pending.id, "confirmed", None),
        (settled, "refused", "conflict"),
        (999_999_999, "refused", "not_found"),
        (2**40, "refused", "not_found"),
    ]
    assert _status(world_app, pending.id) is DecisionStatus.CONFIRMED
    allocation = _allocation_of(world_app, pending.id)
    assert result["items"][0]["next_year_amount"] == str(allocation.amount)
    listed = world_client.get(
        f"/api/v1/funding-decisions/{pending.id}", headers=world.headers("finance")
    ).json
    assert listed["next_year_amount"] == str(allocation.amount)


def test_the_task_page_asks_once_more_before_a_cut(world_app, world, login):
    cut, task_id = _a_cut_and_its_task(world_app, world)
    client = login("finance")
    page = client.get(f"/tasks/{task_id}")
    assert page.status_code == 200
    assert 'name="reduction" value="1"' in page.text and 'name="confirm_again"' in page.text
    posted = {"csrf_token": csrf(client), "answer": "confirm", "reduction": "1"}
    refused = client.post(f"/tasks/{task_id}", data=posted)
    assert refused.status_code == 422
    assert "请勾选“我已核对”" in refused.text
    assert _status(world_app, cut.id) is DecisionStatus.PROPOSED
    done = client.post(f"/tasks/{task_id}", data={**posted, "confirm_again": "1"})
    assert done.status_code == 302
    assert _status(world_app, cut.id) is DecisionStatus.CONFIRMED
