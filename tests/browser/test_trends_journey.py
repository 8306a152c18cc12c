"""Trends across the years in a real browser: a supervisor compares the departments of two
years on the dashboard, opens one department's years, then a continuing project's."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.support import log_in, screenshot
from tests.support.world import PASSWORD

# The chart on the canvas exists, holds the values given, and painted something.
TREND_DRAWN = """(selector) => {
  const canvas = document.querySelector(selector);
  const chart = Chart.getChart(canvas);
  const data = chart ? chart.data.datasets.flatMap((set) => set.data) : [];
  const values = data.filter((v) => v !== null);
  const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
  let painted = 0;
  for (let i = 3; i < pixels.length; i += 4) if (pixels[i] > 0) painted++;
  return {datasets: chart ? chart.data.datasets.length : 0, values: values.length, painted};
}"""

# The page's scripts load after its table shows: wait until Chart.js has drawn on the canvas.
CHART_READY = """(selector) => window.Chart !== undefined
  && Chart.getChart(document.querySelector(selector)) !== undefined"""


def _drawn(page: Page, selector: str) -> dict:
    page.wait_for_function(CHART_READY, arg=selector)
    return page.evaluate(TREND_DRAWN, selector)


def test_a_supervisor_follows_departments_and_a_project_across_the_years(
    world_page: Page, world
) -> None:
    page = world_page
    log_in(page, world["supervisor"].login, PASSWORD)
    page.goto("/dashboard?year=2027")
    section = page.locator("#year-on-year")
    expect(section.locator("h2")).to_have_text("各部门同比：2026 年与 2027 年")
    drawn = _drawn(page, "#chart-year-on-year")
    assert drawn["datasets"] == 2 and drawn["values"] > 0 and drawn["painted"] > 0, drawn
    section.scroll_into_view_if_needed()
    screenshot(page, "trends-dashboard")

    # One department's years: the table and its chart.
    section.locator("tbody tr a").first.click()
    expect(page.locator("h1")).to_contain_text("历年情况")
    years = page.locator("table.trend-years tbody tr")
    expect(years).to_have_count(2)
    expect(years.first).to_contain_text("2026")
    drawn = _drawn(page, "#org-trend-chart")
    assert drawn["datasets"] == 3 and drawn["painted"] > 0, drawn
    screenshot(page, "trends-department")

    # A continuing project: this year's row marked, last year's a link to last year's page.
    page.goto("/projects?year=2027")
    page.locator("table tbody tr a").first.click()
    trend = page.locator("#trend")
    expect(trend.locator("h2")).to_have_text("历年情况")
    rows = trend.locator("tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(1)).to_have_attribute("aria-current", "true")
    trend.scroll_into_view_if_needed()
    screenshot(page, "trends-project")
    rows.first.get_by_role("link", name="2026").click()
    expect(page.locator("#trend tbody tr").first).to_have_attribute("aria-current", "true")
