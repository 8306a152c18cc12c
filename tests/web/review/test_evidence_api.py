"""暂存 and 佐证材料 over the API and on the task page: drafts, uploads, downloads, lists,
limits, scope and CSRF, on the lived-in year."""

from __future__ import annotations

import io
import re
from urllib.parse import quote

import pytest
from sqlalchemy import func, select, update
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from engine.models import Attachment, AttachmentBlob, AuditEvent, HumanTask, TaskDraft
from tests.web.conftest import csrf
from web.uploads import MAX_BYTES_VAR

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
NAME = "执行进度说明 (2026).pdf"
ERROR_KEYS = {"code", "status", "message", "errors"}


def _reopen(world_app, form: str, org_id: int) -> int:
    """A completed task of `form` made ready again for `org_id` (the lived-in year is done)."""
    with world_app.extensions["budgetloop.engine"].begin() as db:
        mine = select(HumanTask.id).where(HumanTask.form == form, HumanTask.org_id == org_id)
        anyone = select(HumanTask.id).where(HumanTask.form == form)
        task_id = db.scalar(mine.order_by(HumanTask.id.desc()).limit(1)) or db.scalar(
            anyone.order_by(HumanTask.id.desc()).limit(1)
        )
        assert task_id is not None, f"the lived-in year has a {form} task"
        db.execute(
            update(HumanTask).where(HumanTask.id == task_id).values(status="ready", org_id=org_id)
        )
    return task_id


def _count(world_app, model) -> int:
    with world_app.extensions["budgetloop.engine"].connect() as db:
        return db.scalar(select(func.count()).select_from(model))


def _upload(client, task_id, content=PDF, name=NAME, headers=None, query=""):
    return client.post(
        f"/api/v1/tasks/{task_id}/attachments{query}",
        data={"file": (io.BytesIO(content), name)},
        content_type="multipart/form-data",
        headers=headers or {},
    )


@pytest.fixture
def report_task(world_app, world) -> int:
    return _reopen(world_app, "monitoring_report", world["unit"].org_id)


def _stranger(world) -> dict:
    return {"Authorization": f"Bearer {world.strangers['unit'].token}"}


# ---- drafts over the API ------------------------------------------------------------------


def test_a_draft_over_the_api(world_client, world, world_app, report_task):
    url, unit = f"/api/v1/tasks/{report_task}/draft", world.headers("unit")
    assert world_client.get(url, headers=unit).json == {
        "task_id": report_task,
        "data": {},
        "version": 0,
        "saved_by": None,
        "saved_at": None,
    }
    typed = {"executed_to_date": "1200", "note-1": "进度偏慢"}
    saved = world_client.put(url, json={"data": typed, "version": 0}, headers=unit)
    assert saved.status_code == 200 and saved.json["version"] == 1
    # Another tab still holding version 0 is refused, in the user's language.
    stale = world_client.put(url, json={"data": {"x": "1"}, "version": 0}, headers=unit)
    assert stale.status_code == 409 and set(stale.json) == ERROR_KEYS
    assert "其他窗口" in stale.json["message"] and "第 1 版" in stale.json["message"]
    english = world_client.put(f"{url}?lang=en", json={"data": {}, "version": 0}, headers=unit)
    assert "another window" in english.json["message"]
    assert world_client.get(url, headers=unit).json["data"] == typed
    for outsider in (_stranger(world), world.headers("department"), world.headers("supervisor")):
        assert world_client.get(url, headers=outsider).status_code == 404
        assert world_client.put(url, json={"data": {}}, headers=outsider).status_code == 404
    assert world_client.get(url).status_code == 401
    too_big = world_client.put(url, json={"data": {"n": "x" * 300_000}}, headers=unit)
    assert too_big.status_code == 413 and set(too_big.json) == ERROR_KEYS
    assert world_client.delete(url, headers=unit).status_code == 204
    assert world_client.get(url, headers=unit).json["version"] == 0
    with world_app.extensions["budgetloop.engine"].connect() as db:
        actions = db.scalars(
            select(AuditEvent.action).where(AuditEvent.object_id == str(report_task))
        ).all()
    assert actions[-2:] == ["draft.save", "draft.discard"]


def test_a_review_has_no_draft(world_client, world, world_app):
    task_id = _reopen(world_app, "review", world["department"].org_id)
    response = world_client.put(
        f"/api/v1/tasks/{task_id}/draft", json={"data": {}}, headers=world.headers("department")
    )
    assert response.status_code == 422 and "不支持暂存" in response.json["message"]


