"""A hostile .xlsx upload is a quick 422 naming why, changes nothing, and is parsed while the
request holds no transaction (on SQLite: no write lock while openpyxl reads)."""

from __future__ import annotations

import io
import sqlite3
import time

import pytest
from flask import g
from openpyxl import load_workbook
from sqlalchemy import func, select

from engine.models import AuditEvent, Indicator, TargetTable
from engine.targets import excel
from engine.targets.excel import FIRST_ROW, SHEET
from tests.support import hostile_xlsx as hostile
from tests.web.conftest import csrf

HTML = {"Accept": "text/html"}


def _draft(client, world) -> dict:
    listing = client.get(
        "/api/v1/target-tables/?status=draft&per_page=1", headers=world.headers("unit")
    )
    table_id = listing.json["items"][0]["id"]
    return client.get(f"/api/v1/target-tables/{table_id}", headers=world.headers("unit")).json


def _export(client, world, table_id: int) -> bytes:
    response = client.get(f"/api/v1/target-tables/{table_id}/excel", headers=world.headers("unit"))
    assert response.status_code == 200
    return response.data


def _upload(client, world, table_id: int, data: bytes, language: str = "zh-CN"):
    return client.post(
        f"/api/v1/target-tables/{table_id}/excel",
        data={"file": (io.BytesIO(data), "targets.xlsx")},
        headers={**world.headers("unit"), "Accept-Language": language},
        content_type="multipart/form-data",
    )


def _state(world_app, table_id: int) -> tuple:
    engine = world_app.extensions["budgetloop.engine"]
    with engine.connect() as connection:
        version = connection.scalar(select(TargetTable.version).where(TargetTable.id == table_id))
        names = list(
            connection.scalars(
                select(Indicator.name)
                .where(Indicator.target_table_id == table_id)
                .order_by(Indicator.position)
            )
        )
        events = connection.scalar(select(func.count()).select_from(AuditEvent))
    return version, names, events


# Read unbounded, these packages held a worker for minutes or took all its memory; refused, they
# take a few hundred milliseconds. The bound is far from both, so a loaded machine passes.
STALL = 10.0


def _hostile(export: bytes) -> dict:
    """Each small enough to stay under the test client's 500 KB spooling (a 1,000,000-row sheet
    is refused the same way in tests/engine/test_xlsx_limits.py)."""
    return {
        "rows": hostile.rows(5_001),
        "merged": hostile.merged("A1:GR1000"),
        "doctype": hostile.with_doctype(export),
        "ratio": hostile.bomb(export),
    }


def test_hostile_uploads_are_a_quick_422_naming_why_and_change_nothing(
    world_client, world, world_app
):
    table = _draft(world_client, world)
    export = _export(world_client, world, table["id"])
    before = _state(world_app, table["id"])
    for reason, data in _hostile(export).items():
        started = time.monotonic()
        response = _upload(world_client, world, table["id"], data)
        assert time.monotonic() - started < STALL, reason
        assert response.status_code == 422, (reason, response.json)
        body = response.json
        assert set(body) >= {"code", "status", "message", "errors"}
        assert body["errors"] == {"xlsx": reason}
        assert body["message"].startswith("未导入："), body
        assert _state(world_app, table["id"]) == before, reason
    english = _upload(world_client, world, table["id"], hostile.rows(5_001), "en")
    assert english.status_code == 422
    assert english.json["message"] == "Nothing was imported: the sheet has more than 5000 rows."


def test_a_hostile_upload_is_said_in_chinese_on_the_page(login, world_client, world_app, world):
    table = _draft(world_client, world)
    login("unit")
    world_client.get(f"/target-tables/{table['id']}/edit", headers=HTML)
    before = _state(world_app, table["id"])  # after the login's own audit event
    started = time.monotonic()
    response = world_client.post(
        f"/target-tables/{table['id']}/excel",
        data={
            "csrf_token": csrf(world_client),
            "version": str(table["version"]),
            "file": (io.BytesIO(hostile.rows(5_001)), "申报表.xlsx"),
        },
        headers=HTML,
        content_type="multipart/form-data",
    )
    assert time.monotonic() - started < STALL
    assert response.status_code == 422
    assert "未导入：工作表超过 5000 行。" in response.text
    assert _state(world_app, table["id"]) == before


@pytest.fixture
def watched_parsing(world_app, monkeypatch):
    """While openpyxl reads an upload: whether the request's session is in a transaction, and
    (SQLite) whether another connection could take the write lock at once."""
    seen: list[tuple[bool, bool | None]] = []
    url = world_app.config["DATABASE_URL"]
    real = excel.load_workbook

    def load_workbook_watched(*args, **kwargs):
        in_transaction = g.db_session.in_transaction() if "db_session" in g else False
        writable = None
        if url.startswith("sqlite:///"):
            other = sqlite3.connect(url.removeprefix("sqlite:///"), timeout=0)
            try:
                other.execute("BEGIN IMMEDIATE")
                other.execute("ROLLBACK")
                writable = True
            except sqlite3.OperationalError:
                writable = False
            finally:
                other.close()
        seen.append((in_transaction, writable))
        return real(*args, **kwargs)

    monkeypatch.setattr(excel, "load_workbook", load_workbook_watched)
    return seen


def test_a_workbook_is_parsed_outside_the_write_transaction_and_still_imports(
    world_client, world, world_app, watched_parsing
):
    table = _draft(world_client, world)
    book = load_workbook(io.BytesIO(_export(world_client, world, table["id"])))
    book[SHEET].cell(FIRST_ROW, 3, "从表格改的名称")
    buffer = io.BytesIO()
    book.save(buffer)
    response = _upload(world_client, world, table["id"], buffer.getvalue())
    assert response.status_code == 200, response.json
    assert response.json["version"] == table["version"] + 1
    assert response.json["indicators"][0]["name"] == "从表格改的名称"
    assert len(watched_parsing) == 1
    in_transaction, writable = watched_parsing[0]
    assert in_transaction is False
    assert writable in (True, None)  # None: PostgreSQL, where no lock is taken up front
