"""One error table: web/errors.py chooses the HTTP status of every error (default 500, logged).

The pages that show a refusal beside their form take its status from the table too; no module
of web/ maps an error to a status of its own (checked here on the source), and an error the
table does not list is a logged server fault wherever it is raised."""

from __future__ import annotations

import ast
import logging
from pathlib import Path

import pytest
from flask import request
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm.exc import StaleDataError

import engine.errors
from engine.errors import (
    BudgetloopError,
    Conflict,
    DatabaseUnavailable,
    DefinitionRejected,
    Forbidden,
    InvalidInput,
    TooLarge,
    UnsupportedMediaType,
)
from web import create_app
from web.errors import REQUEST_ID_HEADER, STATUS_OF, refusal_status, status_of
from web.server_answers import RequestTimedOut

WEB = Path(__file__).resolve().parents[2] / "web"
TABLE = WEB / "errors.py"
STATUSES = range(400, 600)
# Names of error classes a module could map to a status (the engine's, the server's, the
# database's), as they are written in the source.
ERROR_NAMES = {
    name
    for name, value in vars(engine.errors).items()
    if isinstance(value, type) and issubclass(value, Exception)
} | {"RequestTimedOut", "IntegrityError", "OperationalError", "StaleDataError", "HTTPException"}


def _is_status(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and type(node.value) is int and node.value in STATUSES


def _names(node: ast.AST) -> set[str]:
    return {
        part.id if isinstance(part, ast.Name) else part.attr
        for part in ast.walk(node)
        if isinstance(part, ast.Name | ast.Attribute)
    }


def _status_choices(path: Path) -> list[str]:
    """Where a module chooses a status from an error: in a handler, a table or a test."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        where = f"{path.name}:{getattr(node, 'lineno', '?')}"
        if isinstance(node, ast.ExceptHandler):
            for inner in ast.walk(node):
                if _is_status(inner):
                    found.append(f"{where}: a status literal in an except block")
        elif isinstance(node, ast.Dict):
            keys = set().union(*(_names(key) for key in node.keys if key is not None))
            if keys & ERROR_NAMES and any(_is_status(value) for value in node.values):
                found.append(f"{where}: a table of errors to statuses")
        elif isinstance(node, ast.IfExp):
            if {"isinstance", "issubclass", "type"} & _names(node.test) and (
                _is_status(node.body) or _is_status(node.orelse)
            ):
                found.append(f"{where}: a status chosen by an error's type")
    return found


def test_only_web_errors_chooses_a_status_for_an_error():
    modules = [path for path in sorted(WEB.rglob("*.py")) if path != TABLE]
    assert len(modules) > 40
    found = [choice for path in modules for choice in _status_choices(path)]
    assert found == [], "\n".join(found)


def _page_modules() -> list[Path]:
    """The shared pages (web/pages) and every area's modules but its API (`api.py`, `*_api.py`),
    which documents the statuses it answers with."""
    return sorted(
        path
        for path in WEB.glob("*/*.py")
        if path.parent.name != "api" and path.stem != "api" and not path.stem.endswith("_api")
    )


def test_pages_spell_no_status_at_all():
    """A page's answer other than 200 is a refusal: its status comes from the table."""
    pages = _page_modules()
    assert {"nav.py", "dashboard.py", "task_forms.py"} <= {path.name for path in pages}
    spelt = [
        f"{path.name}:{node.lineno}"
        for path in pages
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if _is_status(node)
    ]
    assert spelt == []


def test_the_check_finds_what_the_pages_used_to_do(tmp_path):
    old = tmp_path / "old.py"
    old.write_text(
        "STATUS = {InvalidInput: 422, Conflict: 409}\n"
        "try:\n    pass\nexcept Conflict as error:\n"
        "    status = {Conflict: 409, Forbidden: 403}.get(type(error), 422)\n"
        "status = 409 if isinstance(error, Conflict) else 422\n"
    )
    lines = {choice.split(":")[1] for choice in _status_choices(old)}
    assert lines == {"1", "4", "5", "6"}


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (InvalidInput("x"), 422),
        (DefinitionRejected([]), 422),  # a subclass answers as its family
        (Forbidden("x"), 403),
        (Conflict("x"), 409),
        (TooLarge("x"), 413),
        (UnsupportedMediaType("x"), 415),
        (DatabaseUnavailable("x"), 503),  # its own row, before ConfigurationError's 500
        (RequestTimedOut("x"), 503),
        (IntegrityError("insert", {}, Exception("unique")), 409),
        (StaleDataError("x"), 409),
        (OperationalError("select", {}, Exception("down")), 503),
        (type("Unlisted", (BudgetloopError,), {})("x"), 500),
        (KeyError("x"), 500),
    ],
)
def test_status_of(error, status):
    assert status_of(error) == status
    assert status_of(type(error)) == status


def test_a_subclass_of_a_refusal_keeps_its_status():
    """The dashboard looked statuses up by the exact type: a subclass of Conflict or Forbidden
    was answered 422. The table walks the class's ancestors."""
    stale = type("StaleAlert", (Conflict,), {})
    denied = type("NotYours", (Forbidden,), {})
    assert status_of(stale("x")) == 409 and status_of(denied("x")) == 403


class Unlisted(BudgetloopError):
    code = "unlisted"


@pytest.fixture
def fault_app(database_url):
    """The app with two routes that raise an error the table does not list: one for the API,
    one that, like a page, shows a refusal beside its form."""
    app = create_app({"DATABASE_URL": database_url, "SECRET_KEY": "test", "TESTING": True})

    @app.get("/api/v1/_unlisted")
    def api_unlisted():
        raise Unlisted("not in the table")

    @app.get("/_refused")
    def page_refusal():
        error = Unlisted("not in the table") if request.args.get("kind") else Conflict("stale")
        try:
            raise error
        except BudgetloopError as caught:
            return "the form again", refusal_status(caught)

    yield app
    app.extensions["budgetloop.engine"].dispose()


def test_an_unlisted_error_is_a_logged_500(fault_app, caplog):
    client = fault_app.test_client()
    with caplog.at_level(logging.ERROR, logger="web.errors"):
        response = client.get("/api/v1/_unlisted")
    assert response.status_code == 500
    assert set(response.json) == {"code", "status", "message", "errors"}
    assert response.json["code"] == "unlisted"
    request_id = response.headers[REQUEST_ID_HEADER]
    assert any(request_id in record.getMessage() for record in caplog.records)


def test_a_page_shows_a_refusal_but_never_a_server_fault(fault_app, caplog):
    client = fault_app.test_client()
    refused = client.get("/_refused")
    assert refused.status_code == 409 and refused.text == "the form again"
    with caplog.at_level(logging.ERROR, logger="web.errors"):
        fault = client.get("/_refused?kind=unlisted", headers={"Accept": "text/html"})
    assert fault.status_code == 500 and "the form again" not in fault.text
    request_id = fault.headers[REQUEST_ID_HEADER]
    assert any(request_id in record.getMessage() for record in caplog.records)


def test_the_table_lists_no_client_status_for_a_server_fault():
    assert all(status in STATUSES for status in STATUS_OF.values())
    assert 400 not in STATUS_OF.values()