# ---- attachments over the API -------------------------------------------------------------


def test_upload_list_and_download(world_client, world, world_app, report_task):
    unit = world.headers("unit")
    created = _upload(world_client, report_task, headers=unit)
    assert created.status_code == 201, created.json
    body = created.json
    assert body["file_name"] == NAME and body["media_type"] == "application/pdf"
    assert body["size"] == len(PDF) and body["document_type"] == "monitoring_report"
    listed = world_client.get(f"/api/v1/tasks/{report_task}/attachments", headers=unit).json
    assert [item["id"] for item in listed["items"]] == [body["id"]]
    url = f"/api/v1/attachments/{body['id']}/content"
    # The unit, its department, its finance desk, performance and supervisors download it.
    for role in ("unit", "department", "finance", "performance", "supervisor"):
        download = world_client.get(url, headers=world.headers(role))
        assert download.status_code == 200, role
        assert download.data == PDF and download.mimetype == "application/pdf"
        disposition = download.headers["Content-Disposition"]
        assert disposition.startswith("attachment;")
        assert f"filename*=UTF-8''{quote(NAME)}" in disposition
        assert download.headers["X-Content-Type-Options"] == "nosniff"
        page = world_client.get(
            f"/api/v1/attachments/?document_type=monitoring_report&document_id={body['document_id']}",
            headers=world.headers(role),
        ).json
        assert [item["id"] for item in page["items"]] == [body["id"]]
    # Another unit: not found, and not in its list.
    assert world_client.get(url, headers=_stranger(world)).status_code == 404
    listed = world_client.get("/api/v1/attachments/?per_page=200", headers=_stranger(world)).json
    assert body["id"] not in [item["id"] for item in listed["items"]]
    assert world_client.get(url).status_code == 401


@pytest.mark.parametrize(
    ("content", "name", "status", "words"),
    [
        (b"MZ\x90\x00", "setup.exe", 415, "不接受“.exe”类型的文件"),
        (b"MZ\x90\x00", "伪装.pdf", 415, "不是有效的 pdf 文件"),
        (PDF, "图片.png", 415, "不是有效的 png 文件"),
        (b"", "空.pdf", 422, "文件为空"),
        (PDF + b"\x00" * 4096, "大.pdf", 413, "文件超过 2 KB 的大小限制"),
    ],
)
def test_refused_uploads_say_why_and_store_nothing(
    world_client, world, world_app, report_task, content, name, status, words
):
    world_app.config[MAX_BYTES_VAR] = 2048
    response = _upload(world_client, report_task, content, name, world.headers("unit"))
    assert response.status_code == status and set(response.json) == ERROR_KEYS
    assert response.json["status"] == status and "file" in response.json["errors"]
    assert words in response.json["message"], response.json
    assert _count(world_app, Attachment) == _count(world_app, AttachmentBlob) == 0


def test_an_oversized_body_is_refused_before_it_is_read(
    world_client, world, world_app, report_task
):
    world_app.config[MAX_BYTES_VAR] = 1024
    body = PDF + b"\x00" * (400 * 1024)
    response = _upload(world_client, report_task, body, "大.pdf", world.headers("unit"), "?lang=en")
    assert response.status_code == 413 and set(response.json) == ERROR_KEYS
    assert "larger than the" in response.json["message"]
    assert _count(world_app, Attachment) == 0


def test_who_may_delete(world_client, world, world_app, report_task):
    created = _upload(world_client, report_task, headers=world.headers("unit")).json
    url = f"/api/v1/attachments/{created['id']}"
    assert world_client.delete(url, headers=world.headers("department")).status_code == 403
    assert world_client.delete(url, headers=world.headers("supervisor")).status_code == 403
    assert world_client.delete(url, headers=_stranger(world)).status_code == 404
    with world_app.extensions["budgetloop.engine"].begin() as db:
        db.execute(update(HumanTask).where(HumanTask.id == report_task).values(status="completed"))
    closed = world_client.delete(url, headers=world.headers("unit"))
    assert closed.status_code == 409 and "已办结" in closed.json["message"]
    with world_app.extensions["budgetloop.engine"].begin() as db:
        db.execute(update(HumanTask).where(HumanTask.id == report_task).values(status="ready"))
    assert world_client.delete(url, headers=world.headers("unit")).status_code == 204
    assert _count(world_app, Attachment) == _count(world_app, AttachmentBlob) == 0
    with world_app.extensions["budgetloop.engine"].connect() as db:
        actions = db.scalars(
            select(AuditEvent.action).where(AuditEvent.object_type == "attachment")
        ).all()
    assert actions == ["attachment.upload", "attachment.delete"]


