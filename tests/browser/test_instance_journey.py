"""Where a project's instance is, in a real browser: the project page draws the budget cycle with
bpmn-js, marks the call activity the token is in and the path taken, and drills into the
subprocess where the unit's task waits."""

from __future__ import annotations

from playwright.sync_api import Page, expect
from sqlalchemy import select

from engine.db import create_db_engine, session_factory
from engine.models import HumanTask, Project
from tests.browser.support import log_in, screenshot
from tests.support.world import PASSWORD


def _waiting_project(world_server, unit_org_id: int) -> tuple[int, str, str]:
    """A project of the unit whose cycle waits at a ready task: (id, element, called process)."""
    engine = create_db_engine(world_server.app.config["DATABASE_URL"])
    try:
        with session_factory(engine)() as session:
            project_id, element, process = session.execute(
                select(Project.id, HumanTask.element_id, HumanTask.process_key)
                .join(HumanTask, HumanTask.business_key == "cycle:" + Project.code)
                .where(HumanTask.status == "ready", Project.unit_id == unit_org_id)
                .order_by(Project.id, HumanTask.id)
                .limit(1)
            ).one()
            return project_id, element, process
    finally:
        engine.dispose()


def _shape(page: Page, element_id: str):
    return page.locator(f'#instance-canvas .djs-element[data-element-id="{element_id}"]')


def test_the_project_page_marks_where_the_instance_is(
    world_page: Page, world, world_server
) -> None:
    page = world_page
    project_id, element, process = _waiting_project(world_server, world["unit"].org_id)
    log_in(page, world["unit"].login, PASSWORD)
    page.goto(f"/projects/{project_id}")
    view = page.locator("#instance-view")
    expect(view).to_have_attribute("data-state", "ready")
    expect(view).to_have_attribute("data-shown", "budget_cycle")
    expect(page.locator(".instance-version")).to_contain_text("budget_cycle")

    # The top level: the start event is done, the flow to the stage taken, the stage active.
    expect(_shape(page, "StartEvent_Cycle")).to_have_class(
        "djs-element djs-shape instance-completed"
    )
    active = page.locator("#instance-canvas .djs-element.instance-active")
    expect(active.first).to_be_visible()
    expect(page.locator("#instance-canvas .djs-connection.instance-taken").first).to_be_attached()
    stage = active.first.get_attribute("data-element-id")
    assert stage and stage.startswith("Call_")
    expect(_shape(page, stage)).to_have_class(
        "djs-element djs-shape instance-active instance-drill"
    )
    screenshot(page, "instance-top")

    # Drill into the stage by clicking it, down to the diagram where the task waits.
    _shape(page, stage).click()
    expect(view).not_to_have_attribute("data-shown", "budget_cycle")
    for _ in range(3):
        if view.get_attribute("data-shown") == process:
            break
        drill = page.locator("#instance-canvas .djs-element.instance-active.instance-drill")
        if drill.count() == 0:
            break
        drill.first.click()
        expect(view).to_have_attribute("data-state", "ready")
    expect(view).to_have_attribute("data-shown", process)
    expect(_shape(page, element)).to_have_class(
        "djs-element djs-shape instance-active", timeout=5000
    )
    expect(page.locator("nav.instance-diagrams button[aria-current]")).to_contain_text("进行中")
    # The history names the waiting step.
    expect(page.locator("table.instance-history tr.ready")).to_have_count(1)
    page.locator("#instance-view").scroll_into_view_if_needed()
    screenshot(page, "instance-subprocess")

    # The stack's buttons switch back to the top level.
    page.locator("button[data-diagram='0']").click()
    expect(view).to_have_attribute("data-shown", "budget_cycle")
