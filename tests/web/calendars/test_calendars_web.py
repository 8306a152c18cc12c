"""Working calendars on the web: everyone reads them, the performance division edits them, and
a mistake is refused naming its place (in the page's language) with nothing stored."""

from __future__ import annotations

import io
import json

from sqlalchemy import func, select

from engine.models import PolicySetting
from tests.web.conftest import csrf


def _versions(world_app) -> int:
    with world_app.extensions["budgetloop.sessions"]() as session:
        return session.scalar(select(func.count()).where(PolicySetting.key == "working_calendar"))


def _national_2026(client, headers) -> dict:
    listing = client.get("/api/v1/calendars/", headers=headers).json
    item = next(i for i in listing["items"] if i["year"] == 2026 and i["region"] is None)
    return client.get(f"/api/v1/calendars/{item['id']}", headers=headers).json


def test_every_account_reads_the_calendars(world_client, world):
    for role in ("unit", "department", "finance", "evaluator", "supervisor", "performance"):
        listing = world_client.get("/api/v1/calendars/", headers=world.headers(role))
        assert listing.status_code == 200, role
    assert world_client.get("/api/v1/calendars/").status_code == 401
    body = _national_2026(world_client, world.headers("unit"))
    assert body["version"] == 1 and body["saved_by"] is None
    assert body["holiday_days"] == 33 and body["adjusted_workdays"] == 6
    assert {"name": "国庆节", "from": "2026-10-01", "to": "2026-10-07"} in body["holidays"]
    # The lived-in year is 2026: its evaluation season runs into 2027, which has no calendar.
    assert (
        2027
        in world_client.get("/api/v1/calendars/", headers=world.headers("unit")).json[
            "missing_years"
        ]
    )


def test_the_performance_division_saves_a_new_version(world_app, world_client, world):
    headers = world.headers("performance")
    body = _national_2026(world_client, headers)
    file = {"year": 2026, "source": body["source"], "holidays": body["holidays"]}
    file["holidays"].append({"name": "调整日", "from": "2026-12-31", "to": "2026-12-31"})
    file["workdays"] = body["workdays"]
    saved = world_client.post("/api/v1/calendars/", json=file, headers=headers)
    assert saved.status_code == 201, saved.text
    assert saved.json["version"] == 2 and saved.json["holiday_days"] == 34
    refused = world_client.post("/api/v1/calendars/", json=file, headers=world.headers("finance"))
    assert refused.status_code == 403


def test_a_mistake_is_refused_at_its_place_and_nothing_is_stored(world_app, world_client, world):
    headers = world.headers("performance")
    before = _versions(world_app)
    body = _national_2026(world_client, headers)
    holidays = body["holidays"]
    holidays[-1]["to"] = "2026-10-37"
    file = {"year": 2026, "holidays": holidays, "workdays": [{"date": "2026-10-09"}]}
    refused = world_client.post("/api/v1/calendars/", json=file, headers=headers)
    assert refused.status_code in (400, 422), refused.text
    problems = refused.json["errors"]["problems"]
    assert [(p["at"], p["key"], p.get("entry")) for p in problems] == [
        ("holidays[6].to", "date", "国庆节"),
        ("workdays[0].date", "weekday", None),
    ]
    unknown = world_client.post(
        "/api/v1/calendars/", json={"year": 2026, "holidays": [], "weekends": []}, headers=headers
    )
    assert unknown.status_code == 422
    assert _versions(world_app) == before


def test_the_page_shows_the_year_as_the_notice_gives_it(login, world):
    client = login("unit")
    page = client.get("/calendars?year=2026")
    assert page.status_code == 200
    html = page.text
    assert "国务院办公厅关于2026年部分节假日安排的通知" in html
    assert 'class="cal-day holiday" data-date="2026-10-01" title="国庆节"' in html
    assert 'class="cal-day workday" data-date="2026-10-10"' in html
    # A unit reads the calendar; only the performance division has the editor.
    assert "cal-editor" not in html
    english = client.get("/calendars?year=2026&lang=en").text
    assert "2026 working calendar (National)" in english and "Public holidays" in english
    # A region that does not exist is said so, never shown the nation's calendar as its own.
    unknown = client.get(
        "/calendars?year=2026&region=999999&lang=zh-CN", headers={"Accept": "text/html"}
    )
    assert unknown.status_code == 404 and "地区 999999 不存在" in unknown.text
    assert "国务院办公厅" not in unknown.text


