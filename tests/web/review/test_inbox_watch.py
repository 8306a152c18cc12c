"""An oversight body's inbox: no process steps, but the red alerts nobody has acknowledged yet
(督办), oldest first, with the way to the dashboard where they are acknowledged."""

from __future__ import annotations

from sqlalchemy import func, select

from engine.db import create_db_engine
from engine.models import Alert
from engine.models.enums import AlertStatus, Colour
from tests.web.review.test_review_pages import HTML


def _open_red(url: str) -> int:
    engine = create_db_engine(url)
    try:
        with engine.connect() as connection:
            return connection.scalar(
                select(func.count())
                .select_from(Alert)
                .where(Alert.status == AlertStatus.OPEN, Alert.colour == Colour.RED)
            )
    finally:
        engine.dispose()


def test_a_supervisor_finds_the_open_red_alerts_in_the_inbox(login, world_app):
    expected = _open_red(world_app.config["DATABASE_URL"])
    assert expected > 0, "the lived-in year has no open red alert to follow up"
    page = login("supervisor").get("/inbox", headers=HTML)
    assert page.status_code == 200
    assert "待督办预警" in page.text
    assert f"共 {expected:,} 条红色预警尚未确认" in page.text
    assert "/dashboard?colour=red&amp;status=open&amp;filtered=1" in page.text
    assert page.text.count('href="/projects/') >= 1


def test_other_roles_see_no_alert_section(login):
    page = login("unit").get("/inbox", headers=HTML)
    assert page.status_code == 200 and "待督办预警" not in page.text
