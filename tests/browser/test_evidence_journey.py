"""A unit saves its monitoring report as a draft (暂存), comes back to it, attaches a PDF as
evidence (佐证材料), downloads it, and submits; its department then downloads the file too."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from pathlib import Path

from playwright.sync_api import expect
from sqlalchemy import select

from engine.composition import build_engine
from engine.db import session_factory
from engine.demo.simulation import Choices, Simulation, drive
from engine.models import Attachment, FiscalYear, HumanTask, Project, TaskDraft
from engine.workflow.clock import ManualClock
from tests.browser.support import log_in, screenshot
from tests.support.world import PASSWORD

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
NAME = "执行进度说明.pdf"


class _Held(Exception):
    """The monitoring report is ready: stop driving."""


class UntilReport(Simulation):
    """The demo's simulated people, who leave the monitoring report to the test."""

    def complete_one(self, sessions, task_id: int):
        with sessions() as session:
            task = session.get(HumanTask, task_id)
            if task is not None and task.form == "monitoring_report":
                raise _Held(task_id)
        return super().complete_one(sessions, task_id)


def _ready_report(app, unit_id: int) -> int:
    """Drive a project of the unit that is still filing until its monitoring report is ready."""
    sessions = app.extensions["budgetloop.sessions"]
    with sessions() as session:
        code, year = session.execute(
            select(Project.code, FiscalYear.year)
            .join(FiscalYear, FiscalYear.id == Project.fiscal_year_id)
            .join(HumanTask, HumanTask.business_key == "cycle:" + Project.code)
            .where(
                Project.unit_id == unit_id,
                HumanTask.status == "ready",
                HumanTask.form == "target_table",
            )
            .order_by(Project.id)
        ).first()
    clock = ManualClock(datetime(year, 1, 31, tzinfo=UTC))
    simulation = UntilReport(build_engine(clock), Choices(rng=random.Random(3), return_rate=0))
    try:
        drive(
            simulation,
            session_factory(app.extensions["budgetloop.engine"]),
            clock,
            until=datetime(year + 1, 6, 30, tzinfo=UTC),
            scope=f"cycle:{code}",
        )
    except _Held as held:
        return held.args[0]
    raise AssertionError(f"{code} never reached its monitoring report")


def test_a_unit_drafts_attaches_and_submits_its_report(
    world_server, world, world_page, new_context, tmp_path
):
    page = world_page
    task_id = _ready_report(world_server.app, world["unit"].org_id)
    log_in(page, world["unit"].login, PASSWORD)
    page.goto(f"/tasks/{task_id}")
    expect(page.get_by_text("暂无佐证材料")).to_be_visible()

    # 暂存: half the report typed, saved, nothing submitted.
    page.locator("input[name=executed_to_date]").fill("1000.5")
    first_note = page.locator("input[name^='note-']").first
    first_note.fill("设备到货延迟，预计九月完成安装")
    page.get_by_role("button", name="暂存").click()
    page.wait_for_load_state()
    expect(page.get_by_text("已暂存（第 1 版）")).to_be_visible()

    # Reopened from the inbox later: the draft is what the form shows.
    page.goto("/inbox")
    page.goto(f"/tasks/{task_id}")
    expect(page.locator("input[name=executed_to_date]")).to_have_value("1000.5")
    expect(page.locator("input[name^='note-']").first).to_have_value(
        "设备到货延迟，预计九月完成安装"
    )
    expect(page.locator(".draft-note")).to_contain_text("第 1 版")
    screenshot(page, "evidence-draft-reopened")

    # 佐证材料: a PDF attached; what was typed stays in the form.
    pdf = tmp_path / NAME
    pdf.write_bytes(PDF)
    page.locator("input[type=file][name=file]").set_input_files(pdf)
    page.get_by_role("button", name="上传").click()
    page.wait_for_load_state()
    expect(page.get_by_text(f"已上传佐证材料：{NAME}")).to_be_visible()
    link = page.get_by_role("link", name=NAME)
    expect(link).to_be_visible()
    expect(page.locator("input[name=executed_to_date]")).to_have_value("1000.5")
    screenshot(page, "evidence-attached")
    with page.expect_download() as download_info:
        link.click()
    download = download_info.value
    assert download.suggested_filename == NAME
    assert Path(download.path()).read_bytes() == PDF
    href = link.get_attribute("href")

    # The rest of the report, then 提交: the task is done and its draft gone.
    for actual in page.locator("input[name^='actual-']").all():
        actual.fill("1")
    for band in page.locator("select[name^='band-']").all():
        band.select_option("achieved")
    for likelihood in page.locator("select[name^='likelihood-']").all():
        likelihood.select_option("certain")
    page.get_by_role("button", name="提交").click()
    page.wait_for_load_state()
    assert "/inbox" in page.url, page.content()[:2000]
    with world_server.app.extensions["budgetloop.sessions"]() as session:
        assert session.get(HumanTask, task_id).status == "completed"
        assert session.get(TaskDraft, task_id) is None
        [attachment] = session.scalars(select(Attachment).where(Attachment.task_id == task_id))
        assert attachment.file_name == NAME and attachment.size == len(PDF)
    screenshot(page, "evidence-submitted")

    # The department that reviews the report downloads the same file.
    reviewer = new_context(base_url=world_server.url).new_page()
    log_in(reviewer, world["department"].login, PASSWORD)
    response = reviewer.request.get(href)
    assert response.status == 200 and response.body() == PDF
    assert "filename*=UTF-8''" in response.headers["content-disposition"]
    reviewer.context.close()