def test_the_editor_names_each_mistake_in_chinese_and_keeps_the_text(login, world_app):
    client = login("performance")
    page = client.get("/calendars?year=2026")
    assert "cal-editor" in page.text
    before = _versions(world_app)
    text = (
        '{"year": 2026,\n "holidays": [{"name": "国庆节", "from": "2026-10-01", '
        '"to": "2026-10-37"}],\n "workdays": [{"date": "2026-10-09"}]}'
    )
    refused = client.post(
        "/calendars", data={"body": text, "region": "", "csrf_token": csrf(client)}
    )
    assert refused.status_code == 422
    assert (
        "<code>holidays[0].to</code>（国庆节）：“2026-10-37”不是日期（格式为 YYYY-MM-DD）"
        in refused.text
    )
    assert "2026-10-09 本是工作日（周一至周五）" in refused.text
    assert "2026-10-37" in refused.text.split("<textarea", 1)[1]
    broken = client.post(
        "/calendars", data={"body": '{"year": 2026,\n "holidays": [}', "csrf_token": csrf(client)}
    )
    assert broken.status_code == 422 and "第 2 行" in broken.text
    assert _versions(world_app) == before


def test_a_key_shaped_like_a_place_or_a_week_date_is_a_422_not_a_500(login, world_app):
    client = login("performance")
    client.get("/calendars?year=2026")
    before = _versions(world_app)
    for text, shown in (
        ('{"year": 2026, "holidays": [], "holidays[x]": 1}', "holidays[x]"),
        (
            '{"year": 2026, "holidays": [{"name": "国庆节", "from": "2026-W40-4", '
            '"to": "2026-10-07"}]}',
            "“2026-W40-4”不是日期（格式为 YYYY-MM-DD）",
        ),
    ):
        refused = client.post("/calendars", data={"body": text, "csrf_token": csrf(client)})
        assert refused.status_code == 422, text
        assert shown in refused.text
    assert _versions(world_app) == before


def test_an_uploaded_file_is_saved_and_downloaded_back(login, world_app):
    client = login("performance")
    client.get("/calendars")
    file = {
        "year": 2027,
        "source": "测试：2027 年元旦",
        "holidays": [{"name": "元旦", "from": "2027-01-01", "to": "2027-01-03"}],
        "workdays": [],
    }
    data = io.BytesIO(json.dumps(file, ensure_ascii=False).encode("utf-8"))
    saved = client.post(
        "/calendars",
        data={"file": (data, "2027.json"), "body": "", "csrf_token": csrf(client)},
        content_type="multipart/form-data",
    )
    assert saved.status_code == 302
    page = client.get(saved.headers["Location"])
    assert "已保存 2027 年工作日历第 1 版。" in page.text
    assert "2027 年尚无全国工作日历" not in page.text
    link = page.text.split('href="/calendars/', 1)[1].split('"', 1)[0]
    download = client.get(f"/calendars/{link}")
    assert download.status_code == 200
    assert json.loads(download.text)["holidays"] == file["holidays"]
    not_text = client.post(
        "/calendars",
        data={"file": (io.BytesIO(b"\xff\xfe\x00"), "x.json"), "csrf_token": csrf(client)},
        content_type="multipart/form-data",
    )
    assert not_text.status_code in (400, 422) and "UTF-8" in not_text.text


def test_only_the_performance_division_may_save_from_the_page(login, world_app):
    client = login("finance")
    client.get("/calendars")
    refused = client.post("/calendars", data={"body": "{}", "csrf_token": csrf(client)})
    assert refused.status_code == 403


def test_the_inbox_says_deadlines_count_working_days_where_it_shows_one(login, world_app, world):
    from datetime import UTC, datetime

    from engine.db import unit_of_work
    from engine.models import HumanTask

    with unit_of_work(world_app.extensions["budgetloop.sessions"]) as session:
        task = session.scalars(
            select(HumanTask).where(
                HumanTask.status == "ready",
                HumanTask.role == "unit",
                HumanTask.org_id == world["unit"].org_id,
            )
        ).first()
        task.due_at = datetime(2027, 6, 18, 15, 59, 59, tzinfo=UTC)
    client = login("unit")
    page = client.get("/inbox").text
    assert "办理期限按工作日计算" in page and 'href="/calendars"' in page
