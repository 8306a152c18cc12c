"""Review pages show what the reviewer approves: the document read-only, what changed since it
was last returned, every level's earlier decisions; nothing is chosen for the reviewer."""

from __future__ import annotations

import re
from decimal import Decimal

from sqlalchemy import select

from engine.models import AuditEvent, HumanTask
from tests.web.conftest import csrf
from tests.web.evaluation_support import ready, start
from tests.web.targets.test_targets_api import EDITABLE_FIELDS

HTML = {"Accept": "text/html"}


def _tasks(world_app, **where):
    engine = world_app.extensions["budgetloop.engine"]
    with engine.connect() as connection:
        query = select(HumanTask)
        for key, value in where.items():
            query = query.where(getattr(HumanTask, key) == value)
        return connection.execute(query.order_by(HumanTask.id)).all()


def _submit_targets(client, world, world_app, count: int = 1) -> list:
    """The unit confirms `count` target tables; the department's review tasks they open."""
    filings = _tasks(
        world_app, role="unit", org_id=world["unit"].org_id, form="target_table", status="ready"
    )[:count]
    assert len(filings) == count, "the lived-in year has too few filings waiting"
    reviews = []
    for filing in filings:
        response = client.post(
            f"/api/v1/tasks/{filing.id}/complete",
            json={"data": {"confirmed": True}},
            headers=world.headers("unit"),
        )
        assert response.status_code == 200, response.json
        (review,) = _tasks(world_app, form="review", status="ready", instance_id=filing.instance_id)
        reviews.append(review)
    return reviews


def _table_of(client, world, review_id: int) -> dict:
    response = client.get(f"/api/v1/tasks/{review_id}", headers=world.headers("department"))
    assert response.status_code == 200, response.json
    return response.json["review"]["document"]


def test_review_page_shows_the_target_table_and_chooses_nothing(
    login, world, world_app, world_client
):
    (review,) = _submit_targets(world_client, world, world_app)
    document = _table_of(world_client, world, review.id)
    assert document["type"] == "target_table" and document["rows"]
    client = login("department")
    page = client.get(f"/tasks/{review.id}", headers=HTML)
    assert page.status_code == 200
    text = page.text
    assert "审核对象（只读）" in text and "绩效目标表" in text
    for row in document["rows"]:
        assert row["name"] in text
    assert document["fields"]["goal"] in text
    # Level-1 names in the page's language, weights without exponents.
    assert document["rows"][0]["level1"]["zh-CN"] in text
    assert not re.search(r"\dE[+-]\d", text)
    # Nothing is pre-selected (it used to be 通过).
    radios = re.findall(r'<input type="radio" name="outcome"[^>]*>', text)
    assert len(radios) == 2 and not any("checked" in radio for radio in radios)
    # Submitting without a choice is a clear form error; the task stays ready.
    response = client.post(
        f"/tasks/{review.id}", data={"csrf_token": csrf(client), "comment": ""}, headers=HTML
    )
    assert response.status_code == 422
    assert "请选择审核结果：通过或退回修改。" in response.text
    assert _tasks(world_app, id=review.id)[0].status == "ready"


def test_a_resubmitted_table_shows_what_changed_and_the_earlier_comments(
    login, world, world_app, world_client
):
    (review,) = _submit_targets(world_client, world, world_app)
    client = login("department")
    response = client.post(
        f"/tasks/{review.id}",
        data={"csrf_token": csrf(client), "outcome": "return", "comment": "请细化产出指标"},
        headers=HTML,
    )
    assert response.status_code == 302, response.text
    # The document as it was returned is kept in the audit log.
    document = _table_of(world_client, world, review.id)
    engine = world_app.extensions["budgetloop.engine"]
    with engine.connect() as connection:
        kept = connection.execute(
            select(AuditEvent.payload).where(
                AuditEvent.action == "review.returned",
                AuditEvent.object_type == "target_table",
                AuditEvent.object_id == str(document["id"]),
            )
        ).all()
    assert len(kept) == 1 and kept[0].payload["document"]["rows"] == document["rows"]

    # The unit changes one target value and the goal, then resubmits.
    unit = world.headers("unit")
    table = world_client.get(f"/api/v1/target-tables/{document['id']}", headers=unit).json
    indicators = [{key: row[key] for key in EDITABLE_FIELDS} for row in table["indicators"]]
    changed = next(
        row
        for row in indicators
        if row["target_value"] is not None and Decimal(row["target_value"]) >= 2
    )
    before = changed["target_value"]
    changed["target_value"] = str(int(Decimal(before)) - 1)
    new_goal = table["goal"] + "（已细化）"
    response = world_client.put(
        f"/api/v1/target-tables/{document['id']}",
        json={"goal": new_goal, "version": table["version"], "indicators": indicators},
        headers=unit,
    )
    assert response.status_code == 200, response.json
    (revise,) = _tasks(world_app, form="revise", status="ready", instance_id=review.instance_id)
    response = world_client.post(
        f"/api/v1/tasks/{revise.id}/complete",
        json={"data": {"comment": "已按意见修改"}},
        headers=unit,
    )
    assert response.status_code == 200, response.json
    (again,) = _tasks(world_app, form="review", status="ready", instance_id=review.instance_id)

    # Over the API: the changed row, the changed goal, and the history of both levels' steps.
    body = world_client.get(f"/api/v1/tasks/{again.id}", headers=world.headers("department"))
    review_part = body.json["review"]
    changes = review_part["changes"]
    assert [c["row"]["name"] for c in changes["changed"]] == [changed["name"]]
    assert changes["changed"][0]["before"]["target"] == str(Decimal(before).normalize())
    assert changes["added"] == [] and changes["removed"] == []
    assert [f["name"] for f in changes["fields"]] == ["goal"]
    assert review_part["returned"]["comment"] == "请细化产出指标"
    history = [(h["form"], h["outcome"], h["comment"]) for h in review_part["history"]]
    assert history == [("review", "return", "请细化产出指标"), ("revise", None, "已按意见修改")]

    # On the page: the same, in Chinese.
    page = client.get(f"/tasks/{again.id}", headers=HTML).text
    assert "自上次退回以来的修改" in page and "请细化产出指标" in page
    assert f"<del>{Decimal(before).normalize():f}</del>" in page
    assert "（已细化）" in page and "修改后重新报送" in page


