"""Target filing in a real browser: a unit files its table, the department returns it with a
comment, the unit revises and resubmits, then the department and the finance desk approve."""

from __future__ import annotations

from playwright.sync_api import Page, expect
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.models import HumanTask, Project, TargetTable
from engine.models.enums import DocumentStatus
from tests.browser.support import log_in, screenshot
from tests.support.world import PASSWORD

RETURN_COMMENT = "产出数量指标偏低，请将指标值提高到不低于上年实际完成数"


def _ready(server, **where) -> HumanTask:
    """The one ready task matching `where` in the server's database."""
    with Session(server.app.extensions["budgetloop.engine"]) as session:
        query = select(HumanTask).where(HumanTask.status == "ready")
        for key, value in where.items():
            query = query.where(getattr(HumanTask, key) == value)
        task = session.scalars(query.order_by(HumanTask.id)).first()
        assert task is not None, f"no ready task with {where}"
        session.expunge(task)
        return task


def _table(server, project_code: str) -> TargetTable:
    with Session(server.app.extensions["budgetloop.engine"]) as session:
        table = session.scalars(
            select(TargetTable)
            .join(Project, Project.id == TargetTable.project_id)
            .where(Project.code == project_code)
            .order_by(TargetTable.revision.desc())
        ).first()
        session.expunge(table)
        return table


def _switch_to(page: Page, login: str) -> None:
    page.get_by_role("banner").get_by_role("button", name="退出").click()
    expect(page.locator("input[name=login]")).to_be_visible()
    log_in(page, login, PASSWORD)


def _open_from_inbox(page: Page, task: HumanTask) -> None:
    page.get_by_role("banner").get_by_role("link", name="待办事项").click()
    link = page.locator(f'a[href="/tasks/{task.id}"]')
    expect(link).to_have_count(1)
    link.click()
    expect(page.locator("h1")).to_have_text(task.name)


def _change_a_target(page: Page, value: str) -> None:
    """Set the target of the first quantitative indicator to `value`."""
    rows = page.locator("tr.indicator-row")
    for index in range(rows.count()):
        row = rows.nth(index)
        if row.locator("select[name$='-operator']").input_value() != "qualitative":
            row.locator("input[name$='-target']").fill(value)
            return
    raise AssertionError("the table has no quantitative indicator")


def _check_and_save(page: Page, shot: str) -> None:
    page.get_by_role("button", name="校验").click()
    expect(page.locator('[data-code="valid"]')).to_be_visible()
    screenshot(page, shot)
    page.get_by_role("button", name="保存").click()
    expect(page.locator("p.notice[role=status]")).to_contain_text("绩效目标表已保存")


def _review(page: Page, task: HumanTask, outcome: str, comment: str, shot: str) -> None:
    _open_from_inbox(page, task)
    page.locator(f"input[name=outcome][value={outcome}]").check()
    page.locator("textarea[name=comment]").fill(comment)
    screenshot(page, shot)
    page.get_by_role("button", name="提交").click()
    expect(page.locator("p.notice[role=status]")).to_contain_text("已办理")
    expect(page.locator(f'a[href="/tasks/{task.id}"]')).to_have_count(0)


