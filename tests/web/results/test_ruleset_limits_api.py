"""Issue 10, item 5: a rule set durable_rules cannot take (613 rules) is a 422 naming the limit,
in the caller's language, and nothing is stored; decisions still run afterwards; a rule set at
the limit compiles and is stored."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from engine.models import AuditEvent, RuleSet
from rules.validate import max_rules
from tests.rules.many_rules import many_rules


def _count(world_app, model) -> int:
    with world_app.extensions["budgetloop.engine"].connect() as connection:
        return connection.execute(select(func.count()).select_from(model)).scalar_one()


def _active(world_client, world) -> dict:
    listing = world_client.get("/api/v1/rule-sets/", headers=world.headers("performance"))
    newest = listing.json["items"][0]
    return world_client.get(
        f"/api/v1/rule-sets/{newest['id']}", headers=world.headers("performance")
    ).json


@pytest.mark.parametrize(
    ("lang", "said"),
    [("en", "too many rules: 613 (at most 500)"), ("zh-CN", "规则过多，共 613 条（最多 500 条）")],
)
def test_613_rules_are_422_with_the_limit_and_nothing_is_stored(
    world_client, world, world_app, lang, said
):
    active = _active(world_client, world)
    before = (_count(world_app, RuleSet), _count(world_app, AuditEvent))
    response = world_client.post(
        f"/api/v1/rule-sets/?lang={lang}",
        json={"year": active["year"], "body": many_rules(613)},
        headers=world.headers("performance"),
    )
    assert response.status_code == 422, response.json
    assert response.json["code"] == "invalid_input"
    assert said in response.json["message"]
    [problem] = response.json["errors"]["problems"]
    assert problem["path"] == "rules"
    assert (_count(world_app, RuleSet), _count(world_app, AuditEvent)) == before
    # Decisions of the year still run on the active rule set.
    replay = world_client.post(
        "/api/v1/rule-sets/simulate",
        json={"year": active["year"], "body": active["body"]},
        headers=world.headers("performance"),
    )
    assert replay.status_code == 200, replay.json
    assert replay.json["decisions"] > 0 and replay.json["changes"] == []
    assert _active(world_client, world)["id"] == active["id"]


def test_simulating_613_rules_is_422_too(world_client, world):
    response = world_client.post(
        "/api/v1/rule-sets/simulate?lang=en",
        json={"body": many_rules(613)},
        headers=world.headers("performance"),
    )
    assert response.status_code == 422
    assert "at most 500" in response.json["message"]


def test_a_rule_set_at_the_limit_compiles_and_is_stored(world_client, world, world_app):
    active = _active(world_client, world)
    before = _count(world_app, RuleSet)
    response = world_client.post(
        "/api/v1/rule-sets/",
        json={"year": active["year"], "body": many_rules(max_rules(), name="at-limit")},
        headers=world.headers("performance"),
    )
    assert response.status_code == 201, response.json
    assert len(response.json["body"]["rules"]) == max_rules()
    assert _count(world_app, RuleSet) == before + 1