def test_a_page_session_writes_only_with_its_csrf_token(world_app, login, world, report_task):
    client = login("unit")
    client.get(f"/tasks/{report_task}")
    without = client.put(f"/api/v1/tasks/{report_task}/draft", json={"data": {}})
    assert without.status_code == 403
    without = _upload(client, report_task)
    assert without.status_code == 403 and _count(world_app, Attachment) == 0
    token = {"X-CSRF-Token": csrf(client)}
    assert _upload(client, report_task, headers=token).status_code == 201
    saved = client.put(f"/api/v1/tasks/{report_task}/draft", json={"data": {}}, headers=token)
    assert saved.status_code == 200


# ---- on the task page ---------------------------------------------------------------------


def test_the_task_page_saves_a_draft_and_shows_it_again(world_app, login, world, report_task):
    client = login("unit")
    page = client.get(f"/tasks/{report_task}")
    assert page.status_code == 200
    assert "暂存" in page.text and "佐证材料" in page.text and "暂无佐证材料" in page.text
    ids = re.findall(r'name="indicator_id" value="(\d+)"', page.text)
    typed = {
        "csrf_token": csrf(client),
        "executed_to_date": "1234.5",
        "indicator_id": ids,
        f"note-{ids[0]}": "设备到货延迟",
        "draft_version": "0",
    }
    saved = client.post(f"/tasks/{report_task}/draft", data=typed)
    assert saved.status_code == 302 and saved.location.endswith(f"/tasks/{report_task}")
    again = client.get(f"/tasks/{report_task}")
    assert 'value="1234.5"' in again.text and 'value="设备到货延迟"' in again.text
    assert "已暂存（第 1 版）" in again.text and 'name="draft_version" value="1"' in again.text
    with world_app.extensions["budgetloop.engine"].connect() as db:
        status = db.scalar(select(HumanTask.status).where(HumanTask.id == report_task))
        draft = db.scalar(select(TaskDraft.data).where(TaskDraft.task_id == report_task))
    assert status == "ready" and draft["executed_to_date"] == "1234.5"
    assert "csrf_token" not in draft and "draft_version" not in draft
    # The same form from a tab opened before the save: refused, what was typed is kept.
    stale = client.post(f"/tasks/{report_task}/draft", data={**typed, "executed_to_date": "9"})
    assert stale.status_code == 409 and "其他窗口" in stale.text and 'value="9"' in stale.text
    # No CSRF token, no draft.
    forged = client.post(f"/tasks/{report_task}/draft", data={"executed_to_date": "1"})
    assert forged.status_code == 403


def test_the_task_page_uploads_and_deletes(world_app, login, world, report_task):
    client = login("unit")
    client.get(f"/tasks/{report_task}")
    posted = {"csrf_token": csrf(client), "executed_to_date": "77", "draft_version": "0"}
    wrong = client.post(
        f"/tasks/{report_task}/attachments",
        data={**posted, "file": (io.BytesIO(b"GIF89a"), "动图.gif")},
        content_type="multipart/form-data",
    )
    assert wrong.status_code == 415 and "不接受“.gif”类型的文件" in wrong.text
    assert 'value="77"' in wrong.text
    uploaded = client.post(
        f"/tasks/{report_task}/attachments",
        data={**posted, "file": (io.BytesIO(PDF), NAME)},
        content_type="multipart/form-data",
    )
    assert uploaded.status_code == 200 and "已上传佐证材料" in uploaded.text
    assert NAME in uploaded.text and 'value="77"' in uploaded.text
    [attachment_id] = re.findall(r"/api/v1/attachments/(\d+)/content", uploaded.text)
    assert client.get(f"/api/v1/attachments/{attachment_id}/content").data == PDF
    deleted = client.post(f"/tasks/{report_task}/attachments/{attachment_id}/delete", data=posted)
    assert deleted.status_code == 200 and "已删除佐证材料" in deleted.text
    assert _count(world_app, Attachment) == 0


