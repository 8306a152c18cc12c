"""The 2021 indicator frame in a real browser: the performance division reads both frames,
switches next year to the 2021 frame with the region's own weights — a mistake first, named in
Chinese — and finds next year's draft tables with 成本指标 as a level-1 item."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.support import log_in, screenshot
from tests.support.world import PASSWORD


def test_the_performance_division_switches_next_year_to_the_2021_frame(
    world_page: Page, world, page_guard_world
) -> None:
    page = world_page
    # Invalid input is answered 422 on purpose; Chromium logs such a page load as an error.
    page_guard_world.allow_console_error(r"status of 422")
    log_in(page, world["performance"].login, PASSWORD)

    page.get_by_role("banner").get_by_role("link", name="指标框架").click()
    expect(page.locator("h1")).to_have_text("指标框架")
    new_frame = page.locator('section.frame[data-frame="cost_2021"]')
    expect(new_frame.locator('tr[data-item="cost"]')).to_contain_text("经济成本指标")
    expect(new_frame.locator('tr[data-item="cost"]')).to_contain_text("分值并入产出指标")
    next_year = page.locator('tr[data-region="990000"][data-year="2027"]')
    expect(next_year).to_have_attribute("data-frame", "default")
    expect(next_year).to_contain_text("未选择，使用默认")
    screenshot(page, "frames")

    # A mistake first: output beyond the range the frame allows.
    form = page.locator("form.frame-choice")
    form.locator("input[name=year]").fill("2027")
    form.get_by_label("项目支出绩效自评框架（2021年版，成本指标为一级指标）").check()
    form.locator("input[name='weight.output']").fill("70")
    form.get_by_role("button", name="保存选择").click()
    problem = page.locator('[role=alert] li[data-item="output"]')
    expect(problem).to_have_text("产出指标：70 分超出可设范围 20–60 分")
    expect(page.locator("input[name='weight.output']")).to_have_value("70")
    problem.scroll_into_view_if_needed()
    screenshot(page, "frames-mistake")

    # Mended: output 35, cost 15; next year's drafts move to the 2021 frame.
    page.locator("input[name='weight.output']").fill("35")
    page.locator("input[name='weight.cost']").fill("15")
    page.get_by_role("button", name="保存选择").click()
    notice = page.locator("p.notice[role=status]").first
    expect(notice).to_contain_text("990000 2027 年使用")
    expect(notice).to_contain_text("张草稿目标表")
    next_year = page.locator('tr[data-region="990000"][data-year="2027"]')
    expect(next_year).to_have_attribute("data-frame", "cost_2021")
    expect(next_year).to_contain_text("地区权重 第 1 版")
    expect(next_year).to_contain_text("成本指标 15")
    screenshot(page, "frames-chosen")

    # A draft of next year's on the new frame: the 申报表 groups cost as its own level 1.
    page.goto("/projects?year=2027")
    page.locator("table tbody tr a").first.click()
    page.get_by_role("link", name="查看绩效目标表").click()
    expect(page.locator(".frame-name")).to_have_text(
        "项目支出绩效自评框架（2021年版，成本指标为一级指标）"
    )
    # Each level-1 item weighs what the region set; where the table has no cost indicators,
    # the page says their 15 points go to output, and output then needs 50.
    groups = page.locator("tr.group")
    expect(groups.filter(has_text="成本指标")).to_be_visible()
    for group in groups.all():
        got, expected = group.locator("span").first.inner_text().removeprefix("分值 ").split(" / ")
        assert got == expected, group.inner_text()
    folded = page.locator(".folded")
    if folded.count():
        expect(folded).to_have_text("（未设该类指标，其 15 分并入产出指标）")
        expect(groups.first).to_contain_text("产出指标 分值 50 / 50")
    else:
        expect(groups.first).to_contain_text("/ 35")
    screenshot(page, "frames-table")