def test_an_unchanged_resubmission_says_so(login, world, world_app, world_client):
    (review,) = _submit_targets(world_client, world, world_app)
    world_client.post(
        f"/api/v1/tasks/{review.id}/complete",
        json={"data": {"outcome": "return", "comment": "补充依据"}},
        headers=world.headers("department"),
    )
    (revise,) = _tasks(world_app, form="revise", status="ready", instance_id=review.instance_id)
    world_client.post(
        f"/api/v1/tasks/{revise.id}/complete", json={"data": {}}, headers=world.headers("unit")
    )
    (again,) = _tasks(world_app, form="review", status="ready", instance_id=review.instance_id)
    page = login("department").get(f"/tasks/{again.id}", headers=HTML).text
    assert "自上次退回以来，文书未作任何修改。" in page


def test_every_kind_of_reviewed_document_is_shown(login, world, world_app, world_client):
    """Monitoring reports and self-evaluations too (the department's completed reviews of the
    lived-in year), over the API and on the page."""
    done = _tasks(world_app, form="review", role="department", status="completed")
    by_process = {}
    for task in done:
        if task.org_id == world["department"].org_id:
            by_process.setdefault(task.process_key, task)
    assert {"review__monitoring_report", "review__self_evaluation"} <= set(by_process)
    client = login("department")
    expected = {
        "review__target_table": ("target_table", "三级指标"),
        "review__monitoring_report": ("monitoring_report", "完成可能性"),
        "review__self_evaluation": ("self_evaluation", "得分"),
        "review__budget_adjustment": ("budget_adjustment", "调整方式"),
    }
    for process, task in by_process.items():
        body = world_client.get(f"/api/v1/tasks/{task.id}", headers=world.headers("department"))
        assert body.status_code == 200, body.json
        document = body.json["review"]["document"]
        kind, heading = expected[process]
        assert document["type"] == kind, process
        if kind != "budget_adjustment":
            assert document["rows"], process
        page = client.get(f"/tasks/{task.id}", headers=HTML)
        assert page.status_code == 200
        assert heading in page.text and "该事项已办结" in page.text
        assert not re.search(r"\dE[+-]\d", page.text)


def test_the_review_page_speaks_english_on_request(login, world, world_app, world_client):
    (review,) = _submit_targets(world_client, world, world_app)
    client = login("department")
    page = client.get(f"/tasks/{review.id}?lang=en", headers=HTML).text
    assert "Document under review (read-only)" in page and "Performance target table" in page
    assert "Level 1" in page and "Weight" in page and "Review history" in page
    document = _table_of(world_client, world, review.id)
    assert document["rows"][0]["level1"]["en"] in page
    inbox = client.get("/inbox?lang=en", headers=HTML).text
    assert "Bulk review" in inbox and "To do" in inbox and "审核结果" not in inbox
    done = client.get("/inbox/done?lang=en", headers=HTML).text
    assert "Tasks I completed" in done


def test_a_rectification_review_chooses_nothing_either(login, world, world_app, world_client):
    start(world_app, "rectification", world["unit"].org_id)
    feedback = ready(world_app, form="rectification_feedback", org_id=world["unit"].org_id)[-1]
    done = world_client.post(
        f"/api/v1/tasks/{feedback.id}/complete",
        json={"data": {"feedback": "已完善资金管理制度"}},
        headers=world.headers("unit"),
    )
    assert done.status_code == 200, done.json
    review = ready(world_app, form="rectification_review", org_id=world["finance"].org_id)[-1]
    client = login("finance")
    text = client.get(f"/tasks/{review.id}", headers=HTML).text
    assert "已完善资金管理制度" in text  # the feedback under review
    radios = re.findall(r'<input type="radio" name="outcome"[^>]*>', text)
    assert len(radios) == 2 and not any("checked" in radio for radio in radios)
    response = client.post(f"/tasks/{review.id}", data={"csrf_token": csrf(client)}, headers=HTML)
    assert response.status_code == 422
    assert _tasks(world_app, id=review.id)[0].status == "ready"
