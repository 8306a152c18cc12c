"""Indicator frames on the web: every account reads them, the performance division chooses a
region's frame for a year with its own weights, and a mistake is refused naming the item (in
the page's language) with nothing stored."""

from __future__ import annotations

from sqlalchemy import func, select

from engine.models import IndicatorFrame, PolicySetting, TargetTable
from tests.web.conftest import csrf

WEIGHTS = {"execution": "10", "output": "35", "cost": "15", "effect": "30", "satisfaction": "10"}


def _stored(world_app) -> tuple[int, int]:
    with world_app.extensions["budgetloop.sessions"]() as session:
        return (
            session.scalar(select(func.count()).where(PolicySetting.key == "indicator_frame")),
            session.scalar(select(func.count()).select_from(IndicatorFrame)),
        )


def _year(world_client, world, region="990000") -> int:
    choices = world_client.get("/api/v1/frames/choices", headers=world.headers("unit")).json
    return max(c["year"] for c in choices["items"] if c["region"] == region)


def test_every_account_reads_the_frames_and_the_choices(world_client, world):
    for role in ("unit", "department", "finance", "evaluator", "supervisor", "performance"):
        assert world_client.get("/api/v1/frames/", headers=world.headers(role)).status_code == 200
    listing = world_client.get("/api/v1/frames/", headers=world.headers("unit")).json["items"]
    assert [f["code"] for f in listing] == ["default", "cost_2021"]
    cost = next(i for i in listing[1]["items"] if i["code"] == "cost")
    assert (cost["level"], cost["weight"], cost["folds_into"]) == (1, "10.00", "output")
    choices = world_client.get("/api/v1/frames/choices", headers=world.headers("unit")).json
    year = _year(world_client, world)
    mine = next(c for c in choices["items"] if c["year"] == year)
    assert mine["frame"]["code"] == "default" and mine["chosen"] is False
    assert mine["on_frame"] > 0
    assert world_client.get("/api/v1/frames/").status_code == 401


def test_the_performance_division_chooses_the_2021_frame_with_its_weights(
    world_app, world_client, world
):
    headers = world.headers("performance")
    year = _year(world_client, world) + 1
    body = {"region": "990000", "year": year, "frame": "cost_2021", "weights": WEIGHTS}
    made = world_client.put("/api/v1/frames/choices", json=body, headers=headers)
    assert made.status_code == 200, made.text
    assert made.json["frame"]["region"] == "990000" and made.json["frame"]["version"] == 1
    assert {i["code"]: i["weight"] for i in made.json["frame"]["items"] if i["level"] == 1}[
        "cost"
    ] == "15.00"
    refused = world_client.put(
        "/api/v1/frames/choices", json=body, headers=world.headers("finance")
    )
    assert refused.status_code == 403


def test_weights_that_do_not_fit_are_refused_naming_the_item_and_nothing_is_kept(
    world_app, world_client, world
):
    headers = world.headers("performance")
    before = _stored(world_app)
    body = {"region": "990000", "year": 2030, "frame": "cost_2021", "weights": {"output": "70"}}
    refused = world_client.put("/api/v1/frames/choices", json=body, headers=headers)
    assert refused.status_code == 422
    assert "70 is outside 20–60" in refused.json["errors"]["output"]
    unknown = world_client.put(
        "/api/v1/frames/choices",
        json={"region": "990000", "year": 2030, "frame": "key_evaluation"},
        headers=headers,
    )
    assert unknown.status_code == 422
    bad_region = world_client.put(
        "/api/v1/frames/choices",
        json={"region": "99'00", "year": 2030, "frame": "cost_2021"},
        headers=headers,
    )
    assert bad_region.status_code == 422 and "region" in bad_region.json["errors"]["json"]
    assert _stored(world_app) == before


def test_the_page_shows_both_frames_and_a_refusal_in_chinese(login, world_app, world):
    client = login("unit")
    page = client.get("/frames")
    assert page.status_code == 200
    assert "项目支出绩效自评框架（2021年版，成本指标为一级指标）" in page.text
    assert "经济成本指标、社会成本指标、生态环境成本指标" in page.text
    assert "未设该类指标时，分值并入产出指标" in page.text
    assert 'class="frame-choice"' not in page.text  # a unit reads; it does not choose
    english = client.get("/frames?lang=en").text
    assert "economic cost, social cost, ecological cost" in english

    client = login("performance")
    client.get("/frames?lang=zh-CN")
    before = _stored(world_app)
    refused = client.post(
        "/frames",
        data={
            "region": "990000",
            "year": "2030",
            "frame": "cost_2021",
            "weight.output": "70",
            "csrf_token": csrf(client),
        },
    )
    assert refused.status_code == 422
    assert "一级指标权重未保存" in refused.text
    assert "产出指标：70 分超出可设范围 20–60 分" in refused.text
    assert 'value="70"' in refused.text  # kept as typed
    assert _stored(world_app) == before
    saved = client.post(
        "/frames",
        data={
            "region": "990000",
            "year": "2030",
            "frame": "cost_2021",
            "weight.output": "35",
            "weight.cost": "15",
            "csrf_token": csrf(client),
        },
    )
    assert saved.status_code == 302
    shown = client.get(saved.headers["Location"]).text
    assert "990000 2030 年使用“项目支出绩效自评框架（2021年版，成本指标为一级指标）”" in shown
    assert "地区权重 第 1 版" in shown


def test_the_target_table_page_names_its_frame(login, world_app):
    with world_app.extensions["budgetloop.sessions"]() as session:
        table_id = session.scalars(select(TargetTable.id).limit(1)).one()
    client = login("performance")
    page = client.get(f"/target-tables/{table_id}/edit")
    assert page.status_code == 200
    assert "指标框架" in page.text and "项目支出绩效自评框架（默认）" in page.text
