"""The authorization matrix: every API operation × every role, generated from the permission table.

The policy lives in one place, engine/identity/permissions.py: each role's row gives its
scope (which rows it sees) and its permissions. Each API operation below states the *kind* of
check it makes — a public read, a list filtered to the scope, a scoped read, a scoped action
needing a permission, a role gate before any lookup, or a personal task — and the expected
answer of every role is generated from the table. So a new role, or a permission moved from
one role to another, changes this matrix and is checked against the running API with no edit
here. What the table itself must say (the policy of issue 5 and domain.md) is checked
independently by tests/engine/identity/test_permission_table.py, and the rows each call is made on
are picked by this file's own queries (`Scope`), not the code's.

Every operation of /api/v1/openapi.json must have a row (test_every_operation_has_a_row), so a
new endpoint cannot escape the matrix.

Rules (what the operation checks):
  public              anyone, logged in or not
  listed              any account; the list holds only the scope (test_lists_hold_exactly_the_scope)
  scoped              a row in the caller's scope (all of them for a province-wide scope)
  scoped PERMISSION   a row in the caller's scope, then the permission (403 without it)
  gated PERMISSION    the permission, before any row is looked up (403 without it); `act`
                      when the operation writes
  task [act]          the caller's own task: roles the shipped processes give tasks to
  worker FORM         the worker of the task the row was filed in (the shipped role of FORM)

Cells generated:
  200  answers 200 (for a list, what is in it is checked by test_lists_hold_exactly_the_scope)
  own  200 on a row in the role's scope, 404 on a row outside it
  all  200 on any row (a province-wide scope reads everything)
  act  allowed on a row in its scope — anything but 401/403/404 (or a 5xx): 200, 201, 409 and
       422 all mean authorization let it through — and 404 on a row outside its scope
  no   403 on a row in its scope, 404 on a row outside it
  403  forbidden whatever the row (a role check that comes before any lookup)
  404  never visible to this role (no row of this kind is ever theirs)
  401  anonymous: log in first
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from lxml import etree
from sqlalchemy.orm import Session

from engine.composition import shipped_sources
from engine.identity.permissions import ROWS as TABLE_ROWS
from engine.identity.permissions import USER_ROLES, Permission
from engine.identity.permissions import Scope as TableScope
from engine.models.enums import Role
from tests.web.authorization_support import (
    BODIES,
    BODY_SUBJECT,
    EMPTY_SCOPES,
    KINDS,
    Who,
    _any_row,
    pick,
    subject_of,
)
from tests.web.authorization_world import _open_incident, with_rows_out_of_scope

ROLES = tuple(role.value for role in USER_ROLES)
ANONYMOUS = "anonymous"
COLUMNS = (*ROLES, ANONYMOUS)

# fmt: off
POLICY = """
operation                                               rule
GET  /api/v1/                                           public
GET  /api/v1/disclosures/                               public
GET  /api/v1/projects/                                  listed
GET  /api/v1/projects/{project_id}                      scoped
GET  /api/v1/projects/{project_id}/instance             scoped
GET  /api/v1/projects/{project_id}/trend                scoped
GET  /api/v1/organisations/                             listed
GET  /api/v1/organisations/{org_id}                     scoped
GET  /api/v1/organisations/{org_id}/trend               scoped
GET  /api/v1/organisations/year-on-year                 gated VIEW_DASHBOARD
GET  /api/v1/target-tables/                             listed
GET  /api/v1/target-tables/{table_id}                   scoped
PUT  /api/v1/target-tables/{table_id}                   scoped FILE_TARGETS
GET  /api/v1/target-tables/{table_id}/validation        scoped
GET  /api/v1/target-tables/{table_id}/excel             scoped
POST /api/v1/target-tables/{table_id}/excel             scoped FILE_TARGETS
GET  /api/v1/indicator-library/                         listed
GET  /api/v1/tasks/                                     listed
GET  /api/v1/tasks/completed                            listed
POST /api/v1/tasks/bulk-review                          gated REVIEW_IN_BULK act
GET  /api/v1/tasks/{task_id}                            task
POST /api/v1/tasks/{task_id}/complete                   task act
GET  /api/v1/tasks/{task_id}/draft                      task
PUT  /api/v1/tasks/{task_id}/draft                      task act
DELETE /api/v1/tasks/{task_id}/draft                    task act
GET  /api/v1/tasks/{task_id}/attachments                task
POST /api/v1/tasks/{task_id}/attachments                task act
GET  /api/v1/attachments/                               listed
GET  /api/v1/attachments/{attachment_id}/content        scoped
DELETE /api/v1/attachments/{attachment_id}              worker monitoring_report
GET  /api/v1/monitoring-reports/                        listed
GET  /api/v1/monitoring-reports/{report_id}             scoped
GET  /api/v1/alerts/                                    listed
GET  /api/v1/alerts/summary                             listed
GET  /api/v1/alerts/{alert_id}                          scoped
POST /api/v1/alerts/{alert_id}/acknowledge              scoped ACKNOWLEDGE_ALERTS
POST /api/v1/alerts/{alert_id}/resolve                  scoped RESOLVE_ALERTS
GET  /api/v1/evaluations/                               listed
GET  /api/v1/evaluations/{evaluation_id}                scoped
POST /api/v1/evaluations/score-preview                  scoped
GET  /api/v1/ex-ante-assessments/                       listed
GET  /api/v1/ex-ante-assessments/{assessment_id}        scoped
GET  /api/v1/department-plans/                          listed
GET  /api/v1/department-plans/{plan_id}                 scoped
GET  /api/v1/department-plans/{plan_id}/instance        scoped
GET  /api/v1/rectification-orders/                      listed
GET  /api/v1/rectification-orders/{order_id}            scoped
GET  /api/v1/funding-decisions/                         listed
GET  /api/v1/funding-decisions/{decision_id}            scoped
POST /api/v1/funding-decisions/{decision_id}/confirm    scoped CONFIRM_DECISIONS
POST /api/v1/funding-decisions/{decision_id}/override   scoped CONFIRM_DECISIONS
POST /api/v1/funding-decisions/confirm-batch            gated CONFIRM_DECISIONS act
GET  /api/v1/allocations/                               listed
GET  /api/v1/allocations/summary                        listed
GET  /api/v1/rule-sets/                                 gated READ_RULESETS
GET  /api/v1/rule-sets/{ruleset_id}                     gated READ_RULESETS
POST /api/v1/rule-sets/                                 gated WRITE_RULESETS act
POST /api/v1/rule-sets/simulate                         gated SIMULATE_RULESETS act
GET  /api/v1/calendars/                                 listed
GET  /api/v1/calendars/{calendar_id}                    listed
POST /api/v1/calendars/                                 gated WRITE_CALENDARS act
GET  /api/v1/frames/                                    listed
GET  /api/v1/frames/choices                             listed
PUT  /api/v1/frames/choices                             gated WRITE_FRAMES act
POST /api/v1/frames/choices/moves                       gated WRITE_FRAMES act
GET  /api/v1/messages/                                  listed
POST /api/v1/messages/read                              listed
GET  /api/v1/messages/mutes                             listed
PUT  /api/v1/messages/mutes                             listed
GET  /api/v1/process-definitions/                       listed
GET  /api/v1/process-definitions/{definition_id}/source listed
POST /api/v1/process-definitions/                       gated EDIT_PROCESSES act
POST /api/v1/process-definitions/validate               gated EDIT_PROCESSES act
GET  /api/v1/audit-events/                              gated READ_OPERATIONS
GET  /api/v1/audit-events/verify                        gated READ_OPERATIONS
GET  /api/v1/incidents/                                 gated READ_OPERATIONS
GET  /api/v1/incidents/{incident_id}                    gated READ_OPERATIONS
POST /api/v1/incidents/{incident_id}/retry              gated OPERATE act
POST /api/v1/incidents/{incident_id}/resolve            gated OPERATE act
"""
# fmt: on

CELLS = frozenset({"200", "own", "all", "act", "no", "403", "404", "401"})


def _shipped_task_roles() -> dict[str, set[str]]:
    """Form name → the roles the shipped processes give a task with that form (read from the
    BPMN files themselves, not from the engine)."""
    ns = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL"}
    roles: dict[str, set[str]] = {}
    for source in shipped_sources():
        if not source.name.endswith(".bpmn"):
            continue
        tree = etree.fromstring(source.text.encode())
        for task in tree.iterfind(".//bpmn:userTask", ns):
            properties = {
                node.get("name"): node.get("value")
                for node in task.iter()
                if isinstance(node.tag, str) and etree.QName(node).localname == "property"
            }
            if properties.get("role"):
                roles.setdefault(properties.get("form") or "", set()).add(properties["role"])
    return roles


SHIPPED_TASK_ROLES = _shipped_task_roles()
TASK_ROLES = frozenset(role for roles in SHIPPED_TASK_ROLES.values() for role in roles)


def _cell(rule: list[str], role: str) -> str:
    """What `role` gets from an operation that checks `rule`, by the permission table."""
    kind, *rest = rule
    row = TABLE_ROWS[Role(role)]
    holds = bool(rest) and rest[0].isupper() and Permission(rest[0].lower()) in row.permissions
    if kind in ("public", "listed"):
        return "200"
    if kind == "scoped" and not rest:
        return "all" if row.scope is TableScope.PROVINCE else "own"
    if kind == "scoped":
        return "act" if holds else "no"
    if kind == "gated":
        return ("act" if "act" in rest else "200") if holds else "403"
    if kind == "task":
        return ("act" if rest else "own") if role in TASK_ROLES else "404"
    if kind == "worker":
        return "act" if role in SHIPPED_TASK_ROLES[rest[0]] else "no"
    raise AssertionError(f"unknown rule {rule}")


def _rows() -> dict[tuple[str, str], dict[str, str]]:
    rows = {}
    for line in POLICY.strip().splitlines()[1:]:
        method, path, *rule = line.split()
        assert (method, path) not in rows, f"{method} {path} has two rows"
        cells = {role: _cell(rule, role) for role in ROLES}
        cells[ANONYMOUS] = "200" if rule[0] == "public" else "401"
        assert set(cells.values()) <= CELLS, (method, path, cells)
        rows[(method, path)] = cells
    return rows


ROWS = _rows()
WRITES = {key for key, cells in ROWS.items() if {"act", "no"} & set(cells.values())}


@pytest.fixture
def world_app(world_app, world):
    """The lived-in year with the rows outside the scopes it lacks (authorization_world)."""
    return with_rows_out_of_scope(world_app, world)


@dataclass
class Call:
    """One request of the matrix and what the policy expects of it."""

    column: str
    expected: str  # "200", "allowed", "403", "404" or "401"
    row_id: int | None
    why: str


def _calls(session: Session, world, key: tuple[str, str]) -> list[Call]:
    """Every request the row asks for, ordered so that state changes come last: anonymous,
    then each scoped role on a row outside its scope, then each role's reads and refusals,
    then the allowed roles' writes."""
    method, path = key
    cells = ROWS[key]
    name = subject_of(method, path)
    kind = KINDS.get(name) if name else None
    calls: list[Call] = []
    inside: dict[str, int | None] = {}
    for role in ROLES:
        who = Who(role, world[role].org_id)
        if kind is not None:
            inside[role] = pick(session, kind, who, inside=True)
            empty = (name, role) in EMPTY_SCOPES
            if cells[role] in ("own", "act", "no") and kind.scope(who) is not None:
                assert (inside[role] is None) == empty, (
                    f"{role} has {'no' if inside[role] is None else 'a'} {name} in its scope: "
                    "update EMPTY_SCOPES"
                )
                outside = pick(session, kind, who, inside=False)
                assert outside is not None, f"nothing outside {role}'s scope for {name}"
                calls.append(Call(role, "404", outside, "outside its scope"))
    some_row = _any_row(session, kind) if kind is not None else None
    calls.insert(0, Call(ANONYMOUS, cells[ANONYMOUS], some_row, "no credentials"))

    def row_for(role: str) -> int | None:
        if kind is None:
            return None
        if kind.scope(Who(role, world[role].org_id)) is None or cells[role] in ("403", "404"):
            return inside.get(role) or some_row
        return inside[role]

    later: list[Call] = []
    for role in ROLES:
        cell = cells[role]
        row = row_for(role)
        if kind is not None and row is None and cell not in ("403", "404"):
            continue  # an empty scope (EMPTY_SCOPES): only "outside" applies
        if cell == "all":
            rows = {row, *(c.row_id for c in calls if c.row_id is not None)}
            calls.extend(Call(role, "200", r, "reads everything") for r in sorted(rows))
        elif cell == "own":
            calls.append(Call(role, "200", row, "in its scope"))
        elif cell == "no":
            calls.append(Call(role, "403", row, "visible, not allowed"))
        elif cell == "act":
            # Each allowed role acts on a row of its own where there is one, so that one
            # role's action does not turn the next one's into a mere conflict.
            if kind is not None:
                taken = frozenset(c.row_id for c in later)
                row = pick(session, kind, Who(role, world[role].org_id), True, taken) or row
            later.append(Call(role, "allowed", row, "allowed"))
        else:
            calls.append(
                Call(role, cell, row, {"403": "role", "404": "never theirs"}.get(cell, ""))
            )
    return calls + later


