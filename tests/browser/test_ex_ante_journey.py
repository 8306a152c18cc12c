"""事前绩效评估 in a real browser: a unit states its new 8,000,000 元 project's case, its
department assesses it beside what the unit wrote — a mistake first, named — and concludes
调整后支持 at a lower amount, which the project's page then shows."""

from __future__ import annotations

from decimal import Decimal

from playwright.sync_api import Page, expect
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.actors import Actor
from engine.cycle.start import start_cycle
from engine.identity.passwords import hash_password
from engine.models import FiscalYear, HumanTask, Organisation, Project, User
from engine.synthetic.province import SeedRequest, seed_province
from tests.browser.support import log_in, screenshot
from tests.support.world import PASSWORD

NEW_YEAR = 2031  # a year of its own, with one new project
NECESSITY = "城区学位缺口约 600 个，现有园所无法满足需求。"


def _new_project(server) -> tuple[int, str, str]:
    """A new 8,000,000 元 project's cycle started: (project id, unit login, department login)."""
    with Session(server.app.extensions["budgetloop.engine"]) as session, session.begin():
        seed_province(session, SeedRequest(year=NEW_YEAR, projects=1, seed=8))
        project = session.scalars(
            select(Project).join(Project.fiscal_year).where(FiscalYear.year == NEW_YEAR)
        ).one()
        project.requested_amount = Decimal("8000000")
        project.predecessor_id = None
        workflow = server.app.extensions["budgetloop.workflow"]
        outcome = start_cycle(session, workflow, project, Actor.system("browser-test"))
        assert outcome.ok, outcome.error
        unit = session.get(Organisation, project.unit_id)
        logins = []
        for org_id, role in ((unit.id, "unit"), (unit.parent_id, "department")):
            user = session.scalars(
                select(User).where(User.organisation_id == org_id, User.role == role)
            ).first()
            user.password_hash = hash_password(PASSWORD)
            logins.append(user.login)
        return project.id, *logins


def _task(server, project_id: int) -> HumanTask:
    with Session(server.app.extensions["budgetloop.engine"]) as session:
        code = session.get(Project, project_id).code
        (task,) = session.scalars(
            select(HumanTask).where(
                HumanTask.business_key == f"cycle:{code}", HumanTask.status == "ready"
            )
        ).all()
        return task


def test_a_department_assesses_a_new_project_before_its_targets_are_filed(
    world_page: Page, world_server, page_guard_world
) -> None:
    page = world_page
    # Invalid input is answered 422 on purpose; Chromium logs such a page load as an error.
    page_guard_world.allow_console_error(r"status of 422")
    project_id, unit_login, department_login = _new_project(world_server)

    # The unit states its case: four statements, one per item of the frame.
    log_in(page, unit_login, PASSWORD)
    task = _task(world_server, project_id)
    assert task.form == "ex_ante_proposal"
    page.goto(f"/tasks/{task.id}")
    expect(page.locator("h1")).to_have_text("填报事前绩效评估申请")
    expect(page.locator("form.task-form")).to_contain_text("8,000,000.00")
    page.get_by_label("立项必要性").fill(NECESSITY)
    page.get_by_label("实施可行性").fill("选址和用地已落实，实施方案已论证。")
    page.get_by_label("投入经济性").fill("按每平方米 4,200 元测算，低于同类项目。")
    page.get_by_label("绩效目标合理性").fill("新增学位 600 个，当年完工率 100%。")
    screenshot(page, "ex-ante-proposal")
    page.get_by_role("button", name="提交").click()
    page.get_by_role("button", name="退出").click()

    # The department assesses it, reading what the unit wrote.
    log_in(page, department_login, PASSWORD)
    task = _task(world_server, project_id)
    assert (task.form, task.role) == ("ex_ante_assessment", "department")
    page.goto(f"/tasks/{task.id}")
    expect(page.locator("h1")).to_have_text("主管部门事前评估")
    expect(page.locator('.statement[data-statement="necessity"]')).to_have_text(NECESSITY)
    points = {"立项必要性": "31", "实施可行性": "18", "投入经济性": "18", "绩效目标合理性": "15"}
    for name, value in points.items():
        page.get_by_label(f"评分: {name}").fill(value)
    page.get_by_label("评估意见").fill("投入测算偏高，建议核减后支持")
    page.get_by_label("建议安排金额（元）").fill("6800000")
    page.get_by_role("button", name="提交").click()
    # The item named in words, with the points it may have (not a field code alone).
    expect(page.locator("[role=alert]")).to_contain_text("「立项必要性」得分须在 0 到 30 分之间")
    expect(page.get_by_label("评分: 立项必要性")).to_have_value("31")
    screenshot(page, "ex-ante-mistake")
    page.get_by_label("评分: 立项必要性").fill("21")
    page.get_by_role("button", name="提交").click()
    expect(page.locator("p.notice[role=status]").first).to_be_visible()

    # 72 points: 调整后支持 at 6,800,000 元; the unit now files its targets.
    page.goto(f"/projects/{project_id}")
    section = page.locator("#ex-ante")
    expect(section.locator(".conclusion")).to_contain_text("调整后支持")
    expect(section.locator(".conclusion")).to_contain_text("72 分")
    expect(section).to_contain_text("6,800,000.00")
    expect(section).to_contain_text(NECESSITY)
    section.scroll_into_view_if_needed()
    screenshot(page, "ex-ante-concluded")
    assert _task(world_server, project_id).form == "target_table"
