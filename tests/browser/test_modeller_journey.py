"""A performance officer adds a review step in the modeller, deploys it as a new version, and a
return at that step sends the target table back to the unit (issue 9: it used to be approved)."""

from __future__ import annotations

import random
import re

from playwright.sync_api import Page, expect
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.actors import Actor
from engine.cycle.start import start_cycle
from engine.demo.simulation import Choices, Simulation
from engine.identity.passwords import hash_password
from engine.models import FiscalYear, HumanTask, Project, TargetTable, User
from engine.models.enums import DocumentStatus
from engine.synthetic.province import SeedRequest, seed_province
from tests.browser.support import log_in, screenshot
from tests.support.world import PASSWORD

FLOW = "Flow_FinanceApprove"  # 财政业务处室审核 → (通过) → 置为审核通过
RETURN_COMMENT = "绩效目标与项目资金规模不匹配，请补充成本指标后重新提交"
NEW_YEAR = 2030  # a year of its own: its projects start on the newly deployed review


def _watermark_uncovered(page: Page) -> bool:
    """The bpmn.io logo is shown and the topmost element at its centre is the logo itself."""
    return page.evaluate(
        """() => {
            const logo = document.querySelector(".bjs-powered-by");
            if (!logo) return false;
            const box = logo.getBoundingClientRect();
            if (box.width < 10 || box.height < 10) return false;
            const top = document.elementFromPoint(box.x + box.width / 2, box.y + box.height / 2);
            return logo === top || logo.contains(top);
        }"""
    )


def test_performance_officer_adds_a_step_deploys_it_and_a_return_there_goes_to_the_unit(
    world_page: Page, world, world_server
) -> None:
    page = world_page
    log_in(page, world["performance"].login, PASSWORD)

    page.goto("/processes")
    review = page.locator("tr[data-key=review]")
    expect(review.locator(".latest-version")).to_have_text("v1")
    review.get_by_role("link", name="在建模器中打开").click()
    modeller = page.locator("#modeller")
    expect(modeller).to_have_attribute("data-ready", "true")
    expect(page.locator('.djs-element[data-element-id="Task_FinanceReview"]')).to_be_visible()
    assert _watermark_uncovered(page)

    # Add a review step after the finance desk's review, on its approving flow.
    # A straight flow's box has no height, which Playwright calls invisible: click its middle.
    box = page.locator(f'.djs-element[data-element-id="{FLOW}"]').bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    expect(page.locator("#element-id")).to_have_text(FLOW)
    page.get_by_role("button", name="在所选连线上添加审核环节").click()
    step_id = page.locator("#element-id").inner_text()
    assert step_id.startswith("Activity_") and step_id != FLOW
    expect(page.locator("#element-type")).to_have_text("UserTask")
    # The step comes with its outcome gateway: 退回 goes where the other levels' returns go.
    expect(page.locator("#modeller-status")).to_contain_text("退回则回到预算单位修改")
    gateway_id = modeller.get_attribute("data-last-gateway")
    assert gateway_id and gateway_id.startswith("Gateway_")
    expect(page.locator(f'.djs-element[data-element-id="{gateway_id}"]')).to_be_visible()
    expect(page.get_by_label("办理表单")).to_have_value("review")
    # Its return flow carries the condition, shown (and editable) in the side form.
    back = modeller.get_attribute("data-last-return")
    page.locator(f'.djs-element[data-element-id="{back}_label"]').click()
    expect(page.locator("#element-id")).to_have_text(back)
    expect(page.get_by_label("条件表达式")).to_have_value("outcome == 'return'")
    expect(page.get_by_label("默认路径（其他结果都走这条连线）")).not_to_be_checked()
    page.locator(f'.djs-element[data-element-id="{step_id}"]').click()
    expect(page.locator("#element-id")).to_have_text(step_id)

    # It has no role yet: validation marks the problem at the new step itself.
    page.get_by_role("button", name="校验").click()
    expect(page.locator("#modeller-status")).to_contain_text("发现 1 个问题")
    problem = page.locator(f"ol.problems li[data-element={step_id}]")
    expect(problem).to_contain_text("role")
    expect(page.locator(f".problem-badge[data-element={step_id}]")).to_be_visible()
    expect(page.locator(f'.djs-element.has-problem[data-element-id="{step_id}"]')).to_have_count(1)
    screenshot(page, "modeller-problem")

    # Name it, give it a role and the review form from the side form, and check again.
    page.get_by_label("名称").fill("预算绩效管理处复核")
    page.get_by_label("办理角色").select_option("performance")
    page.get_by_label("办理表单").select_option("review")
    page.get_by_role("button", name="应用修改").click()
    expect(page.locator(f'.djs-element[data-element-id="{step_id}"]')).to_contain_text(
        "预算绩效管理处复核"
    )
    page.get_by_role("button", name="校验").click()
    expect(page.locator("#modeller-status")).to_have_text("校验通过，可以部署。")
    expect(page.locator(".problem-badge")).to_have_count(0)

    page.get_by_role("button", name="部署为新版本").click()
    expect(page.locator("#modeller-status")).to_contain_text("已部署为第 2 版")
    expect(modeller).to_have_attribute("data-deployed-version", "2")
    assert _watermark_uncovered(page)
    screenshot(page, "modeller")

    page.goto("/processes")
    expect(review.locator(".latest-version")).to_have_text("v2")
    expect(review.locator(".versions")).to_have_text(re.compile(r"v2\s*·\s*v1"))

    # The new version opens with the step in it, where it was put.
    review.get_by_role("link", name="在建模器中打开").click()
    expect(page.locator("#modeller")).to_have_attribute("data-ready", "true")
    expect(page.locator(f'.djs-element[data-element-id="{step_id}"]')).to_contain_text(
        "预算绩效管理处复核"
    )

    # A new filing reaches the step: the performance officer returns it with a comment.
    project_id, step_task = _filing_at(world_server, step_id)
    page.goto(f"/tasks/{step_task}")
    expect(page.locator("h1")).to_have_text("预算绩效管理处复核")
    page.locator("input[name=outcome][value=return]").check()
    page.locator("textarea[name=comment]").fill(RETURN_COMMENT)
    screenshot(page, "modeller-step-return")
    page.get_by_role("button", name="提交").click()
    expect(page.locator("h1")).not_to_have_text("预算绩效管理处复核")

    # The table goes back to the unit (修改并重新提交), and is not approved.
    revise, unit_login, status = _after_return(world_server, project_id)
    assert status == DocumentStatus.RETURNED
    page.get_by_role("banner").get_by_role("button", name="退出").click()
    log_in(page, unit_login, PASSWORD)
    page.get_by_role("banner").get_by_role("link", name="待办事项").click()
    expect(page.locator(f'a[href="/tasks/{revise}"]')).to_have_count(1)
    screenshot(page, "modeller-step-returned-to-unit")