def _request(client, world, key, call: Call, sessions):
    method, path = key
    name = subject_of(method, path)
    url = path
    if name and key not in BODY_SUBJECT:
        url = path.replace("{" + name + "}", str(call.row_id))
    body = BODIES.get(key)
    # The body reads the row's current version in a session closed before the request, so
    # that no transaction of the test holds a lock the request's write would wait for.
    with sessions() as session:
        kwargs = body(session, call.row_id) if body else {}
    headers = world.headers(call.column) if call.column != ANONYMOUS else {}
    return client.open(url, method=method, headers=headers, **kwargs)


def _meets(expected: str, status: int) -> bool:
    if expected == "allowed":
        return status < 500 and status not in (401, 403, 404)
    return status == int(expected)


@pytest.mark.parametrize("key", sorted(ROWS), ids=lambda key: f"{key[0]} {key[1]}")
def test_each_role_gets_what_the_policy_says(world_app, world_client, world, key):
    if subject_of(*key) == "incident_id":
        _open_incident(world_app)
    sessions = world_app.extensions["budgetloop.sessions"]
    with sessions() as session:
        calls = _calls(session, world, key)
    failures = []
    for call in calls:
        response = _request(world_client, world, key, call, sessions)
        if not _meets(call.expected, response.status_code):
            failures.append(
                f"{call.column} on row {call.row_id} ({call.why}): expected {call.expected},"
                f" got {response.status_code} {response.get_data(as_text=True)[:200]}"
            )
    assert not failures, f"{key[0]} {key[1]}:\n" + "\n".join(failures)


