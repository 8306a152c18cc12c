"""The evaluations API: an evaluator sees only what it is assigned; the score preview computes
exactly what the engine stored, writes nothing, and names the rows it would refuse."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, select

from engine.models import AuditEvent, Evaluation, EvaluationScore, HumanTask
from engine.models.enums import EvaluationKind
from tests.web.evaluation_support import ready, sessions, start_self_evaluation


def _bearer(account) -> dict:
    return {"Authorization": f"Bearer {account.token}"}


def test_an_evaluator_sees_only_the_evaluations_assigned_to_it(world_client, world):
    response = world_client.get(
        "/api/v1/evaluations/?per_page=200", headers=world.headers("evaluator")
    )
    assert response.status_code == 200
    items = response.json["items"]
    assert items, "the world's evaluator has evaluations"
    assert {item["evaluator_org_id"] for item in items} == {world["evaluator"].org_id}
    mine = items[0]["id"]
    stranger = _bearer(world.strangers["evaluator"])
    assert world_client.get(f"/api/v1/evaluations/{mine}", headers=stranger).status_code == 404
    listed = world_client.get("/api/v1/evaluations/?per_page=200", headers=stranger).json
    assert mine not in {item["id"] for item in listed["items"]}
    assert (
        world_client.get(
            f"/api/v1/evaluations/{mine}", headers=world.headers("supervisor")
        ).status_code
        == 200
    )


def test_a_unit_sees_its_own_projects_evaluations_filtered(world_client, world):
    response = world_client.get(
        "/api/v1/evaluations/?kind=self&per_page=200", headers=world.headers("unit")
    )
    assert response.status_code == 200
    assert response.json["total"] >= 1
    assert {item["kind"] for item in response.json["items"]} == {"self"}
    other = world_client.get(
        "/api/v1/evaluations/?kind=self&per_page=200", headers=_bearer(world.strangers["unit"])
    ).json
    assert not {i["id"] for i in other["items"]} & {i["id"] for i in response.json["items"]}
    bad = world_client.get("/api/v1/evaluations/?kind=nonsense", headers=world.headers("unit"))
    assert bad.status_code == 422


def test_detail_has_the_scored_rows_findings_and_basis(world_client, world):
    listed = world_client.get(
        "/api/v1/evaluations/?kind=self&per_page=1", headers=world.headers("performance")
    ).json["items"][0]
    detail = world_client.get(
        f"/api/v1/evaluations/{listed['id']}", headers=world.headers("performance")
    ).json
    assert detail["scores"] and detail["grade"] == listed["grade"]
    total = sum(Decimal(row["score"]) for row in detail["scores"])
    assert total.quantize(Decimal("0.01")) == Decimal(detail["total_score"])
    assert all(row["name"] for row in detail["scores"])
    assert "self" in {part["kind"] for part in detail["combined_basis"]}
    assert sum(Decimal(p["weight"]) for p in detail["combined_basis"]) == Decimal("1.0000")


def _submitted_forms(world_app):
    """Each scored evaluation of the year with the form data it was completed with."""
    kinds = {"self_evaluation", "department_evaluation", "third_party_evaluation", "key_evaluation"}
    found = []
    with sessions(world_app)() as session:
        for event in session.scalars(
            select(AuditEvent).where(AuditEvent.action == "task.complete")
        ):
            task = session.get(HumanTask, event.payload["task"])
            if task.form not in kinds:
                continue
            kind = EvaluationKind(task.form.removesuffix("_evaluation"))
            evaluation = session.scalars(
                select(Evaluation)
                .join(Evaluation.project)
                .where(Evaluation.kind == kind)
                .where(Evaluation.project.has(code=task.business_key.split(":", 1)[1]))
            ).one()
            stored = session.scalars(
                select(EvaluationScore.score)
                .where(EvaluationScore.evaluation_id == evaluation.id)
                .order_by(EvaluationScore.id)
            ).all()
            found.append((evaluation.id, event.payload["data"], evaluation, stored))
    return found


def test_the_preview_equals_what_the_engine_stored(world_client, world, world_app):
    forms = _submitted_forms(world_app)
    assert {f[2].kind for f in forms} >= {EvaluationKind.SELF}
    for evaluation_id, data, evaluation, stored in forms:
        response = world_client.post(
            "/api/v1/evaluations/score-preview",
            json={"evaluation_id": evaluation_id, "data": data},
            headers=world.headers("performance"),
        )
        assert response.status_code == 200, response.json
        body = response.json
        assert body["complete"], body["errors"]
        assert Decimal(body["total"]) == evaluation.total_score
        assert body["grade"] == evaluation.grade
        previewed = [Decimal(row["score"]).quantize(Decimal("0.01")) for row in body["rows"]]
        assert previewed == stored


def test_the_preview_writes_nothing_and_names_a_row_without_its_reason(
    world_client, world, world_app
):
    evaluation_id, data, evaluation, _ = next(
        f for f in _submitted_forms(world_app) if f[2].kind is EvaluationKind.SELF
    )
    rows = [dict(row, reason=None) for row in data["scores"]]
    with sessions(world_app)() as session:
        before = session.scalar(select(func.count()).select_from(EvaluationScore))
    response = world_client.post(
        "/api/v1/evaluations/score-preview",
        json={"project_id": evaluation.project_id, "kind": "self", "data": data | {"scores": rows}},
        headers=world.headers("performance"),
    )
    assert response.status_code == 200
    body = response.json
    below = [row["key"] for row in body["rows"] if row["below_full"] and row["key"] != "execution"]
    assert below, "the simulated year has indicators below full points"
    assert not body["complete"]
    assert {f"scores.{key}.reason" for key in below} <= set(body["errors"])
    with sessions(world_app)() as session:
        assert session.scalar(select(func.count()).select_from(EvaluationScore)) == before


def test_the_preview_is_scoped_and_checks_its_input(world_client, world):
    own = world_client.get("/api/v1/evaluations/?per_page=1", headers=world.headers("unit")).json
    evaluation_id = own["items"][0]["id"]
    stranger = _bearer(world.strangers["unit"])
    body = {"evaluation_id": evaluation_id, "data": {}}
    url = "/api/v1/evaluations/score-preview"
    assert world_client.post(url, json=body, headers=stranger).status_code == 404
    both = {"evaluation_id": evaluation_id, "project_id": 1, "data": {}}
    assert world_client.post(url, json=both, headers=world.headers("unit")).status_code == 422


def test_submitting_below_full_points_without_a_reason_is_refused_naming_the_row(
    world_client, world, world_app
):
    start_self_evaluation(world_app, world["unit"].org_id)
    task = ready(world_app, form="self_evaluation", org_id=world["unit"].org_id)[-1]
    preview_rows = None
    with sessions(world_app)() as session:
        evaluation = session.scalars(
            select(Evaluation)
            .where(Evaluation.kind == EvaluationKind.SELF)
            .order_by(Evaluation.id.desc())
        ).first()
        evaluation_id = evaluation.id
    sheet = world_client.post(
        "/api/v1/evaluations/score-preview",
        json={"evaluation_id": evaluation_id, "data": {}},
        headers=world.headers("unit"),
    ).json
    preview_rows = [row for row in sheet["rows"] if row["key"] != "execution"]
    scores = []
    for row in preview_rows:
        entry = {"indicator_id": int(row["key"]), "reason": "受客观因素影响"}
        if row["target"] is None:
            entry |= {"band": "achieved", "band_pct": "1.0"}
        else:
            entry["actual"] = row["target"]
        scores.append(entry)
    # Make one numeric indicator miss its target (too little or too much, by its operator).
    short = _miss_one(world_client, world, evaluation_id, scores)
    short.pop("reason")
    data = {"executed": "1", "scores": scores}
    response = world_client.post(
        f"/api/v1/tasks/{task.id}/complete", json={"data": data}, headers=world.headers("unit")
    )
    assert response.status_code == 422, response.json
    assert f"scores.{short['indicator_id']}.reason" in response.json["errors"]
    assert ready(world_app, id=task.id)
    short["reason"] = "目标设定偏低"
    response = world_client.post(
        f"/api/v1/tasks/{task.id}/complete", json={"data": data}, headers=world.headers("unit")
    )
    assert response.status_code == 200, response.json


def _miss_one(client, world, evaluation_id, scores) -> dict:
    for entry in scores:
        if "actual" not in entry or Decimal(entry["actual"]) <= 0:
            continue
        target = entry["actual"]
        for missed in ("0", str(Decimal(target) * 3)):
            entry["actual"] = missed
            rows = client.post(
                "/api/v1/evaluations/score-preview",
                json={"evaluation_id": evaluation_id, "data": {"executed": "1", "scores": scores}},
                headers=world.headers("unit"),
            ).json["rows"]
            if next(r for r in rows if r["key"] == str(entry["indicator_id"]))["below_full"]:
                return entry
        entry["actual"] = target
    raise AssertionError("no numeric indicator to miss")


def test_a_number_too_large_to_store_is_refused_not_a_server_error(world_client, world, world_app):
    """Actual values and the amount executed are kept as Measure (up to about 9.2e14)."""
    start_self_evaluation(world_app, world["unit"].org_id)
    task = ready(world_app, form="self_evaluation", org_id=world["unit"].org_id)[-1]
    with sessions(world_app)() as session:
        evaluation_id = session.scalars(
            select(Evaluation.id)
            .where(Evaluation.kind == EvaluationKind.SELF)
            .order_by(Evaluation.id.desc())
        ).first()
    rows = world_client.post(
        "/api/v1/evaluations/score-preview",
        json={"evaluation_id": evaluation_id, "data": {}},
        headers=world.headers("unit"),
    ).json["rows"]
    scores = []
    for row in rows:
        if row["key"] == "execution":
            continue
        entry = {"indicator_id": int(row["key"]), "reason": "受客观因素影响"}
        if row["target"] is None:
            entry |= {"band": "achieved", "band_pct": "1.0"}
        else:
            entry["actual"] = row["target"]
        scores.append(entry)
    numeric = next(entry for entry in scores if "actual" in entry)
    huge = "999999999999999"
    too_large = [{**entry, "actual": huge} if entry is numeric else entry for entry in scores]
    for data in (
        {"executed": huge, "scores": scores},
        {"executed": "1", "scores": too_large},
    ):
        response = world_client.post(
            f"/api/v1/tasks/{task.id}/complete", json={"data": data}, headers=world.headers("unit")
        )
        assert response.status_code == 422, response.json
        assert ready(world_app, id=task.id)
