"""Rule sets over the API: versions, a new version (validated, nothing stored when invalid),
and a what-if that writes nothing."""

from __future__ import annotations

import copy

from sqlalchemy import func, select

from engine.models import AuditEvent, FundingDecision, RuleSet


def _count(world_app, model) -> int:
    with world_app.extensions["budgetloop.engine"].connect() as connection:
        return connection.execute(select(func.count()).select_from(model)).scalar_one()


def _active(world_client, world) -> dict:
    listing = world_client.get("/api/v1/rule-sets/", headers=world.headers("performance"))
    assert listing.status_code == 200
    newest = listing.json["items"][0]
    response = world_client.get(
        f"/api/v1/rule-sets/{newest['id']}", headers=world.headers("performance")
    )
    assert response.status_code == 200
    return response.json


def _rule(body: dict, name: str) -> dict:
    return next(rule for rule in body["rules"] if rule["name"] == name)


def test_versions_are_listed_for_readers_only(world_client, world):
    active = _active(world_client, world)
    assert active["version"] >= 1 and active["ref"].endswith(f"@{active['version']}")
    assert _rule(active["body"], "grade_c")
    finance = world_client.get("/api/v1/rule-sets/", headers=world.headers("finance"))
    assert finance.status_code == 200
    unit = world_client.get("/api/v1/rule-sets/", headers=world.headers("unit"))
    assert unit.status_code == 403


def test_a_bad_rule_set_is_422_naming_rule_and_field_and_nothing_is_stored(
    world_client, world, world_app
):
    active = _active(world_client, world)
    body = copy.deepcopy(active["body"])
    _rule(body, "grade_c")["when"]["all"][0]["grade"] = "E"
    before = (_count(world_app, RuleSet), _count(world_app, AuditEvent))
    response = world_client.post(
        "/api/v1/rule-sets/",
        json={"year": active["year"], "body": body},
        headers=world.headers("performance"),
    )
    assert response.status_code == 422
    problem = response.json["errors"]["problems"][0]
    assert problem["rule"] == "grade_c" and problem["field"] == "grade"
    assert "grade_c" in response.json["message"] and "grade" in response.json["message"]
    assert (_count(world_app, RuleSet), _count(world_app, AuditEvent)) == before


def test_a_new_version_leaves_old_decisions_on_their_version(world_client, world, world_app):
    active = _active(world_client, world)
    body = copy.deepcopy(active["body"])
    _rule(body, "grade_c")["then"]["decide"]["factor"] = 0.8
    response = world_client.post(
        "/api/v1/rule-sets/",
        json={"year": active["year"], "region": active["region"], "body": body},
        headers=world.headers("performance"),
    )
    assert response.status_code == 201, response.json
    assert response.json["version"] == active["version"] + 1
    assert response.json["created_by_id"] == world["performance"].user_id
    decisions = world_client.get(
        f"/api/v1/funding-decisions/?year={active['year']}&per_page=200",
        headers=world.headers("performance"),
    ).json["items"]
    assert decisions
    assert {d["rule_set_id"] for d in decisions} == {active["id"]}
    assert {d["rule_set_version"] for d in decisions} == {active["version"]}


def test_only_the_performance_division_writes_rule_sets(world_client, world, world_app):
    active = _active(world_client, world)
    before = _count(world_app, RuleSet)
    for role in ("finance", "supervisor", "unit"):
        response = world_client.post(
            "/api/v1/rule-sets/",
            json={"year": active["year"], "body": active["body"]},
            headers=world.headers(role),
        )
        assert response.status_code == 403, role
    assert _count(world_app, RuleSet) == before


def test_simulate_reports_the_difference_and_writes_nothing(world_client, world, world_app):
    active = _active(world_client, world)
    body = copy.deepcopy(active["body"])
    # Grade A projects no longer increase, commended or not: every one of them changes.
    for name in ("grade_a", "grade_a_top_department"):
        _rule(body, name)["then"] = {"decide": {"kind": "maintain"}}
    _rule(body, "grade_b")["then"] = {"decide": {"kind": "cut", "factor": 0.9}}
    before = {m.__name__: _count(world_app, m) for m in (RuleSet, FundingDecision, AuditEvent)}
    response = world_client.post(
        "/api/v1/rule-sets/simulate",
        json={"year": active["year"], "body": body},
        headers=world.headers("finance"),
    )
    assert response.status_code == 200, response.json
    result = response.json
    assert result["year"] == active["year"] and result["decisions"] > 0
    assert result["changes"], "cutting grade B must change some decision"
    by_department = sum(float(d["delta"]) for d in result["delta_by_department"])
    assert round(by_department, 2) == float(result["total_delta"])
    assert round(sum(float(c["delta"]) for c in result["changes"]), 2) == float(
        result["total_delta"]
    )
    after = {m.__name__: _count(world_app, m) for m in (RuleSet, FundingDecision, AuditEvent)}
    assert after == before


def test_simulating_an_invalid_candidate_is_422(world_client, world):
    active = _active(world_client, world)
    body = copy.deepcopy(active["body"])
    _rule(body, "grade_b")["pri"] = -1
    response = world_client.post(
        "/api/v1/rule-sets/simulate", json={"body": body}, headers=world.headers("performance")
    )
    assert response.status_code == 422
    assert response.json["errors"]["problems"][0]["rule"] == "grade_b"
    unit = world_client.post(
        "/api/v1/rule-sets/simulate", json={"body": body}, headers=world.headers("unit")
    )
    assert unit.status_code == 403
