"""A department reviewer in a real browser: lands on the inbox, sees the target table it reviews
(nothing chosen for it), returns one, sees what the unit changed, bulk-approves several and
finds them under 已办."""

from __future__ import annotations

import re
from decimal import Decimal

from playwright.sync_api import Page, expect
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.actors import Actor
from engine.db import unit_of_work
from engine.models import HumanTask
from engine.review.tasks import complete
from tests.browser.support import log_in, screenshot
from tests.support.world import PASSWORD
from tests.web.targets.test_targets_api import EDITABLE_FIELDS

RETURN_COMMENT = "满意度指标值偏低，请按上年实际完成情况调整"


def _tasks(server, **where) -> list[HumanTask]:
    with Session(server.app.extensions["budgetloop.engine"]) as session:
        query = select(HumanTask)
        for key, value in where.items():
            query = query.where(getattr(HumanTask, key) == value)
        tasks = list(session.scalars(query.order_by(HumanTask.id)))
        session.expunge_all()
        return tasks


def _submit_filings(server, world, count: int) -> list[HumanTask]:
    """The unit confirms `count` target tables (as its own commands); their review tasks."""
    unit = world["unit"]
    actor = Actor(f"user:{unit.login}", "unit", unit.org_id, unit.user_id)
    filings = _tasks(server, form="target_table", role="unit", org_id=unit.org_id, status="ready")[
        :count
    ]
    assert len(filings) == count
    sessions = server.app.extensions["budgetloop.sessions"]
    workflow = server.app.extensions["budgetloop.workflow"]
    for filing in filings:
        with unit_of_work(sessions) as session:
            assert complete(session, workflow, filing.id, {"confirmed": True}, actor).ok
    return [
        _tasks(server, form="review", status="ready", instance_id=f.instance_id)[0] for f in filings
    ]


def _revise_over_the_api(page: Page, world, server, review: HumanTask) -> str:
    """The unit lowers one target value over the API and resubmits; the indicator's name."""
    headers = {"Authorization": f"Bearer {world['unit'].token}"}
    detail = page.request.get(f"/api/v1/tasks/{review.id}", headers=headers)
    assert detail.status == 404  # the review is the department's, not the unit's
    dept = {"Authorization": f"Bearer {world['department'].token}"}
    table_id = page.request.get(f"/api/v1/tasks/{review.id}", headers=dept).json()["review"][
        "document"
    ]["id"]
    table = page.request.get(f"/api/v1/target-tables/{table_id}", headers=headers).json()
    rows = [{key: row[key] for key in EDITABLE_FIELDS} for row in table["indicators"]]
    row = next(r for r in rows if r["target_value"] and Decimal(r["target_value"]) >= 2)
    row["target_value"] = str(int(Decimal(row["target_value"])) - 1)
    response = page.request.put(
        f"/api/v1/target-tables/{table_id}",
        headers=headers,
        data={"goal": table["goal"], "version": table["version"], "indicators": rows},
    )
    assert response.ok, response.text()
    (revise,) = _tasks(server, form="revise", status="ready", instance_id=review.instance_id)
    response = page.request.post(
        f"/api/v1/tasks/{revise.id}/complete",
        headers=headers,
        data={"data": {"comment": "已调整指标值"}},
    )
    assert response.ok, response.text()
    return row["name"]


