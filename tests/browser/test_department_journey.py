"""部门整体绩效 in a real browser: a department files its overall target table — a mistake in
the weights first, named in Chinese beside the totals — its finance desk returns it with a
comment the department reads on the form it files again; once approved, the department reports
mid-year (the clock moved on to September), self-evaluates the next March, finance evaluates it
beside the self-evaluation, and the list of departments shows the grade that counts."""

from __future__ import annotations

from datetime import UTC, datetime

from playwright.sync_api import Page, expect
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.actors import Actor
from engine.composition import build_engine
from engine.department.start import start_department
from engine.models import DepartmentEvaluation, FiscalYear, HumanTask, Organisation
from engine.workflow.clock import ManualClock
from tests.browser.support import log_in, screenshot
from tests.support.world import PASSWORD

YEAR = 2027  # the lived-in year's next year: the department has not started it
RETURN_COMMENT = "满意度指标值偏低，请调整后重新报送"
# (level-2 item, name, operator, target, unit, weight): the department frame's 90 points.
INDICATORS = [
    ("duties", "法定职责履行率", ">=", "95", "%", "15"),
    ("key_tasks", "重点工作任务完成数", ">=", "12", "项", "15"),
    ("quality", "政策文件合规率", "=", "100", "%", "10"),
    ("economic_cost", "公用经费控制率", "<=", "100", "%", "10"),
    ("social", "群众办事便利度", "qualitative", "明显提升", "", "30"),
    ("beneficiary", "服务对象满意度", ">=", "85", "%", "10"),
]


def _start(server, world) -> int:
    """The world department's process for YEAR, finance evaluating it: its instance id."""
    app = server.app
    with Session(app.extensions["budgetloop.engine"]) as session, session.begin():
        department = session.get(Organisation, world["department"].org_id)
        year = session.scalars(select(FiscalYear).where(FiscalYear.year == YEAR)).one()
        outcome = start_department(
            session,
            app.extensions["budgetloop.workflow"],
            department,
            year,
            Actor.system("browser-test"),
            finance_evaluation=True,
        )
        assert outcome.ok, outcome.error
        return outcome.instance_id


def _task(server, instance_id: int) -> HumanTask:
    with Session(server.app.extensions["budgetloop.engine"]) as session:
        (task,) = session.scalars(
            select(HumanTask).where(
                HumanTask.instance_id == instance_id, HumanTask.status == "ready"
            )
        ).all()
        return task


def _fire_timers(server, instance_id: int, when: datetime) -> None:
    """The clock moved on to `when`: the instance's timers fire (as `budgetloop tick` would)."""
    engine = build_engine(ManualClock(when))
    with Session(server.app.extensions["budgetloop.engine"]) as session, session.begin():
        outcome = engine.fire_timers(session, instance_id, Actor.system("browser-test"))
    assert outcome.ok, outcome.error


def _open(page: Page, server, instance_id: int, form: str) -> None:
    task = _task(server, instance_id)
    assert task.form == form, task.form
    page.goto(f"/tasks/{task.id}")


def _shot(page: Page, name: str) -> None:
    """A screenshot of the page as the user left it: the field they typed in is left first (a
    full-page screenshot resizes the window; a change event fired only at the next click would
    then move the page under the pointer)."""
    page.evaluate("document.activeElement && document.activeElement.blur()")
    screenshot(page, name)


def _submit(page: Page) -> None:
    page.get_by_role("button", name="提交", exact=True).click()
    page.wait_for_load_state()


def _switch(page: Page, login: str) -> None:
    page.get_by_role("button", name="退出").click()
    log_in(page, login, PASSWORD)


