"""Result application in a real browser: a finance officer simulates a rule change and
confirms a funding decision; the public reads a disclosed grade without logging in."""

from __future__ import annotations

import json

from playwright.sync_api import Page, expect

from tests.browser.support import log_in, screenshot
from tests.support.world import PASSWORD, YEAR


def _rule(body: dict, name: str) -> dict:
    return next(rule for rule in body["rules"] if rule["name"] == name)


def test_a_finance_officer_simulates_a_rule_change_and_confirms_decisions(
    world_page: Page, world, page_guard_world
) -> None:
    page = world_page
    # Invalid input is answered 422 on purpose; Chromium logs such a page load as an error.
    page_guard_world.allow_console_error(r"status of 422")
    log_in(page, world["finance"].login, PASSWORD)

    # The rule set, read aloud, with a copy to edit.
    page.get_by_role("banner").get_by_role("link", name="结果应用规则").click()
    expect(page.locator("h1")).to_have_text("结果应用规则")
    expect(page.locator(".rs-rules")).to_contain_text("grade_c")
    expect(page.locator(".rs-rules")).to_contain_text("评价等级 = C")
    editor = page.locator("textarea[name=body]")
    body = json.loads(editor.input_value())

    # A mistake first: the page names the rule and the field, and keeps the text.
    _rule(body, "grade_b")["when"]["all"][0]["grade"] = "E"
    editor.fill(json.dumps(body, ensure_ascii=False, indent=2))
    page.get_by_role("button", name="模拟").click()
    problems = page.locator(".rs-problems")
    expect(problems).to_contain_text("grade_b")
    expect(problems).to_contain_text("rules[")
    assert '"E"' in page.locator("textarea[name=body]").input_value()

    # Then the change meant: grade B is cut by 5 % instead of maintained.
    _rule(body, "grade_b")["when"]["all"][0]["grade"] = "B"
    _rule(body, "grade_b")["then"] = {"decide": {"kind": "cut", "factor": 0.95}}
    page.locator("textarea[name=body]").fill(json.dumps(body, ensure_ascii=False, indent=2))
    page.get_by_role("button", name="模拟").click()
    whatif = page.locator(".rs-whatif")
    expect(whatif).to_contain_text("模拟结果")
    expect(whatif.locator(".rs-changes tbody tr").first).to_contain_text("核减")
    expect(whatif.locator(".rs-total")).to_contain_text("-")
    # Finance simulates but does not store versions.
    expect(page.get_by_role("button", name="另存为新版本")).to_have_count(0)
    whatif.scroll_into_view_if_needed()
    screenshot(page, "results-simulate")

    # The finance desk confirms the decision that waits for it.
    page.goto("/funding-decisions")
    card = page.locator("article.decision-card").filter(has_text=world.pending_decision)
    expect(card).to_have_count(1)
    expect(card.locator(".decision-facts")).to_contain_text("依据规则")
    # An override without a reason is refused, at the form.
    card.locator("input[name=override_factor]").fill("0.8")
    card.get_by_role("button", name="调整系数").click()
    expect(page.locator("[role=alert]").first).to_contain_text("调整理由")
    card = page.locator("article.decision-card").filter(has_text=world.pending_decision)
    screenshot(page, "results-decisions")
    card.get_by_role("button", name="确认", exact=True).click()
    expect(page.locator("p.notice[role=status]")).to_contain_text("已确认")
    expect(
        page.locator("article.decision-card").filter(has_text=world.pending_decision)
    ).to_have_count(0)

    # The allocation report shows next year's money, by department then by project.
    page.get_by_role("banner").get_by_role("link", name="资金安排").click()
    expect(page.locator("h1")).to_contain_text("→")
    # Last year's results, applied to this year's money: 2026 → 2027.
    page.locator("input[name=year]").fill(str(YEAR))
    page.get_by_role("button", name="筛选").click()
    expect(page.locator("h1")).to_contain_text(f"{YEAR} 年 → {YEAR + 1} 年")
    page.locator(".alloc-summary tbody a").first.click()
    expect(page.locator(".alloc-projects tbody tr").first).to_be_visible()
    # The rules behind each decision, by their labels (the identifier as the title).
    expect(page.locator(".alloc-projects")).to_contain_text("评价为")
    expect(page.locator(".alloc-projects span[title^='grade_']").first).to_be_visible()
    screenshot(page, "results-allocations")


