"""Operators' API: validating definitions, the audit log and its chain, incidents."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from sqlalchemy import func, select

from engine.actors import Actor
from engine.models import AuditEvent, Incident, ProcessDefinition, ProcessInstance

REVIEW = (Path(__file__).resolve().parents[3] / "bpmn" / "definitions" / "review.bpmn").read_text()
FINANCE_ROLE = '<spiffworkflow:property name="role" value="finance" />'


def _validate(client, world, role, text, name="review.bpmn"):
    return client.post(
        "/api/v1/process-definitions/validate",
        json={"files": [{"name": name, "text": text}]},
        headers=world.headers(role),
    )


def _count(app, model) -> int:
    with app.extensions["budgetloop.sessions"]() as session:
        return session.scalar(select(func.count()).select_from(model))


def test_validate_names_each_problem_at_its_element_and_stores_nothing(
    world_app, world_client, world
):
    assert FINANCE_ROLE in REVIEW
    before = (_count(world_app, ProcessDefinition), _count(world_app, AuditEvent))

    response = _validate(world_client, world, "performance", REVIEW)
    assert response.status_code == 200, response.json
    assert response.json == {"ok": True, "problems": []}

    no_role = REVIEW.replace(FINANCE_ROLE, "")
    response = _validate(world_client, world, "performance", no_role)
    assert response.status_code == 200
    assert response.json["ok"] is False
    problems = response.json["problems"]
    assert [(p["file"], p["element"]) for p in problems] == [("review.bpmn", "Task_FinanceReview")]
    assert "role" in problems[0]["reason"]

    response = _validate(world_client, world, "performance", "<not xml")
    assert response.status_code == 200 and response.json["ok"] is False
    assert response.json["problems"][0]["file"] == "review.bpmn"

    assert (_count(world_app, ProcessDefinition), _count(world_app, AuditEvent)) == before


@pytest.mark.parametrize("body", [{}, {"files": []}, {"files": [{"name": "a.bpmn"}]}])
def test_a_malformed_validate_request_is_422(world_client, world, body):
    response = world_client.post(
        "/api/v1/process-definitions/validate", json=body, headers=world.headers("performance")
    )
    assert response.status_code == 422


@pytest.mark.parametrize("role", ["unit", "department", "finance", "evaluator", "supervisor"])
def test_only_the_performance_division_validates_and_deploys(world_client, world, role):
    assert _validate(world_client, world, role, REVIEW).status_code == 403
    response = world_client.post(
        "/api/v1/process-definitions/",
        data={"files": [(io.BytesIO(REVIEW.encode()), "review.bpmn")]},
        headers=world.headers(role),
        content_type="multipart/form-data",
    )
    assert response.status_code == 403


def test_audit_events_are_paged_filtered_and_in_chain_order(world_client, world):
    headers = world.headers("supervisor")
    first = world_client.get("/api/v1/audit-events/?per_page=5", headers=headers).json
    assert first["total"] > 5 and first["pages"] == -(-first["total"] // 5)
    seqs = [event["seq"] for event in first["items"]]
    assert seqs == sorted(seqs, reverse=True) and seqs[0] == first["total"]
    second = world_client.get("/api/v1/audit-events/?per_page=5&page=2", headers=headers).json
    assert second["items"][0]["seq"] == seqs[-1] - 1

    oldest = world_client.get("/api/v1/audit-events/?sort=seq&per_page=3", headers=headers).json
    assert [event["seq"] for event in oldest["items"]] == [1, 2, 3]
    assert oldest["items"][1]["prev_hash"] == oldest["items"][0]["hash"]

    action = first["items"][0]["action"]
    filtered = world_client.get(
        "/api/v1/audit-events/", query_string={"action": action}, headers=headers
    ).json
    assert filtered["total"] >= 1 and {e["action"] for e in filtered["items"]} == {action}

    event = oldest["items"][0]
    exact = world_client.get(
        "/api/v1/audit-events/",
        query_string={
            "object_type": event["object_type"],
            "object_id": event["object_id"],
            "actor": event["actor"],
            "from": event["at"],
            "to": oldest["items"][2]["at"],
        },
        headers=headers,
    ).json
    assert event["seq"] in [e["seq"] for e in exact["items"]]
    assert all(e["at"] < oldest["items"][2]["at"] for e in exact["items"])

    nothing = world_client.get(
        "/api/v1/audit-events/", query_string={"to": "1990-01-01T00:00:00"}, headers=headers
    ).json
    assert nothing["total"] == 0


def test_the_chain_verifies_and_only_readers_see_the_log(world_client, world):
    response = world_client.get("/api/v1/audit-events/verify", headers=world.headers("performance"))
    assert response.status_code == 200
    assert response.json["ok"] is True and response.json["problem"] is None
    assert response.json["events"] > 0
    for role in ("unit", "department", "finance", "evaluator"):
        assert (
            world_client.get("/api/v1/audit-events/", headers=world.headers(role)).status_code
            == 403
        )
        verify = world_client.get("/api/v1/audit-events/verify", headers=world.headers(role))
        assert verify.status_code == 403
    assert world_client.get("/api/v1/audit-events/").status_code == 401
    bad = world_client.get("/api/v1/audit-events/?sort=action", headers=world.headers("supervisor"))
    assert bad.status_code == 422


@pytest.fixture
def incident_ids(world_app) -> list[int]:
    """Two open incidents on running instances (the lived-in year has none of its own)."""
    with world_app.extensions["budgetloop.sessions"]() as session, session.begin():
        instances = session.scalars(
            select(ProcessInstance)
            .where(ProcessInstance.status == "running")
            .order_by(ProcessInstance.id)
            .limit(2)
        ).all()
        incidents = []
        for instance in instances:
            instance.status = "incident"
            incidents.append(
                Incident(
                    instance_id=instance.id,
                    element_id="Service_Payment",
                    error="RuntimeError: 国库支付接口无响应",
                    command={
                        "kind": "fire_timers",
                        "instance_id": instance.id,
                        "actor": Actor.system("ticker").as_dict(),
                    },
                )
            )
        session.add_all(incidents)
        session.flush()
        return [incident.id for incident in incidents]


def test_incidents_list_detail_retry_and_resolve(world_client, world, incident_ids):
    perf, supervisor = world.headers("performance"), world.headers("supervisor")
    listed = world_client.get("/api/v1/incidents/", headers=supervisor).json
    assert {item["id"] for item in listed["items"]} == set(incident_ids)
    first, second = incident_ids
    detail = world_client.get(f"/api/v1/incidents/{first}", headers=perf).json
    assert detail["status"] == "open" and detail["element_id"] == "Service_Payment"
    assert detail["command"] == "fire_timers" and detail["process_key"]

    # Supervisors read but never act; nobody else even reads.
    assert (
        world_client.post(f"/api/v1/incidents/{first}/retry", headers=supervisor).status_code == 403
    )
    resolve = world_client.post(
        f"/api/v1/incidents/{first}/resolve", json={"note": "x"}, headers=supervisor
    )
    assert resolve.status_code == 403
    assert world_client.get("/api/v1/incidents/", headers=world.headers("unit")).status_code == 403

    for body in ({}, {"note": ""}, {"note": "   "}):
        response = world_client.post(f"/api/v1/incidents/{first}/resolve", json=body, headers=perf)
        assert response.status_code == 422, body
    assert world_client.get(f"/api/v1/incidents/{first}", headers=perf).json["status"] == "open"

    resolved = world_client.post(
        f"/api/v1/incidents/{first}/resolve", json={"note": "支付已线下完成"}, headers=perf
    )
    assert resolved.status_code == 200
    assert resolved.json["resolution"] == "dismissed" and resolved.json["status"] == "resolved"

    retried = world_client.post(f"/api/v1/incidents/{second}/retry", headers=perf)
    assert retried.status_code == 200, retried.json
    assert retried.json["resolution"] == "retried"
    again = world_client.post(f"/api/v1/incidents/{second}/retry", headers=perf)
    assert again.status_code == 409
    assert world_client.post("/api/v1/incidents/999999/retry", headers=perf).status_code == 404

    open_now = world_client.get("/api/v1/incidents/", headers=perf).json
    assert open_now["total"] == 0
    done = world_client.get("/api/v1/incidents/?status=resolved", headers=perf).json
    assert {item["id"] for item in done["items"]} == set(incident_ids)
    actions = world_client.get(
        "/api/v1/audit-events/", query_string={"object_type": "incident"}, headers=perf
    ).json
    assert {e["action"] for e in actions["items"]} == {"incident.resolve", "incident.retry"}


@pytest.mark.parametrize(
    "path,kwargs",
    [
        (
            "/api/v1/process-definitions/validate",
            {"json": {"files": [{"name": "r.bpmn", "text": "\ud800"}]}},
        ),
        (
            "/api/v1/process-definitions/validate",
            {"json": {"files": [{"name": "\x00.bpmn", "text": "<a/>"}]}},
        ),
        ("/api/v1/audit-events/", {"query_string": {"object_id": "\x00"}}),
        ("/api/v1/audit-events/", {"query_string": {"actor": "a\x00b"}}),
        ("/api/v1/audit-events/", {"query_string": {"from": "9999-12-31T23:59:59+14:00"}}),
    ],
)
def test_text_no_database_can_store_is_refused_with_422(world_client, world, path, kwargs):
    method = world_client.post if "json" in kwargs else world_client.get
    response = method(path, headers=world.headers("performance"), **kwargs)
    assert response.status_code == 422, response.json


def test_a_note_no_database_can_store_is_refused(world_client, world, incident_ids):
    response = world_client.post(
        f"/api/v1/incidents/{incident_ids[0]}/resolve",
        json={"note": "ok\x00"},
        headers=world.headers("performance"),
    )
    assert response.status_code == 422
