"""A supervisor's journey: filter the alerts to one department's red ones, acknowledge one, and
see who acknowledged it and when, in place; the charts are drawn from the same filters."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.browser.support import log_in, screenshot
from tests.support.world import PASSWORD

TABLE = "**/dashboard/alerts?*"

# Each chart exists, has bars with counts, and painted something on its canvas.
CHARTS_DRAWN = """() => [...document.querySelectorAll('canvas[data-chart]')].map((canvas) => {
  const chart = Chart.getChart(canvas);
  const counts = chart ? chart.data.datasets.flatMap((set) => set.data) : [];
  const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
  let painted = 0;
  for (let i = 3; i < pixels.length; i += 4) if (pixels[i] > 0) painted++;
  return {name: canvas.dataset.chart, width: canvas.width, bars: counts.reduce((a, b) => a + b, 0),
          painted};
})"""


def _filter(page: Page, action) -> None:
    """Change one filter and wait for htmx to swap in the new table."""
    with page.expect_response(TABLE) as response:
        action()
    assert response.value.ok
    page.wait_for_load_state("networkidle")


def _charts(page: Page) -> list[dict]:
    page.wait_for_load_state("networkidle")
    expect(page.locator("#alert-charts")).to_have_attribute("data-loaded", "true")
    return page.evaluate(CHARTS_DRAWN)


def test_supervisor_filters_red_alerts_of_a_department_and_acknowledges_one(
    world_page: Page, world
) -> None:
    page = world_page
    log_in(page, world["supervisor"].login, PASSWORD)
    page.get_by_role("navigation").get_by_role("link", name="监管看板").click()
    expect(page).to_have_url(re.compile(r"/dashboard$"))
    expect(page.get_by_role("heading", name="监管看板")).to_be_visible()
    charts = _charts(page)
    assert {chart["name"] for chart in charts} == {
        "over_time",
        "by_department",
        "by_functional_class",
    }
    assert all(c["width"] > 0 and c["bars"] > 0 and c["painted"] > 0 for c in charts), charts

    # Red only, the projects' overall alerts, then the department of the first one.
    _filter(page, lambda: page.locator("input[name=colour][value=yellow]").uncheck())
    _filter(page, lambda: page.locator("input[name=colour][value=blue]").uncheck())
    _filter(page, lambda: page.locator("select[name=kind]").select_option("project"))
    rows = page.locator("tr.alert-row")
    expect(rows.first).to_be_visible()
    assert set(rows.evaluate_all("rows => rows.map(r => r.classList[1])")) == {"red"}
    department = rows.first.locator("td").nth(3).inner_text().strip()
    _filter(
        page, lambda: page.locator("select[name=department_id]").select_option(label=department)
    )
    expect(page).to_have_url(re.compile(r"colour=red.*department_id=\d+"))
    for row in rows.all():
        expect(row.locator("td").nth(3)).to_have_text(department)

    # Acknowledge the first open one: the row changes in place, naming who and when.
    row = page.locator("tr.alert-row[data-status=open]").first
    alert_id = row.get_attribute("data-alert-id")
    with page.expect_response(f"**/dashboard/alerts/{alert_id}/acknowledge") as response:
        row.get_by_role("button", name="确认知悉").click()
    assert response.value.status == 200
    acknowledged = page.locator(f"#alert-{alert_id}")
    expect(acknowledged).to_have_attribute("data-status", "acknowledged")
    expect(acknowledged.locator(".status")).to_have_text("已知悉")
    expect(acknowledged.locator(".who")).to_have_text(
        re.compile(r".+ 于 \d{4}-\d\d-\d\d \d\d:\d\d 确认知悉")
    )
    expect(acknowledged.get_by_role("button")).to_have_count(0)
    screenshot(page, "dashboard-acknowledged")

    # The whole picture again (every colour that needs attention, every department): the
    # acknowledgement has stuck, and the charts follow the filters.
    _filter(page, lambda: page.locator("select[name=department_id]").select_option(""))
    _filter(page, lambda: page.locator("input[name=colour][value=yellow]").check())
    _filter(page, lambda: page.locator("input[name=colour][value=blue]").check())
    charts = _charts(page)
    assert all(c["bars"] > 0 and c["painted"] > 0 for c in charts), charts
    page.reload()
    expect(page.locator("input[name=colour][value=yellow]")).to_be_checked()
    acknowledged = page.locator(f"#alert-{alert_id}")
    if acknowledged.count():
        expect(acknowledged).to_have_attribute("data-status", "acknowledged")
    _charts(page)
    screenshot(page, "dashboard")