def test_the_public_page_shows_a_disclosed_grade(world_page: Page) -> None:
    page = world_page
    page.goto("/disclosure")
    expect(page.locator("h1")).to_have_text("绩效信息公开")
    expect(page.get_by_role("banner")).to_contain_text("登录")  # nobody is logged in
    first = page.locator("article.disclosed").first
    expect(first.locator(".disc-grade-letter")).to_have_text("A")
    first.locator("summary").click()
    expect(first.locator("table tbody tr").first).to_be_visible()
    department = page.locator("select[name=department_id] option").nth(1)
    page.locator("select[name=department_id]").select_option(department.get_attribute("value"))
    page.get_by_role("button", name="筛选").click()
    expect(page.locator("article.disclosed").first).to_contain_text(department.inner_text())
    screenshot(page, "results-disclosure")


def _weak_projects(world_server, world, count: int) -> list[tuple[str, int]]:
    """Projects of the finance desk's departments, still filing, not livelihood items, not the
    one the lived-in year already drove: [(code, year)]."""
    from sqlalchemy import select

    from engine.db import session_factory
    from engine.models import FiscalYear, HumanTask, Organisation, Project

    sessions = session_factory(world_server.app.extensions["budgetloop.engine"])
    with sessions() as session:
        departments = select(Organisation.id).where(
            Organisation.finance_desk_id == world["finance"].org_id
        )
        units = select(Organisation.id).where(Organisation.parent_id.in_(departments))
        rows = session.execute(
            select(Project.code, FiscalYear.year)
            .join(FiscalYear, FiscalYear.id == Project.fiscal_year_id)
            .join(HumanTask, HumanTask.business_key == "cycle:" + Project.code)
            .where(
                Project.unit_id.in_(units),
                Project.code != world.pending_decision,
                Project.is_livelihood_exempt.is_(False),
                HumanTask.status == "ready",
                HumanTask.form == "target_table",
            )
            .order_by(Project.id.desc())
            .limit(count)
        ).all()
    assert len(rows) == count
    return [(code, year) for code, year in rows]


def test_a_cut_asks_once_more_and_the_desk_confirms_a_filtered_batch(
    world_page: Page, world, world_server
) -> None:
    from tests.support.drive import drive_to_form

    # Two projects far below target reach their funding decisions: cuts for the desk.
    weak = _weak_projects(world_server, world, 2)
    for code, year in weak:
        drive_to_form(
            world_server.app.extensions["budgetloop.engine"],
            code,
            "decision_confirmation",
            year,
            performance=lambda _: 0.35,
        )
    page = world_page
    log_in(page, world["finance"].login, PASSWORD)
    page.goto("/funding-decisions")

    # One cut, confirmed on its card: the page asks once more before anything happens.
    first = page.locator("article.decision-card").filter(has_text=weak[0][0])
    expect(first.locator(".decision-facts")).to_contain_text("下年度安排（元）")
    first.get_by_role("button", name="确认", exact=True).click()
    expect(page.locator("h1")).to_have_text("请再次确认")
    expect(page.locator("table.decision-again")).to_contain_text(weak[0][0])
    screenshot(page, "results-confirm-again")
    page.get_by_role("link", name="返回，暂不确认").click()
    expect(page.locator("article.decision-card").filter(has_text=weak[0][0])).to_have_count(1)
    page.locator("article.decision-card").filter(has_text=weak[0][0]).get_by_role(
        "button", name="确认", exact=True
    ).click()
    page.get_by_role("button", name="确认这 1 项").click()
    expect(page.locator("p.notice[role=status]")).to_contain_text("已确认")
    expect(page.locator("article.decision-card").filter(has_text=weak[0][0])).to_have_count(0)

    # The other, in a batch: filter by its department, confirm all shown, confirm once more.
    card = page.locator("article.decision-card").filter(has_text=weak[1][0])
    department = card.locator("h2 .muted").inner_text().split(" · ")[2]
    page.locator("select[name=department_id]").select_option(label=department)
    page.get_by_role("button", name="筛选").click()
    cards = page.locator("article.decision-card")
    shown = cards.count()
    assert shown >= 1
    expect(page.locator("form.decision-batch-form")).to_contain_text(f"{shown} 项")
    screenshot(page, "results-batch-filtered")
    page.get_by_role("button", name=f"确认本页全部 {shown} 项").click()
    expect(page.locator("h1")).to_have_text("请再次确认")
    page.get_by_role("button", name=f"确认这 {shown} 项").click()
    expect(page.locator("h1")).to_have_text("批量确认结果")
    expect(page.locator("tr.batch-item.confirmed")).to_have_count(shown)
    expect(page.locator("table.decision-batch")).to_contain_text(weak[1][0])
    screenshot(page, "results-batch-done")
    page.get_by_role("link", name="返回资金安排确认").click()
    expect(page.locator("article.decision-card")).to_have_count(0)
