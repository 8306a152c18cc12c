"""The message centre in a real browser: a user sees the unread count in the header, opens a
message and lands on its page, mutes a kind, and marks the rest read."""

from __future__ import annotations

from datetime import timedelta

from playwright.sync_api import Page, expect
from sqlalchemy import func, select

from engine.db import unit_of_work
from engine.models import HumanTask, Message, User
from engine.notifications.sweep import sweep
from tests.browser.support import log_in, screenshot
from tests.support.world import PASSWORD


def _reader_after_a_pass(world_server) -> str:
    """Run the message centre's pass as `budgetloop work` would have while the ready tasks
    arrived; the login with most messages."""
    sessions = world_server.app.extensions["budgetloop.sessions"]
    with sessions() as session:
        arrivals = sorted(
            set(session.scalars(select(HumanTask.created_at).where(HumanTask.status == "ready")))
        )
    for moment in arrivals[-50:]:
        with unit_of_work(sessions) as session:
            sweep(session, moment + timedelta(hours=1))
    with sessions() as session:
        return session.scalar(
            select(User.login)
            .join(Message, Message.user_id == User.id)
            .group_by(User.login)
            .order_by(func.count().desc(), User.login)
            .limit(1)
        )


def test_a_user_reads_a_message_mutes_a_kind_and_clears_the_rest(
    world_page: Page, world_server
) -> None:
    page = world_page
    log_in(page, _reader_after_a_pass(world_server), PASSWORD)
    badge = page.locator("header .messages-link .badge")
    expect(badge).to_be_visible()
    unread = int(badge.inner_text())
    assert unread > 0
    page.locator("header .messages-link").click()
    expect(page.locator("h1")).to_contain_text("站内消息")
    rows = page.locator("table.messages tbody tr.unread")
    expect(rows.first).to_be_visible()
    screenshot(page, "messages")

    # Opening one goes to the page it is about, and it is read.
    rows.first.get_by_role("button", name="查看").click()
    page.wait_for_load_state()
    assert "/messages" not in page.url
    expect(page.locator("header .messages-link .badge")).to_have_text(str(unread - 1))

    # Mute the alerts; mark everything else read: the badge goes.
    page.locator("header .messages-link").click()
    page.locator("form.msg-mutes input[value=alert]").check()
    page.get_by_role("button", name="保存设置").click()
    expect(page.locator("p.notice[role=status]").first).to_contain_text("消息设置已保存")
    expect(page.locator("form.msg-mutes input[value=alert]")).to_be_checked()
    page.get_by_role("button", name="全部标为已读").click()
    expect(page.locator("p.notice[role=status]").first).to_contain_text("标为已读")
    expect(page.locator("header .messages-link .badge")).to_have_count(0)
    expect(page.locator("table.messages tbody tr.unread")).to_have_count(0)