@pytest.mark.parametrize("form", ["self_evaluation", "rectification_feedback"])
def test_the_other_forms_take_drafts_and_files(world_app, login, world, form):
    task_id = _reopen(world_app, form, world["unit"].org_id)
    client = login("unit")
    page = client.get(f"/tasks/{task_id}")
    assert page.status_code == 200 and "暂存" in page.text and "佐证材料" in page.text
    token = csrf(client)
    field = "feedback" if form == "rectification_feedback" else "executed"
    saved = client.post(
        f"/tasks/{task_id}/draft", data={"csrf_token": token, field: "已完成整改方案第一稿"}
    )
    assert saved.status_code == 302
    assert "已完成整改方案第一稿" in client.get(f"/tasks/{task_id}").text
    uploaded = client.post(
        f"/tasks/{task_id}/attachments",
        data={"csrf_token": token, "file": (io.BytesIO(PDF), "整改报告.pdf")},
        content_type="multipart/form-data",
    )
    assert uploaded.status_code == 200 and "整改报告.pdf" in uploaded.text


REVIEW_INCLUDE = """
{% with attachments=attachments_of_document("monitoring_report", report_id) %}
  {% include "attachments/_list.html" %}
{% endwith %}
"""


def test_a_review_page_includes_the_documents_files(world_client, world, world_app, report_task):
    """What a review page does to show the document's evidence: the template global and the
    read-only list, scoped to whoever is looking."""
    from flask import render_template_string

    created = _upload(world_client, report_task, headers=world.headers("unit")).json
    for role, headers, shown in (
        ("department", world.headers("department"), True),
        ("supervisor", world.headers("supervisor"), True),
        ("stranger", _stranger(world), False),
    ):
        with world_app.test_request_context(
            f"/inbox?lang={'en' if shown else 'zh-CN'}", headers=headers
        ):
            world_app.preprocess_request()
            html = render_template_string(REVIEW_INCLUDE, report_id=created["document_id"])
        assert (NAME in html) == shown, role
        assert (f"/api/v1/attachments/{created['id']}/content" in html) == shown, role
        assert "删除" not in html and "Delete" not in html
    assert "Supporting documents" in html or "佐证材料" in html


def test_the_task_page_speaks_english_on_request(world_app, login, world, report_task):
    client = login("unit")
    page = client.get(f"/tasks/{report_task}?lang=en")
    assert "Supporting documents" in page.text and "Save draft" in page.text
    assert "佐证材料" not in page.text and "暂存" not in page.text


def test_a_file_larger_than_other_requests_may_be_is_taken(
    world_client, world, world_app, report_task
):
    """The app caps request bodies at 8 MB (MAX_CONTENT_LENGTH); an evidence file has its own,
    larger limit (20 MB by default)."""
    assert world_app.config["MAX_CONTENT_LENGTH"] < 9 * 1024 * 1024
    scan = PDF + b"\x00" * (9 * 1024 * 1024)
    # Encoded here in memory: the test client would spool a body this large to a temporary
    # file that it never closes.
    boundary, body = encode_multipart({"file": FileStorage(io.BytesIO(scan), "扫描件.pdf")})
    created = world_client.post(
        f"/api/v1/tasks/{report_task}/attachments",
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
        headers=world.headers("unit"),
    )
    assert created.status_code == 201, created.json
    download = world_client.get(
        f"/api/v1/attachments/{created.json['id']}/content", headers=world.headers("department")
    )
    assert download.data == scan


def test_a_body_without_a_length_is_refused_unread(world_client, world, world_app, report_task):
    """A chunked upload says nothing of its size: it is refused before anything reads it, in
    the user's words and the error shape."""
    world_app.config[MAX_BYTES_VAR] = 1024
    boundary = "evidence"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="大.pdf"\r\n'
            "Content-Type: application/pdf\r\n\r\n"
        ).encode()
        + PDF
        + b"\x00" * (600 * 1024)
        + f"\r\n--{boundary}--\r\n".encode()
    )
    response = world_client.post(
        f"/api/v1/tasks/{report_task}/attachments",
        input_stream=io.BytesIO(body),
        content_type=f"multipart/form-data; boundary={boundary}",
        headers={**world.headers("unit"), "Transfer-Encoding": "chunked"},
        environ_overrides={"wsgi.input_terminated": True},
    )
    assert response.status_code == 411 and set(response.json) == ERROR_KEYS
    assert "未注明长度" in response.json["message"] and "file" in response.json["errors"]
    assert _count(world_app, Attachment) == 0
