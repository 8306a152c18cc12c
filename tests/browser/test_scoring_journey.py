"""A unit fills in its self-evaluation: each row's score, the total and the grade appear as it
types, a row below full points asks for its reason, and the form submits once it has them."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.support import log_in, screenshot
from tests.support.world import PASSWORD
from tests.web.evaluation_support import ready, start_self_evaluation


def test_a_unit_scores_its_self_evaluation_live(world_server, world, world_page):
    page = world_page
    project = start_self_evaluation(world_server.app, world["unit"].org_id)
    task = ready(world_server.app, form="self_evaluation", org_id=world["unit"].org_id)[-1]
    budget = project.approved_amount or project.requested_amount
    log_in(page, world["unit"].login, PASSWORD)
    page.goto(f"/tasks/{task.id}")
    page.locator("input[name=executed]").fill(str(budget))
    expect(page.locator("#row-score-execution")).not_to_have_text("–")
    # Every numeric indicator exactly on target, every qualitative one fully achieved.
    for actual in page.locator("input[name$='-actual']").all():
        row = actual.locator("xpath=ancestor::tr")
        target = row.locator("td").nth(1).inner_text().split()[-1]
        actual.fill(target)
    for band in page.locator("select[name$='-band']").all():
        band.select_option("achieved")
        band.locator("xpath=ancestor::td").locator("input[name$='-band_pct']").fill("100")
    total = page.locator("#score-total")
    expect(total).to_contain_text(re.compile(r"\d+\.\d\d"))
    first = page.locator("input[name$='-actual']").first
    first.fill("0")
    expect(page.locator(".row-note").filter(has_text="偏差原因").first).to_be_visible()
    screenshot(page, "scoring-form-live")
    first.locator("xpath=ancestor::tr").locator("textarea").fill("受客观因素影响未完成")
    expect(total.locator(".score-problems")).to_have_count(0)
    page.locator("form.task-form button[type=submit]").click()
    page.wait_for_load_state()
    assert "/inbox" in page.url
    assert not ready(world_server.app, id=task.id)
