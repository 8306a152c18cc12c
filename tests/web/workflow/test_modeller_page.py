"""The approval-flow pages, the audit log page and the incident pages, through the test client."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import select

from engine.models import ProcessDefinition
from tests.web.conftest import csrf
from tests.web.operations.test_operations_api import incident_ids  # noqa: F401  (the fixture)

REVIEW = (Path(__file__).resolve().parents[3] / "bpmn" / "definitions" / "review.bpmn").read_text()


def _definition_id(app, key: str, kind: str = "bpmn") -> int:
    with app.extensions["budgetloop.sessions"]() as session:
        return session.scalar(
            select(ProcessDefinition.id)
            .where(ProcessDefinition.key == key, ProcessDefinition.kind == kind)
            .order_by(ProcessDefinition.version.desc())
            .limit(1)
        )


def test_the_performance_division_lists_definitions_and_opens_one(world_app, login):
    client = login("performance")
    listing = client.get("/processes")
    assert listing.status_code == 200
    review_id = _definition_id(world_app, "review")
    assert f'href="/processes/{review_id}"' in listing.text
    assert 'data-key="review"' in listing.text and "在建模器中打开" in listing.text

    page = client.get(f"/processes/{review_id}")
    assert page.status_code == 200
    text = page.text
    assert f'data-source-url="/api/v1/process-definitions/{review_id}/source"' in text
    assert 'data-validate-url="/api/v1/process-definitions/validate"' in text
    assert 'data-file-name="review.bpmn"' in text
    assert "vendor/bpmn-js/bpmn-modeler.production.min.js" in text
    assert "js/modeller.js" in text and "vendor/bpmn-js/assets/bpmn-js.css" in text
    assert "<script>" not in text  # the CSP allows no inline script
    assert '<option value="finance">' in text and '<option value="supervisor">' not in text

    dmn = _definition_id(world_app, "grade_decision", "dmn")
    if dmn is not None:
        assert client.get(f"/processes/{dmn}").status_code == 404
    assert client.get("/processes/999999").status_code == 404


@pytest.mark.parametrize("role", ["unit", "department", "finance", "evaluator", "supervisor"])
def test_other_roles_may_not_open_the_modeller(world_app, login, role):
    client = login(role)
    assert client.get("/processes").status_code == 403
    assert client.get(f"/processes/{_definition_id(world_app, 'review')}").status_code == 403
    assert 'href="/processes"' not in client.get("/inbox").text


def test_the_modeller_calls_the_api_with_its_cookie_and_csrf_header(login):
    client = login("performance")
    client.get("/processes")
    body = {"files": [{"name": "review.bpmn", "text": REVIEW}]}
    without = client.post("/api/v1/process-definitions/validate", json=body)
    assert without.status_code == 403 and without.json["errors"] == {"csrf_token": "invalid"}
    with_header = client.post(
        "/api/v1/process-definitions/validate", json=body, headers={"X-CSRF-Token": csrf(client)}
    )
    assert with_header.status_code == 200 and with_header.json["ok"] is True


def test_the_audit_page_filters_pages_and_verifies_the_chain(login):
    client = login("supervisor")
    page = client.get("/audit")
    assert page.status_code == 200
    assert 'hx-get="/audit/verify"' in page.text
    assert 'rel="next"' in page.text  # the lived-in year has more than one page of events
    actions = re.findall(r'<option value="([\w.]+)"', page.text)
    assert "definition.deploy" in actions

    filtered = client.get("/audit?action=definition.deploy")
    assert filtered.status_code == 200
    rows = re.findall(r"<code>([\w.]+)</code></td>", filtered.text)
    assert rows and set(rows) == {"definition.deploy"}
    assert client.get("/audit?action=definition.deploy&page=2").status_code == 200
    assert client.get("/audit?to=1990-01-01").text.count("没有符合条件的审计记录") == 1
    assert client.get("/audit?from=not-a-date").status_code == 422

    verify = client.get("/audit/verify", headers={"HX-Request": "true"})
    assert verify.status_code == 200 and 'data-chain="ok"' in verify.text


@pytest.mark.parametrize("role", ["unit", "department", "finance", "evaluator"])
def test_the_audit_log_is_for_performance_and_supervisors(login, role):
    client = login(role)
    assert client.get("/audit").status_code == 403
    assert client.get("/audit/verify").status_code == 403
    assert client.get("/incidents").status_code == 403


def test_an_operator_retries_and_resolves_incidents_from_the_pages(login, incident_ids):  # noqa: F811
    first, second = incident_ids
    client = login("performance")
    listing = client.get("/incidents")
    assert listing.status_code == 200
    for incident in incident_ids:
        assert f'href="/incidents/{incident}"' in listing.text
    detail = client.get(f"/incidents/{first}")
    assert "Service_Payment" in detail.text and "国库支付接口无响应" in detail.text
    assert f'action="/incidents/{first}/retry"' in detail.text
    assert f'action="/incidents/{first}/resolve"' in detail.text

    token = csrf(client)
    assert client.post(f"/incidents/{first}/resolve", data={"note": "x"}).status_code == 403
    blank = client.post(f"/incidents/{first}/resolve", data={"note": "  ", "csrf_token": token})
    assert blank.status_code == 422
    resolved = client.post(
        f"/incidents/{first}/resolve",
        data={"note": "支付已线下完成", "csrf_token": token},
        follow_redirects=True,
    )
    assert resolved.status_code == 200 and f"异常 #{first} 已关闭" in resolved.text
    assert f'action="/incidents/{first}/retry"' not in resolved.text

    retried = client.post(
        f"/incidents/{second}/retry", data={"csrf_token": token}, follow_redirects=True
    )
    assert retried.status_code == 200 and f"异常 #{second} 重试成功" in retried.text
    assert client.post(f"/incidents/{second}/retry", data={"csrf_token": token}).status_code == 409
    assert "没有此状态的异常" in client.get("/incidents").text
    assert client.get("/incidents?status=bogus").status_code == 422


def test_supervisors_read_incidents_but_do_not_act(login, incident_ids):  # noqa: F811
    client = login("supervisor")
    first = incident_ids[0]
    detail = client.get(f"/incidents/{first}")
    assert detail.status_code == 200 and "/retry" not in detail.text
    token = csrf(client)
    assert client.post(f"/incidents/{first}/retry", data={"csrf_token": token}).status_code == 403
    response = client.post(f"/incidents/{first}/resolve", data={"note": "x", "csrf_token": token})
    assert response.status_code == 403


def test_the_modeller_page_lets_a_return_path_be_drawn(login, world_app):
    page = login("performance").get(f"/processes/{_definition_id(world_app, 'review')}").text
    # A flow out of a gateway gets a condition and a default flag in the side form.
    assert 'id="element-condition"' in page and 'id="element-default"' in page
    assert "条件表达式" in page and "outcome == &#39;return&#39;" in page
    # The step the toolbar adds comes with its outcome gateway, or says how to draw the return.
    assert 'data-msg-step-added="' in page and 'data-msg-draw-return="' in page


def _problems_of(client, text: str, lang: str | None = None) -> list[dict]:
    url = "/api/v1/process-definitions/validate" + (f"?lang={lang}" if lang else "")
    response = client.post(
        url,
        json={"files": [{"name": "review.bpmn", "text": text}]},
        headers={"X-CSRF-Token": csrf(client)},
    )
    assert response.status_code == 200 and response.json["ok"] is False
    return response.json["problems"]


def test_deploy_problems_are_said_in_the_users_language(login):
    from tests.engine.workflow.test_review_outcomes import STEP, _review_with_step

    client = login("performance")
    client.get("/processes")
    text = _review_with_step(return_path=False).text
    (problem,) = [p for p in _problems_of(client, text) if p["element"] == STEP]
    assert problem["code"] == "outcome_ignored"
    assert "退回修改 (return)" in problem["message"] and "同一条路径" in problem["message"]
    assert "outcome 'return'" in problem["reason"]  # the English reason stays for API clients

    (english,) = [p for p in _problems_of(client, text, "en") if p["element"] == STEP]
    assert english["message"].startswith("The outcome 'return for revision (return)'")
    assert "takes the same path as 'approve (approve)'" in english["message"]

    plain = REVIEW.replace(
        '<bpmn:userTask id="Task_Revise" name="修改并重新提交">',
        '<bpmn:task id="Task_Revise" name="修改并重新提交">',
    ).replace(
        "<bpmn:outgoing>Flow_ToMarkResubmitted</bpmn:outgoing>\n    </bpmn:userTask>",
        "<bpmn:outgoing>Flow_ToMarkResubmitted</bpmn:outgoing>\n    </bpmn:task>",
    )
    assert '<bpmn:task id="Task_Revise"' in plain and plain.count("</bpmn:task>") == 1
    # A plain task is not a problem: it passes through when reached (tests/engine/workflow/
    # test_plain_task.py), so the flow validates.
    response = client.post(
        "/api/v1/process-definitions/validate",
        json={"files": [{"name": "review.bpmn", "text": plain}]},
        headers={"X-CSRF-Token": csrf(client)},
    )
    assert response.status_code == 200
    assert response.json == {"ok": True, "problems": []}
