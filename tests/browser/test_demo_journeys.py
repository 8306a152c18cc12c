"""Every role on the demo as `make demo` leaves it (a smaller province, the same code).

- Each printed login lands on its inbox with work in it, and a crawl of every page reachable
  from there finds no number in scientific notation, no sentence in English on the Chinese
  interface and no error status for a link the pages offered.
- The unit saves a self-evaluation as a draft (暂存), attaches evidence and downloads it, and
  sees where its project's instance is (the bpmn-js view).
- The department bulk-reviews (批量审核) and finds the items under 已办.
- The performance division returns a document at the review step added to the shipped flow
  (预算绩效管理处复核, deployed as configuration): it goes back to the unit.
- The supervisor follows up the open red alerts from the inbox and acknowledges one.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from engine.db import create_db_engine, session_factory, unit_of_work
from engine.demo.logins import DEMO_PASSWORD, grant_demo_passwords, logins_with_work
from engine.models import HumanTask, Project, User
from tests.browser.conftest import TIMEOUT_MS
from tests.browser.support import LiveServer, PageGuard, screenshot
from tests.browser.support import log_in as sign_in
from tests.support.reading import SCIENTIFIC, english_sentences
from web import create_app

ROLES = ("unit", "department", "finance", "performance", "evaluator", "supervisor")
# Pages of one shape (ids replaced) visited per role: enough to meet every template with real
# data, bounded so that a role with thousands of links still crawls in seconds.
PER_SHAPE = 2
PAGES_PER_ROLE = 60
# Links a crawl does not follow: leaving, downloads, the API and the machine-readable pages.
NOT_PAGES = re.compile(
    r"/logout|/api/|/healthz|/excel|/download|/export|/attachments/\d+$|[?&]lang=|\.xlsx(\?|$)"
)


def test_sentence_detector():
    assert english_sentences("due in ten working days\n监控报告") == ["due in ten working days"]
    assert english_sentences("2026-03-20 12:00\nunit.304005\nExcel 导出\n1,234.56 万元") == []
    assert english_sentences("grade_a, grade_a_top_department")
    assert SCIENTIFIC.findall("= 1E+2 %  3E+5 2e-3") == ["1E+2", "3E+5", "2e-3"]
    assert SCIENTIFIC.findall("sha 9f4e4c1 a1e7 2026-12-06") == []


@pytest.fixture(scope="module")
def demo_server(sqlite_demo_province) -> Iterator[tuple[LiveServer, dict[str, str]]]:
    """The demo province as `budgetloop demo` leaves it (smaller), served on a free port."""
    # A copy of run_province_demo(year=2026, projects=60, seed=3, units=64) (run once).
    url = sqlite_demo_province.fresh()
    engine = create_db_engine(url)
    sessions = session_factory(engine)
    with unit_of_work(sessions) as session:
        grant_demo_passwords(session)
        logins = logins_with_work(session)
    engine.dispose()
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "browser-test", "TESTING": True})
    server = LiveServer(app).start()
    yield server, logins
    server.stop()
    app.extensions["budgetloop.engine"].dispose()


@pytest.fixture
def demo_page(new_context, demo_server) -> Iterator[Page]:
    server, _logins = demo_server
    guard = PageGuard(server.origin)
    context = new_context(base_url=server.url)
    context.set_default_timeout(TIMEOUT_MS)
    context.set_default_navigation_timeout(TIMEOUT_MS)
    guard.attach(context)
    yield context.new_page()
    guard.check()


def log_in(page: Page, login: str) -> None:
    sign_in(page, login, DEMO_PASSWORD)


def crawl(page: Page, start: str) -> dict[str, list[str]]:
    """Visit every page reachable from `start` (PER_SHAPE per shape); return the problems."""
    problems: dict[str, list[str]] = {}
    queue, seen, shapes = [start], set(), {}
    while queue and len(seen) < PAGES_PER_ROLE:
        path = queue.pop(0)
        if path in seen:
            continue
        seen.add(path)
        response = page.goto(path)
        found = []
        if response is not None and response.status >= 400:
            found.append(f"status {response.status}")
        body = page.inner_text("body")
        found += [f"scientific notation {m!r}" for m in SCIENTIFIC.findall(body)]
        found += [f"English: {line[:120]!r}" for line in english_sentences(body)]
        if found:
            problems[path] = found
        hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))")
        for href in hrefs:
            if not href or href.startswith(("#", "mailto:", "javascript:")):
                continue
            parts = urlsplit(href)
            if parts.netloc:
                continue
            link = parts.path + (f"?{parts.query}" if parts.query else "")
            if NOT_PAGES.search(link) or link in seen or link in queue:
                continue
            shape = re.sub(r"\d+", "N", parts.path)
            if shapes.get(shape, 0) >= PER_SHAPE:
                continue
            shapes[shape] = shapes.get(shape, 0) + 1
            queue.append(link)
    assert len(seen) > 3, f"crawled only {sorted(seen)}"
    return problems


@pytest.mark.parametrize("role", ROLES)
def test_every_role_lands_on_work_and_every_page_reads_in_chinese(demo_page, demo_server, role):
    _server, logins = demo_server
    assert role in logins, f"the demo prints no {role} login with work: {logins}"
    page = demo_page
    log_in(page, logins[role])
    assert urlsplit(page.url).path == "/inbox"
    assert page.locator("table tbody tr, .work-item").count() > 0, "the inbox is empty"
    screenshot(page, f"demo-{role}-inbox")
    problems = crawl(page, "/inbox")
    assert not problems, "\n".join(
        f"{path}: {'; '.join(found)}" for path, found in sorted(problems.items())
    )


PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def _ready(server: LiveServer, **where) -> list[HumanTask]:
    with server.app.extensions["budgetloop.sessions"]() as session:
        query = select(HumanTask).where(HumanTask.status == "ready")
        for name, value in where.items():
            query = query.where(getattr(HumanTask, name) == value)
        return list(session.scalars(query.order_by(HumanTask.id)))


def _user(server: LiveServer, login: str) -> User:
    with server.app.extensions["budgetloop.sessions"]() as session:
        return session.scalars(select(User).where(User.login == login)).one()


def _owner(server: LiveServer, task: HumanTask) -> User:
    """The first user of the task's role in its organisation, as the simulation picks."""
    with server.app.extensions["budgetloop.sessions"]() as session:
        query = select(User).where(User.role == task.role, User.organisation_id == task.org_id)
        return session.scalars(query.order_by(User.id)).first()