# ---- the matrix covers the whole API ------------------------------------------------------


def test_every_operation_has_a_row(client):
    spec = client.get("/api/v1/openapi.json").json
    operations = {
        (method.upper(), path)
        for path, item in spec["paths"].items()
        for method in item
        if method in ("get", "put", "post", "patch", "delete")
    }
    missing = sorted(operations - set(ROWS))
    stale = sorted(set(ROWS) - operations)
    assert not missing, f"operations with no row in the authorization matrix: {missing}"
    assert not stale, f"rows for operations the API no longer has: {stale}"


def test_the_openapi_marks_exactly_the_public_operations(client):
    spec = client.get("/api/v1/openapi.json").json
    public = {
        (method.upper(), path)
        for path, item in spec["paths"].items()
        for method, operation in item.items()
        if method in ("get", "put", "post", "patch", "delete")
        and operation.get("security", spec.get("security")) == []
    }
    assert public == {key for key, cells in ROWS.items() if cells[ANONYMOUS] != "401"}


def test_every_write_refuses_supervisors_but_acknowledging(client):
    """Supervisors write nothing but alert acknowledgements (the table must say so)."""
    for key, cells in ROWS.items():
        if key[0] != "GET" and key not in BODY_SUBJECT:
            allowed = cells["supervisor"] == "act"
            assert allowed == (key == ("POST", "/api/v1/alerts/{alert_id}/acknowledge")), key
