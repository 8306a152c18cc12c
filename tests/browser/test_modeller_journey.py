"""A performance officer edits the review flow in the modeller and deploys it as a new version."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.browser.support import log_in, screenshot
from tests.support.world import PASSWORD

FLOW = "Flow_ToFinanceReview"  # 主管部门审核 → (通过) → 财政业务处室审核


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


def test_performance_officer_edits_validates_and_deploys_the_review_flow(
    world_page: Page, world
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

    # Add a review step on the approving flow between the department and the finance desk.
    # A straight flow's box has no height, which Playwright calls invisible: click its middle.
    box = page.locator(f'.djs-element[data-element-id="{FLOW}"]').bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    expect(page.locator("#element-id")).to_have_text(FLOW)
    page.get_by_role("button", name="在所选连线上添加审核环节").click()
    step_id = page.locator("#element-id").inner_text()
    assert step_id.startswith("Activity_") and step_id != FLOW
    expect(page.locator("#element-type")).to_have_text("UserTask")

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


def test_the_audit_log_shows_the_deployment_and_a_verified_chain(world_page: Page, world) -> None:
    page = world_page
    log_in(page, world["performance"].login, PASSWORD)
    page.goto("/audit")
    expect(page.locator("[data-chain=ok]")).to_contain_text("哈希链校验通过")
    page.locator("select[name=action]").select_option("definition.deploy")
    page.get_by_role("button", name="筛选").click()
    expect(page).to_have_url(re.compile(r"action=definition\.deploy"))
    rows = page.locator("table.audit tbody tr")
    expect(rows.first).to_contain_text("definition.deploy")
    screenshot(page, "audit")

    page.get_by_role("link", name="流程异常").click()
    expect(page.get_by_role("heading", name="流程异常")).to_be_visible()