def _project_id(server: LiveServer, business_key: str) -> int:
    with server.app.extensions["budgetloop.sessions"]() as session:
        code = business_key.split(":", 1)[1]
        return session.scalar(select(Project.id).where(Project.code == code))


def test_the_unit_drafts_its_self_evaluation_attaches_evidence_and_sees_its_instance(
    demo_page, demo_server, tmp_path
):
    server, _logins = demo_server
    [task, *_] = _ready(server, form="self_evaluation")
    page = demo_page
    log_in(page, _owner(server, task).login)
    page.goto(f"/tasks/{task.id}")
    page.locator("input[name=executed]").fill("12345.6")
    page.get_by_role("button", name="暂存").click()
    page.wait_for_load_state()
    expect(page.get_by_text("已暂存（第 1 版）")).to_be_visible()
    page.goto("/inbox")
    page.goto(f"/tasks/{task.id}")
    expect(page.locator("input[name=executed]")).to_have_value("12345.6")
    evidence = tmp_path / "自评佐证.pdf"
    evidence.write_bytes(PDF)
    page.locator("input[type=file][name=file]").set_input_files(evidence)
    page.get_by_role("button", name="上传").click()
    page.wait_for_load_state()
    link = page.get_by_role("link", name="自评佐证.pdf")
    expect(link).to_be_visible()
    with page.expect_download() as download:
        link.click()
    assert Path(download.value.path()).read_bytes() == PDF
    screenshot(page, "demo-unit-self-evaluation-draft")
    # Where the project's instance is: the cycle with its evaluation stage active.
    page.goto(f"/projects/{_project_id(server, task.business_key)}")
    view = page.locator("#instance-view")
    expect(view).to_have_attribute("data-state", "ready")
    expect(page.locator("#instance-canvas .djs-element.instance-active").first).to_be_visible()
    expect(page.locator("table.instance-history tr.ready")).not_to_have_count(0)
    screenshot(page, "demo-unit-instance")


def test_the_department_bulk_reviews_and_finds_them_done(demo_page, demo_server):
    server, logins = demo_server
    department = _user(server, logins["department"])
    waiting = _ready(server, form="review", role="department", org_id=department.organisation_id)
    assert len(waiting) >= 2, "the demo leaves the department reviews to do"
    page = demo_page
    log_in(page, department.login)
    page.locator("input[data-select-all=task]").check()
    ticked = page.locator("input[name=task]:checked").count()
    assert ticked >= 2
    page.locator("#bulk-review input[name=outcome][value=approve]").check()
    page.get_by_role("button", name="批量办理所选事项").click()
    page.wait_for_load_state()
    expect(page.locator("tr[data-status=approved]")).to_have_count(ticked)
    screenshot(page, "demo-department-bulk-review")
    page.goto("/inbox/done")
    expect(page.locator("table tbody tr")).not_to_have_count(0)
    screenshot(page, "demo-department-done")