def _fill_table(page: Page) -> None:
    page.get_by_label("部门职责").fill("负责全省高等教育发展规划、经费管理和督导评估。")
    page.get_by_label("年度总体目标").fill("学科建设稳步推进，人才培养质量持续提高。")
    page.get_by_label("基本支出（元）").fill("12,000,000")
    tasks = page.locator("#task-rows tr")
    tasks.nth(0).locator("[name$='-name']").fill("一流学科建设")
    tasks.nth(0).locator("[name$='-content']").fill("建设 5 个省级一流学科")
    tasks.nth(0).locator("[name$='-amount']").fill("30000000")
    page.get_by_role("button", name="添加重点工作任务").click()
    tasks.nth(1).locator("[name$='-name']").fill("教师培训")
    tasks.nth(1).locator("[name$='-amount']").fill("8000000")
    for _ in INDICATORS[1:]:
        page.get_by_role("button", name="添加指标").click()
    rows = page.locator("#ind-rows tr")
    expect(rows).to_have_count(len(INDICATORS))
    for index, (item, name, operator, target, unit, weight) in enumerate(INDICATORS):
        row = rows.nth(index)
        row.locator("select[name$='-item']").select_option(item)
        row.locator("[name$='-name']").fill(name)
        row.locator("select[name$='-operator']").select_option(operator)
        row.locator("[name$='-target']").fill(target)
        row.locator("[name$='-unit']").fill(unit)
        row.locator("[name$='-weight']").fill(weight)


def _review(page: Page, outcome: str, comment: str = "") -> None:
    page.get_by_label("退回修改" if outcome == "return" else "通过", exact=True).check()
    if comment:
        page.get_by_label("意见").fill(comment)
    _submit(page)


