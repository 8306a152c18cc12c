"""The home page in a real browser: Chinese by default, English from the header switch."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.browser.support import screenshot

NAME_ZH = "预算绩效全过程管理"
NAME_EN = "Budget performance management"


def test_home_page_in_chinese_then_english(page: Page, live_server) -> None:
    page.goto("/")
    header = page.get_by_role("banner")
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(page).to_have_title(re.compile(NAME_ZH))
    expect(header).to_contain_text(NAME_ZH)
    assert screenshot(page, "home-zh").stat().st_size > 0

    header.get_by_role("link", name="English").click()
    expect(page).to_have_url(f"{live_server.url}/?lang=en")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page).to_have_title(re.compile(NAME_EN))
    expect(header).to_contain_text(NAME_EN)
    expect(page.get_by_text(NAME_ZH)).to_have_count(0)
    screenshot(page, "home-en")

    # The choice is remembered without the query string, and the switch leads back.
    page.goto("/")
    expect(header).to_contain_text(NAME_EN)
    header.get_by_role("link", name="中文").click()
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(header).to_contain_text(NAME_ZH)
