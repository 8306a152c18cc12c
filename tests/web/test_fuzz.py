"""Property-based fuzz of the API from its own OpenAPI document (schemathesis).

Every operation is called with generated input, valid and invalid, as a role the
authorization matrix lets through (so that writes reach their validation and the engine, not
just a 403); no answer may be a 500 or break the schema the document declares.
"""

from __future__ import annotations

import json
import os
import zlib

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from tests.web.test_authorization_matrix import ROLES, ROWS
from web import create_app

# Cells of the matrix that let a role through, the most permissive first: a role that may act
# (write) gets the write's whole path exercised; else one that reads every row; else any.
LETS_THROUGH = ("act", "all", "200", "own")


def role_for(method: str, path: str) -> str:
    """A role the matrix allows for the operation, the same one in every run."""
    cells = ROWS.get((method.upper(), path))
    if cells is None:  # a method the document does not declare (the fuzz tries those too)
        return "performance"
    stable = zlib.crc32(f"{method} {path}".encode())  # hash() of a str varies between runs
    for cell in LETS_THROUGH:
        allowed = [role for role in ROLES if cells[role] == cell]
        if allowed:
            return allowed[stable % len(allowed)]
    raise AssertionError(f"no role may call {method} {path}")


# The document alone, from an app that never touches its database: it decides which tests
# exist at collection time; the calls go to the lived-in year's app below.
_document_app = create_app({"DATABASE_URL": "sqlite://", "SECRET_KEY": "spec", "TESTING": True})
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", _document_app)


@pytest.fixture(scope="module")
def fuzz_app(sqlite_world):
    # One copy of the lived-in year for the module: the fuzz may change it, as users would.
    app = create_app({"DATABASE_URL": sqlite_world.fresh(), "SECRET_KEY": "fuzz", "TESTING": True})
    yield app
    app.extensions["budgetloop.engine"].dispose()


# `make test` replays the same examples every run, so a red build always names a real,
# reproducible failure; BUDGETLOOP_FUZZ_RANDOM=1 explores new ones (run it when changing the API).
EXPLORE = os.environ.get("BUDGETLOOP_FUZZ_RANDOM") == "1"


@schema.parametrize()
@settings(
    max_examples=200 if EXPLORE else 40,
    deadline=None,
    derandomize=not EXPLORE,
    suppress_health_check=list(HealthCheck),
)
def test_no_input_gets_a_500_or_breaks_the_schema(case, fuzz_app, sqlite_world):
    role = role_for(case.method, case.path)
    token = sqlite_world.world[role].token
    case.call_and_validate(
        app=fuzz_app,
        headers={"Authorization": f"Bearer {token}"},
        checks=[not_a_server_error, response_schema_conformance],
    )


# --- the same operations, with bodies no client should send ------------------------------

OVERSIZED_BYTES = 9 * 1024 * 1024  # past the app's 8 MiB cap on a request body
JSON = "application/json"


def _nested_text(value, depth: int) -> str:
    """`value` buried `depth` levels deep, alternating lists and objects as real bodies do;
    written as text, since json.dumps itself recurses and stops near 1,000 levels."""
    opening = "".join("[" if level % 2 else '{"k": ' for level in range(depth))
    closing = "".join("]" if level % 2 else "}" for level in reversed(range(depth)))
    return opening + json.dumps(value) + closing


def _with_deep_field(body, depth: int) -> str:
    """The generated body with one field replaced by a deeply nested one (or wrapped whole)."""
    if isinstance(body, dict) and body:
        name = sorted(body)[depth % len(body)]
        rest = json.dumps({key: value for key, value in body.items() if key != name})
        field = f"{json.dumps(name)}: {_nested_text(body[name], depth)}"
        return "{" + field + ("" if rest == "{}" else ", " + rest[1:-1]) + "}"
    return _nested_text(body, depth)


def _takes_json(context) -> bool:
    content = context.operation.definition.raw.get("requestBody", {}).get("content", {})
    return JSON in content


@schema.include(_takes_json).parametrize()
@settings(max_examples=1, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_deeply_nested_and_oversized_bodies_are_refused_in_the_error_shape(
    case, fuzz_app, sqlite_world
):
    """Each operation's generated body, buried 65–3,000 levels deep and padded past the cap, as
    a role allowed to call it: a 4xx in the error shape, never a 500 or a worker held."""
    body = case.body if isinstance(case.body, dict | list) else {}
    token = sqlite_world.world[role_for(case.method, case.path)].token
    headers = {"Authorization": f"Bearer {token}", "Content-Type": JSON}
    depth = 65 + zlib.crc32(f"{case.method} {case.path}".encode()) % 2936
    client = fuzz_app.test_client()
    path = case.formatted_path
    deep = _with_deep_field(body, depth)
    response = client.open(path, method=case.method, data=deep, headers=headers)
    assert response.status_code in (404, 422), (path, depth, response.status_code)
    _assert_error_shape(response)
    oversized = json.dumps({"body": body, "padding": "x" * OVERSIZED_BYTES})
    response = client.open(path, method=case.method, data=oversized, headers=headers)
    assert response.status_code == 413, (path, response.status_code)
    _assert_error_shape(response)


def _assert_error_shape(response) -> None:
    body = response.get_json()
    assert set(body) == {"code", "status", "message", "errors"}
    assert body["status"] == response.status_code and body["message"]