def test_a_department_files_reports_and_is_graded(
    world_page: Page, world_server, world, page_guard_world
) -> None:
    page = world_page
    # Invalid input is answered 422 on purpose; Chromium logs such a page load as an error.
    page_guard_world.allow_console_error(r"status of 422")
    instance_id = _start(world_server, world)

    # The department files its table: the satisfaction item is 5 points short.
    log_in(page, world["department"].login, PASSWORD)
    page.goto("/inbox")
    page.get_by_role("link", name="填报部门整体绩效目标").click()
    expect(page.locator("h1")).to_have_text("填报部门整体绩效目标")
    _fill_table(page)
    satisfaction = page.locator("#ind-rows tr").nth(5).locator("[name$='-weight']")
    satisfaction.fill("5")
    expect(page.locator("[data-total]")).to_have_text("85")
    expect(page.locator("[data-total]")).to_have_class("off")
    _shot(page, "department-plan-form")
    _submit(page)
    alert = page.locator("[role=alert]")
    expect(alert).to_contain_text("部门整体绩效目标表未能提交")
    expect(page.locator(".department-form .cell-problem").first).to_contain_text(
        "各指标分值合计为 85，应为 90"
    )
    expect(page.locator("#ind-rows tr")).to_have_count(len(INDICATORS))
    _shot(page, "department-plan-mistake")
    page.locator("#ind-rows tr").nth(5).locator("[name$='-weight']").fill("10")
    expect(page.locator("[data-total]")).to_have_class("ok")
    _submit(page)
    expect(page.locator("p.notice[role=status]").first).to_be_visible()

    # Finance reads the table and returns it with a comment.
    _switch(page, world["finance"].login)
    _open(page, world_server, instance_id, "review")
    expect(page.locator(".review-document")).to_contain_text("部门整体绩效目标表")
    expect(page.locator(".review-document")).to_contain_text("群众办事便利度")
    _shot(page, "department-plan-review")
    _review(page, "return", RETURN_COMMENT)

    # The department sees the comment above its table as filed, and files it again.
    _switch(page, world["department"].login)
    _open(page, world_server, instance_id, "department_plan")
    expect(page.locator(".returned-note")).to_contain_text(RETURN_COMMENT)
    expect(page.get_by_label("年度总体目标")).to_have_value(
        "学科建设稳步推进，人才培养质量持续提高。"
    )
    rows = page.locator("#ind-rows tr")
    expect(rows).to_have_count(len(INDICATORS))
    rows.nth(5).locator("[name$='-target']").fill("90")
    _shot(page, "department-plan-refile")
    _submit(page)

    _switch(page, world["finance"].login)
    _open(page, world_server, instance_id, "review")
    _review(page, "approve")

    # September: the mid-year report, with the projects' execution rolled up.
    _fire_timers(world_server, instance_id, datetime(YEAR, 9, 2, tzinfo=UTC))
    _switch(page, world["department"].login)
    _open(page, world_server, instance_id, "department_monitoring")
    expect(page.locator(".execution-summary")).to_contain_text("项目支出")
    page.locator("input[name=basic_executed]").fill("7000000")
    for actual in page.locator("input[name$='-actual']").all():
        actual.fill("60")
    page.locator("select[name$='-band']").select_option("partly")
    for likelihood in page.locator("select[name$='-likelihood']").all():
        likelihood.select_option("certain")
    _shot(page, "department-monitoring-form")
    _submit(page)
    _switch(page, world["finance"].login)
    _open(page, world_server, instance_id, "review")
    _review(page, "approve")

    # The next March: the self-evaluation, then finance's evaluation beside it.
    _fire_timers(world_server, instance_id, datetime(YEAR + 1, 3, 2, tzinfo=UTC))
    _switch(page, world["department"].login)
    _open(page, world_server, instance_id, "department_self_evaluation")
    _evaluate(page, "11000000", "95")
    _shot(page, "department-self-evaluation-form")
    _submit(page)
    _switch(page, world["finance"].login)
    _open(page, world_server, instance_id, "review")
    _review(page, "approve")
    _open(page, world_server, instance_id, "department_finance_evaluation")
    expect(page.locator(".self-evaluation")).to_contain_text("部门自评")
    _evaluate(page, "10500000", "85")
    _shot(page, "department-finance-evaluation-form")
    _submit(page)
    expect(page.locator("p.notice[role=status]").first).to_be_visible()

    # The list of departments shows finance's grade as the one that counts.
    with Session(world_server.app.extensions["budgetloop.engine"]) as session:
        finance = session.scalars(
            select(DepartmentEvaluation)
            .where(DepartmentEvaluation.kind == "finance")
            .order_by(DepartmentEvaluation.id.desc())
        ).first()
    page.goto(f"/departments/performance?year={YEAR}")
    row = page.locator(f"tr[data-plan='{finance.plan_id}']")
    expect(row.locator(".counting")).to_contain_text(finance.grade)
    _shot(page, "department-list")
    row.get_by_role("link").click()
    expect(page.locator(".counting-grade")).to_contain_text(finance.grade)
    expect(page.locator("#evaluations")).to_contain_text("财政部门整体绩效评价")
    # Where the process is, drawn as a project's: the filing done, the flows taken marked.
    view = page.locator("#instance-view")
    expect(view).to_have_attribute("data-state", "ready")
    expect(view).to_have_attribute("data-shown", "department_performance")
    filed = page.locator('#instance-canvas .djs-element[data-element-id="Task_FilePlan"]')
    expect(filed).to_have_class("djs-element djs-shape instance-completed")
    expect(page.locator("#instance-canvas .djs-connection.instance-taken").first).to_be_attached()
    expect(page.locator("table.instance-history")).to_contain_text("部门整体绩效审核")
    _shot(page, "department-detail")
    page.goto(f"/departments/performance/{finance.plan_id}?lang=en")
    expect(page.locator("h1")).to_contain_text("overall performance")
    _shot(page, "department-detail-en")
    page.goto(f"/departments/performance?year={YEAR}&lang=en")
    expect(page.locator("h1")).to_have_text("Department overall performance")
    _shot(page, "department-list-en")


def _evaluate(page: Page, basic_executed: str, band_pct: str) -> None:
    """Each indicator at its target (a qualitative one 达成 at `band_pct` %), with a reason."""
    page.locator("input[name=basic_executed]").fill(basic_executed)
    for index, (_item, _name, operator, target, _unit, _weight) in enumerate(INDICATORS):
        row = page.locator("table.department-scores tbody tr").nth(index)
        if operator == "qualitative":
            row.locator("select[name$='-band']").select_option("achieved")
            row.locator("input[name$='-band_pct']").fill(band_pct)
        else:
            row.locator("input[name$='-actual']").fill("90" if index == 5 else target)
        row.locator("textarea[name$='-reason']").fill("受办事窗口改造进度影响，略低于预期")
    page.get_by_label("评价结论").fill("部门整体绩效目标基本完成，群众办事便利度仍有提升空间。")
    # The live preview scores the form as it is typed: every row, the total and the grade.
    expect(page.locator("#dept-score-total .grade")).to_be_visible()
    expect(page.locator("#dept-score-total")).not_to_contain_text("尚有")