def _filing_at(server, step_id: str) -> tuple[int, int]:
    """A new project's targets filed and approved by department and finance: (project, task)."""
    sessions = server.app.extensions["budgetloop.sessions"]
    workflow = server.app.extensions["budgetloop.workflow"]
    simulation = Simulation(workflow, Choices(rng=random.Random(3), return_rate=0.0))
    with sessions() as session, session.begin():
        seed_province(session, SeedRequest(year=NEW_YEAR, projects=1, seed=5))
        project = session.scalars(
            select(Project).join(Project.fiscal_year).where(FiscalYear.year == NEW_YEAR)
        ).one()
        outcome = start_cycle(session, workflow, project, Actor.system("browser-test"))
        assert outcome.ok, outcome.error
        project_id, instance = project.id, outcome.instance_id
    for _ in range(3):  # fill the targets; the department and the finance desk approve
        (task,) = _ready(sessions, instance)
        assert task.element_id != step_id
        assert simulation.complete_one(sessions, task.id).ok
    (task,) = _ready(sessions, instance)
    assert (task.element_id, task.role, task.form) == (step_id, "performance", "review")
    return project_id, task.id


def _ready(sessions, instance: int) -> list[HumanTask]:
    with sessions() as session:
        return list(
            session.scalars(
                select(HumanTask).where(
                    HumanTask.instance_id == instance, HumanTask.status == "ready"
                )
            )
        )


def _after_return(server, project_id: int) -> tuple[int, str, DocumentStatus]:
    """The unit's revision task, a login of that unit (password set), the table's status."""
    with Session(server.app.extensions["budgetloop.engine"]) as session, session.begin():
        project = session.get(Project, project_id)
        (revise,) = session.scalars(
            select(HumanTask).where(
                HumanTask.business_key.endswith(f":{project.code}"),
                HumanTask.status == "ready",
            )
        ).all()
        assert (revise.element_id, revise.role, revise.org_id) == (
            "Task_Revise",
            "unit",
            project.unit_id,
        )
        user = session.scalars(
            select(User).where(User.organisation_id == project.unit_id, User.role == "unit")
        ).first()
        user.password_hash = hash_password(PASSWORD)
        table = session.scalars(
            select(TargetTable)
            .where(TargetTable.project_id == project_id)
            .order_by(TargetTable.revision.desc())
        ).first()
        return revise.id, user.login, table.status


def test_the_audit_log_shows_the_deployment_and_a_verified_chain(world_page: Page, world) -> None:
    page = world_page
    log_in(page, world["performance"].login, PASSWORD)
    page.goto("/audit")
    expect(page.locator("[data-chain=ok]")).to_contain_text(
        "签名哈希链（HMAC，密钥保存在数据库之外）校验通过"
    )
    page.locator("select[name=action]").select_option("definition.deploy")
    page.get_by_role("button", name="筛选").click()
    expect(page).to_have_url(re.compile(r"action=definition\.deploy"))
    rows = page.locator("table.audit tbody tr")
    expect(rows.first).to_contain_text("definition.deploy")
    screenshot(page, "audit")

    page.get_by_role("link", name="流程异常").click()
    expect(page.get_by_role("heading", name="流程异常")).to_be_visible()