def test_a_unit_files_a_target_table_and_resubmits_after_a_return(
    world_page: Page, world, world_server
) -> None:
    page = world_page
    unit = world["unit"]
    filing = _ready(world_server, form="target_table", role="unit", org_id=unit.org_id)
    code = filing.business_key.split(":", 1)[1]

    # The unit opens its filing task from the inbox and goes to the editor.
    log_in(page, unit.login, PASSWORD)
    _open_from_inbox(page, filing)
    page.get_by_role("link", name="打开绩效目标表编辑页").click()
    expect(page.locator("h1")).to_contain_text("绩效目标表")
    expect(page.locator("table.indicators").first).to_be_visible()
    # The library offers the project's common indicators.
    expect(page.locator("#library-list table.library-items tr").first).to_be_visible()
    screenshot(page, "filing-1-editor")

    # Picking from the library adds a row under its level; removing it takes it away again.
    rows = page.locator("tr.indicator-row")
    before = rows.count()
    page.locator("#library-list button[data-library-code]").first.click()
    expect(rows).to_have_count(before + 1)
    added = rows.filter(has=page.locator("input[name$='-library_code'][value]")).last
    expect(added.locator("input[name$='-name']")).not_to_have_value("")
    page.locator("tr.indicator-row[id^='row-n'] [data-remove-row]").click()
    expect(rows).to_have_count(before)

    # A wrong weight is caught at its row before anything is saved.
    first_weight = page.locator("input[name$='-weight']").first
    weight = first_weight.input_value()
    first_weight.fill("abc")
    page.get_by_role("button", name="校验").click()
    expect(page.locator("tr.has-problem .cell-problem").first).to_contain_text("不是数字")
    screenshot(page, "filing-2-problem")
    page.locator("input[name$='-weight']").first.fill(weight)

    _change_a_target(page, "120")
    _check_and_save(page, "filing-3-checked")
    assert _table(world_server, code).version == 2

    # Back to the task: confirm and submit; the task leaves the inbox.
    page.get_by_role("link", name="返回待办").click()
    page.locator("input[name=confirmed]").check()
    page.get_by_role("button", name="提交").click()
    expect(page.locator("p.notice[role=status]")).to_contain_text("已办理")
    expect(page.locator(f'a[href="/tasks/{filing.id}"]')).to_have_count(0)
    screenshot(page, "filing-4-submitted")
    assert _table(world_server, code).status is DocumentStatus.SUBMITTED

    # The department returns it, saying why.
    _switch_to(page, world["department"].login)
    review = _ready(world_server, form="review", role="department", instance_id=filing.instance_id)
    _review(page, review, "return", RETURN_COMMENT, "filing-5-department-returns")
    assert _table(world_server, code).status is DocumentStatus.RETURNED

    # The unit sees the revise task with the comment, revises in the editor, resubmits.
    _switch_to(page, unit.login)
    revise = _ready(world_server, form="revise", role="unit", instance_id=filing.instance_id)
    _open_from_inbox(page, revise)
    expect(page.locator(".review-returned")).to_contain_text(RETURN_COMMENT)
    screenshot(page, "filing-6-revise-task")
    page.get_by_role("link", name="打开绩效目标表编辑页").click()
    expect(page.locator(".review-notes")).to_contain_text(RETURN_COMMENT)
    expect(page.locator(".doc-status")).to_have_text("已退回")
    _change_a_target(page, "150")
    _check_and_save(page, "filing-7-revised")
    page.get_by_role("link", name="返回待办").click()
    page.locator("textarea[name=comment]").fill("已按审核意见提高指标值")
    page.get_by_role("button", name="提交").click()
    expect(page.locator("p.notice[role=status]")).to_contain_text("已办理")
    expect(page.locator(f'a[href="/tasks/{revise.id}"]')).to_have_count(0)

    # The department approves; then the finance desk.
    _switch_to(page, world["department"].login)
    again = _ready(world_server, form="review", role="department", instance_id=filing.instance_id)
    _review(page, again, "approve", "同意", "filing-8-department-approves")
    _switch_to(page, world["finance"].login)
    final = _ready(world_server, form="review", role="finance", instance_id=filing.instance_id)
    _review(page, final, "approve", "同意报送", "filing-9-finance-approves")

    # The targets are approved and published; the unit can no longer edit them.
    table = _table(world_server, code)
    assert table.status is DocumentStatus.FINAL
    _switch_to(page, unit.login)
    page.goto(f"/projects/{table.project_id}")
    expect(page.locator("h1")).to_contain_text(code)
    page.get_by_role("link", name="查看").last.click()
    expect(page.locator(".doc-status")).to_have_text("已批复")
    expect(page.locator("p.notice")).to_contain_text("只读")
    screenshot(page, "filing-10-final")
