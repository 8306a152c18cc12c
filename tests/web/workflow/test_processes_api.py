"""Deploying process definitions through the API: validated, versioned, all or nothing."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from sqlalchemy import select

from engine.identity.users import add_user
from engine.models import Organisation
from engine.models.enums import OrgKind
from engine.synthetic.province import SeedRequest, seed_province
from tests.support.snapshot import snapshot

DATA = Path(__file__).resolve().parents[2] / "bpmn" / "data"
DEFINITIONS = Path(__file__).resolve().parents[3] / "bpmn" / "definitions"


@pytest.fixture
def tokens(app):
    from web.db import get_session

    with app.app_context():
        session = get_session()
        seed_province(session, SeedRequest(year=2026, projects=3, seed=1))
        unit = session.scalars(
            select(Organisation.code).where(Organisation.kind == OrgKind.UNIT)
        ).first()
        result = {
            "performance": add_user(
                session, login="perf", role="performance", org_code="PERF"
            ).token,
            "unit": add_user(session, login="unit1", role="unit", org_code=unit).token,
        }
        session.commit()
    return result


def _upload(client, token, *paths, names=None):
    files = [
        (io.BytesIO(Path(p).read_bytes()), name)
        for p, name in zip(paths, names or [Path(p).name for p in paths], strict=True)
    ]
    return client.post(
        "/api/v1/process-definitions/",
        data={"files": files},
        headers={"Authorization": f"Bearer {token}"},
        content_type="multipart/form-data",
    )


def test_deploy_list_and_download(client, tokens):
    shipped = sorted(DEFINITIONS.glob("*.bpmn")) + sorted(DEFINITIONS.glob("*.dmn"))
    response = _upload(client, tokens["performance"], *shipped)
    assert response.status_code == 201, response.json
    assert {row["key"] for row in response.json} >= {"budget_cycle", "review", "grade_decision"}
    response = _upload(client, tokens["performance"], DATA / "review_three_levels.bpmn")
    assert response.status_code == 201
    assert response.json == [
        {"file_name": "review_three_levels.bpmn", "key": "review", "version": 2, "changed": True}
    ]
    listed = client.get(
        "/api/v1/process-definitions/", headers={"Authorization": f"Bearer {tokens['unit']}"}
    ).json
    reviews = [row for row in listed if row["key"] == "review"]
    assert [row["version"] for row in reviews] == [2, 1]
    source = client.get(
        f"/api/v1/process-definitions/{reviews[0]['id']}/source",
        headers={"Authorization": f"Bearer {tokens['unit']}"},
    )
    assert source.status_code == 200 and b"Task_PerformanceReview" in source.data


def test_a_rejected_deployment_names_file_element_reason_and_stores_nothing(client, tokens, engine):
    before = snapshot(engine)
    response = _upload(
        client,
        tokens["performance"],
        DEFINITIONS / "review.bpmn",
        DATA / "review_bad_missing_role.bpmn",
        names=["review.bpmn", "review_other.bpmn"],
    )
    assert response.status_code == 422
    body = response.json
    assert set(body) == {"code", "status", "message", "errors"}
    problems = body["errors"]["problems"]
    assert problems and all(p["file"] and p["reason"] for p in problems)
    assert snapshot(engine) == before


def test_deploy_needs_the_performance_role(client, tokens):
    response = _upload(client, tokens["unit"], DEFINITIONS / "review.bpmn")
    assert response.status_code == 403
    response = client.post("/api/v1/process-definitions/", data={})
    assert response.status_code == 401


def test_garbage_upload_is_a_clear_422(client, tokens):
    files = [(io.BytesIO(b"\xff\xfe not xml"), "x.bpmn")]
    response = client.post(
        "/api/v1/process-definitions/",
        data={"files": files},
        headers={"Authorization": f"Bearer {tokens['performance']}"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422 and "UTF-8" in response.json["message"]
    files = [(io.BytesIO(b"<definitions"), "y.bpmn")]
    response = client.post(
        "/api/v1/process-definitions/",
        data={"files": files},
        headers={"Authorization": f"Bearer {tokens['performance']}"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert response.json["errors"]["problems"][0]["file"] == "y.bpmn"