def test_a_return_at_the_added_performance_step_goes_back_to_the_unit(
    demo_page, demo_server, new_context
):
    server, logins = demo_server
    [task, *_] = _ready(server, form="review", role="performance")
    assert task.process_key == "review__self_evaluation"
    page = demo_page
    log_in(page, logins["performance"])
    page.goto(f"/tasks/{task.id}")
    expect(page.locator(".review-document")).to_be_visible()
    page.locator("input[name=outcome][value=return]").check()
    page.locator("textarea[name=comment]").fill("偏差原因分析不充分，请补充说明后重新报送")
    page.get_by_role("button", name="提交").click()
    page.wait_for_load_state()
    assert urlsplit(page.url).path == "/inbox"
    [revise] = _ready(server, form="revise", instance_id=task.instance_id)
    assert revise.role == "unit"
    unit_page = new_context(base_url=server.url).new_page()
    log_in(unit_page, _owner(server, revise).login)
    expect(unit_page.locator(f"a[href='/tasks/{revise.id}']")).to_be_visible()
    screenshot(unit_page, "demo-unit-returned-by-performance")
    unit_page.context.close()


def test_the_supervisor_follows_up_a_red_alert_from_the_inbox(demo_page, demo_server):
    _server, logins = demo_server
    page = demo_page
    log_in(page, logins["supervisor"])
    expect(page.get_by_role("heading", name=re.compile("待督办预警"))).to_be_visible()
    page.get_by_role("link", name="在监督看板中逐条确认").click()
    page.wait_for_load_state()
    row = page.locator("tr[data-status=open]").filter(has=page.get_by_role("button")).first
    alert_id = row.get_attribute("id").removeprefix("alert-")
    row.get_by_role("button", name="确认知悉").click()
    expect(page.locator(f"#alert-{alert_id}")).to_have_attribute("data-status", "acknowledged")
    screenshot(page, "demo-supervisor-acknowledged")


def test_the_third_party_scores_its_evaluation(demo_page, demo_server):
    server, logins = demo_server
    evaluator = _user(server, logins["evaluator"])
    [task, *_] = _ready(server, role="evaluator", org_id=evaluator.organisation_id)
    page = demo_page
    log_in(page, evaluator.login)
    expect(page.locator(f"a[href='/tasks/{task.id}']")).to_be_visible()
    page.goto(f"/tasks/{task.id}")
    weights = page.locator("td.num:nth-child(2)").all_inner_texts()
    inputs = page.locator("input[name^='items-']")
    assert inputs.count() == len(weights) >= 3
    for index in range(inputs.count()):
        # Nine tenths of each item's points, as the third party judged it.
        inputs.nth(index).fill(str(round(float(weights[index]) * 0.9, 2)))
    page.locator("textarea[name=findings]").fill("部分绩效指标未细化量化")
    expect(page.locator("#score-total")).to_contain_text("90")
    screenshot(page, "demo-evaluator-scoring")
    page.get_by_role("button", name="提交").click()
    page.wait_for_load_state()
    assert urlsplit(page.url).path == "/inbox"
    with server.app.extensions["budgetloop.sessions"]() as session:
        assert session.get(HumanTask, task.id).status == "completed"


def test_the_finance_desk_bulk_approves_its_reviews_and_prints_a_declaration(
    demo_page, demo_server
):
    server, logins = demo_server
    finance = _user(server, logins["finance"])
    assert _ready(server, form="review", role="finance", org_id=finance.organisation_id)
    page = demo_page
    log_in(page, finance.login)
    page.locator("input[data-select-all=task]").check()
    ticked = page.locator("input[name=task]:checked").count()
    page.locator("#bulk-review input[name=outcome][value=approve]").check()
    page.get_by_role("button", name="批量办理所选事项").click()
    page.wait_for_load_state()
    expect(page.locator("tr[data-status=approved]")).to_have_count(ticked)
    # A project's target table printed as the 申报表.
    page.goto("/projects")
    page.locator("table a[href^='/projects/']").first.click()
    page.wait_for_load_state()
    page.locator("a[href^='/target-tables/']").first.click()
    page.wait_for_load_state()
    page.get_by_role("link", name="打印申报表").click()
    page.wait_for_load_state()
    expect(page.locator("body")).to_contain_text("项目支出绩效目标申报表")
    screenshot(page, "demo-finance-declaration")
