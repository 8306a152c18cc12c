"""Working calendars in a real browser: the performance division reads the national calendar,
enters next year's from the State Council's notice — a mistake first, named where it is —
and sees it counted."""

from __future__ import annotations

import json

from playwright.sync_api import Page, expect

from tests.browser.support import log_in, screenshot
from tests.support.world import PASSWORD


def test_the_performance_division_enters_next_years_calendar(
    world_page: Page, world, page_guard_world
) -> None:
    page = world_page
    # Invalid input is answered 422 on purpose; Chromium logs such a page load as an error.
    page_guard_world.allow_console_error(r"status of 422")
    log_in(page, world["performance"].login, PASSWORD)

    page.get_by_role("banner").get_by_role("link", name="工作日历").click()
    expect(page.locator("h1")).to_have_text("工作日历")
    page.get_by_role("link", name="2026", exact=True).click()
    expect(page.locator(".cal-year h2")).to_contain_text("2026 年工作日历（全国）")
    national_day = page.locator('td[data-date="2026-10-01"]')
    expect(national_day).to_have_class("cal-day holiday")
    expect(national_day).to_have_attribute("title", "国庆节")
    expect(page.locator('td[data-date="2026-10-10"]')).to_contain_text("班")
    expect(page.locator(".cal-holidays")).to_contain_text("春节")
    screenshot(page, "calendar-2026")

    # The evaluation season runs into 2027, which has no calendar yet: the page says so.
    missing = page.locator(".cal-missing").filter(has_text="2027")
    expect(missing).to_contain_text("只跳过周末")
    missing.get_by_role("link", name="录入 2027 年日历").click()
    expect(page.locator(".cal-year")).to_contain_text("2027 年尚无工作日历")
    editor = page.locator("textarea[name=body]")
    body = json.loads(editor.input_value())
    assert body["year"] == 2027

    # A mistake first: New Year's adjusted working day typed on a Monday.
    body["source"] = "按国务院办公厅通知录入"
    body["holidays"] = [
        {"name": "元旦", "from": "2027-01-01", "to": "2027-01-03"},
        {"name": "春节", "from": "2027-02-05", "to": "2027-02-12"},
    ]
    body["workdays"] = [{"date": "2027-01-04", "for": "元旦"}]
    editor.fill(json.dumps(body, ensure_ascii=False, indent=2))
    page.get_by_role("button", name="保存为新版本").click()
    problems = page.locator(".cal-problems")
    expect(problems).to_contain_text("workdays[0].date")
    expect(problems).to_contain_text("2027-01-04 本是工作日（周一至周五）")
    problems.scroll_into_view_if_needed()
    screenshot(page, "calendar-mistake")

    # Mended: the Saturday after the Spring Festival break is worked.
    body["workdays"] = [{"date": "2027-02-20", "for": "春节"}]
    page.locator("textarea[name=body]").fill(json.dumps(body, ensure_ascii=False, indent=2))
    page.get_by_role("button", name="保存为新版本").click()
    expect(page.locator("p.notice[role=status]").first).to_contain_text(
        "已保存 2027 年工作日历第 1 版"
    )
    expect(page.locator('td[data-date="2027-02-08"]')).to_have_class("cal-day holiday")
    expect(page.locator('td[data-date="2027-02-20"]')).to_have_class("cal-day workday")
    expect(page.locator(".cal-missing").filter(has_text="2027")).to_have_count(0)
    screenshot(page, "calendar-2027")

    # In English the years' table is wider (Holiday days, Worked weekends): its column widens
    # with it rather than letting the last column run under the month grids, out of sight.
    page.goto("/calendars?year=2026&lang=en")
    card = page.locator(".cal-years").bounding_box()
    table = page.locator(".cal-years table").bounding_box()
    assert table["x"] + table["width"] <= card["x"] + card["width"], (table, card)
    expect(page.locator(".cal-years th").last).to_have_text("Worked weekends")
    screenshot(page, "calendar-2026-en")