def test_a_department_reviews_what_it_sees_and_bulk_approves(
    world_page: Page, world, world_server, page_guard_world
) -> None:
    page = world_page
    # Submitting the review without a choice answers 422 on purpose.
    page_guard_world.allow_console_error(r"status of 422 .*/tasks/\d+")
    reviews = _submit_filings(world_server, world, 3)

    # After login the department lands on its inbox (待办), with the 已办 tab beside it.
    log_in(page, world["department"].login, PASSWORD)
    expect(page).to_have_url(re.compile(r"/inbox$"))
    expect(page.get_by_role("navigation", name="待办与已办")).to_be_visible()

    # The review page shows the target table read-only; nothing is chosen.
    first = reviews[0]
    page.locator(f'a[href="/tasks/{first.id}"]').click()
    document = page.locator("section.review-document")
    expect(document).to_contain_text("绩效目标表")
    expect(document.locator("table.review-rows tbody tr").first).to_be_visible()
    assert document.locator("table.review-rows tbody tr").count() >= 3
    expect(document.locator("th").filter(has_text="分值")).to_have_count(1)
    expect(page.locator("input[name=outcome]:checked")).to_have_count(0)
    screenshot(page, "review-1-target-table")

    # Submitting without a choice says so, and nothing happens.
    page.get_by_role("button", name="提交").click()
    expect(page.locator(".error[role=alert]")).to_contain_text("请选择审核结果")
    expect(page.locator("input[name=outcome]:checked")).to_have_count(0)
    screenshot(page, "review-2-no-choice")

    # Returned with a comment; the unit lowers a target and resubmits.
    page.locator("input[name=outcome][value=return]").check()
    page.locator("textarea[name=comment]").fill(RETURN_COMMENT)
    page.get_by_role("button", name="提交").click()
    expect(page.locator("p.notice[role=status]")).to_contain_text("已办理")
    changed = _revise_over_the_api(page, world, world_server, first)

    # The resubmitted table shows what changed and the earlier comments of every level.
    (again,) = _tasks(world_server, form="review", status="ready", instance_id=first.instance_id)
    page.goto("/inbox")
    page.locator(f'a[href="/tasks/{again.id}"]').click()
    changes = page.locator("section.review-changes")
    expect(changes).to_contain_text(RETURN_COMMENT)
    expect(changes.locator("tr.diff-changed").filter(has_text=changed)).to_have_count(1)
    history = page.locator("section.review-history")
    expect(history).to_contain_text("退回修改")
    expect(history).to_contain_text("已调整指标值")
    screenshot(page, "review-3-changes")

    # Back in the inbox: tick three reviews and approve them together.
    page.get_by_role("link", name="待办事项").first.click()
    chosen = [again, *reviews[1:]]
    page.locator("input[data-select-all=task]").check()  # 全选: every review on the page
    for task in chosen:
        expect(page.locator(f'input[name=task][value="{task.id}"]')).to_be_checked()
    page.locator("input[data-select-all=task]").uncheck()
    expect(page.locator("input[name=task]:checked")).to_have_count(0)
    for task in chosen:
        page.locator(f'input[name=task][value="{task.id}"]').check()
    bulk = page.locator("fieldset.bulk-decision")
    bulk.locator("input[name=outcome][value=approve]").check()
    screenshot(page, "review-4-bulk-selected")
    bulk.get_by_role("button", name="批量办理所选事项").click()
    expect(page.locator("h1")).to_have_text("批量审核结果")
    for task in chosen:
        row = page.locator(f'tr[data-task="{task.id}"]')
        expect(row).to_have_attribute("data-status", "approved")
        expect(row).to_contain_text("已通过")
    expect(page.get_by_role("status")).to_contain_text("共 3 项：3 项已办理，0 项未办理。")
    screenshot(page, "review-5-bulk-result")
    for task in chosen:
        assert _tasks(world_server, id=task.id)[0].status == "completed"

    # 已办: the tasks this reviewer completed, with the decision; sortable by due date.
    page.get_by_role("link", name="返回待办").click()
    page.get_by_role("navigation", name="待办与已办").get_by_role("link", name="已办").click()
    expect(page.locator("h1")).to_have_text("已办事项")
    expect(page.locator("table.done-tasks")).to_be_visible()
    expect(page.locator("th a[data-sort=due_at]")).to_contain_text("办理期限")
    screenshot(page, "review-6-done")

    # Reviews of other documents show them too: a monitoring report and a self-evaluation.
    department = world["department"].org_id
    for process, title, shot in (
        ("review__monitoring_report", "绩效运行监控报告", "review-7-monitoring-report"),
        ("review__self_evaluation", "绩效自评报告", "review-8-self-evaluation"),
    ):
        task = _tasks(
            world_server, process_key=process, form="review", org_id=department, status="completed"
        )[-1]
        page.goto(f"/tasks/{task.id}")
        expect(page.locator("#review-document-title")).to_contain_text(title)
        expect(
            page.locator("section.review-document table.review-rows tbody tr").first
        ).to_be_visible()
        screenshot(page, shot)
