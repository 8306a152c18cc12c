"""The permission table says what the policy says (issue 5, domain.md "Roles").

The authorization matrix (tests/web/test_authorization_matrix.py) is generated from the
table and checks the running API against it; this file checks the table itself against the
policy, written out by hand, so that a wrong row cannot pass both.
"""

from __future__ import annotations

import pytest

from engine.actors import Actor
from engine.errors import Forbidden
from engine.identity.access import PUBLIC, sees_everything
from engine.identity.permissions import (
    ROWS,
    TABLE,
    USER_ROLES,
    Permission,
    Scope,
    holders,
    may,
    require,
    scope_of,
)
from engine.models.enums import ROLE_ORG_KIND, Role

P = Permission
WRITES = {
    P.FILE_TARGETS,
    P.REVIEW_IN_BULK,
    P.TRACK_ALERTS,
    P.ACKNOWLEDGE_ALERTS,
    P.RESOLVE_ALERTS,
    P.WRITE_RULESETS,
    P.SIMULATE_RULESETS,
    P.CONFIRM_DECISIONS,
    P.EDIT_PROCESSES,
    P.OPERATE,
    P.TAKE_PROCESS_STEPS,
}


def _actor(role: Role) -> Actor:
    return Actor(name=f"user:{role.value}", role=role.value, org_id=1)


def test_every_role_has_exactly_one_row_and_every_account_role_an_organisation_kind():
    assert [row.role for row in TABLE] == list(Role)
    assert set(USER_ROLES) == set(ROLE_ORG_KIND) == set(Role) - {Role.PUBLIC}


def test_the_scopes_are_the_policys():
    assert {role: ROWS[role].scope for role in Role} == {
        Role.UNIT: Scope.OWN_UNIT,
        Role.DEPARTMENT: Scope.DEPARTMENT,
        Role.FINANCE: Scope.FINANCE_DESK,
        Role.PERFORMANCE: Scope.PROVINCE,
        Role.EVALUATOR: Scope.ASSIGNED,
        Role.SUPERVISOR: Scope.PROVINCE,
        Role.PUBLIC: Scope.DISCLOSED,
    }


def test_supervisors_write_nothing_but_alert_acknowledgements():
    assert ROWS[Role.SUPERVISOR].permissions & WRITES == {P.TRACK_ALERTS, P.ACKNOWLEDGE_ALERTS}


@pytest.mark.parametrize(
    ("permission", "roles"),
    [
        (P.FILE_TARGETS, {Role.UNIT}),
        (P.CONFIRM_DECISIONS, {Role.FINANCE}),
        (P.WRITE_RULESETS, {Role.PERFORMANCE}),
        (P.WRITE_CALENDARS, {Role.PERFORMANCE}),
        (P.WRITE_FRAMES, {Role.PERFORMANCE}),
        (P.EDIT_PROCESSES, {Role.PERFORMANCE}),
        (P.OPERATE, {Role.PERFORMANCE}),
        (P.READ_OPERATIONS, {Role.PERFORMANCE, Role.SUPERVISOR}),
        (P.READ_RULESETS, {Role.PERFORMANCE, Role.FINANCE, Role.SUPERVISOR}),
        (P.SIMULATE_RULESETS, {Role.PERFORMANCE, Role.FINANCE}),
        (P.ACKNOWLEDGE_ALERTS, {Role.FINANCE, Role.PERFORMANCE, Role.SUPERVISOR}),
        (P.RESOLVE_ALERTS, {Role.FINANCE, Role.PERFORMANCE}),
        (P.REVIEW_IN_BULK, {Role.DEPARTMENT, Role.FINANCE, Role.PERFORMANCE}),
        (P.WATCH_RED_ALERTS, {Role.SUPERVISOR}),
        (P.TAKE_PROCESS_STEPS, set(USER_ROLES) - {Role.SUPERVISOR}),
        (P.READ_DISCLOSURE, set(Role)),
    ],
)
def test_who_holds_each_permission(permission, roles):
    assert holders(permission) == roles


def test_the_public_reads_only_what_is_disclosed_and_has_no_accounts():
    assert ROWS[Role.PUBLIC].permissions == {P.READ_DISCLOSURE}
    assert not ROWS[Role.PUBLIC].has_accounts
    assert scope_of(PUBLIC) is Scope.DISCLOSED


def test_operators_hold_everything_and_unknown_roles_nothing():
    operator = Actor(name="system", role=None, operator=True)
    stranger = Actor(name="x", role="auditor", org_id=1)
    assert all(may(operator, permission) for permission in Permission)
    assert sees_everything(operator)
    assert not any(may(stranger, permission) for permission in Permission)
    assert scope_of(stranger) is None and not sees_everything(stranger)


def test_a_refusal_names_the_roles_that_hold_the_permission():
    with pytest.raises(Forbidden) as refused:
        require(_actor(Role.UNIT), P.CONFIRM_DECISIONS, "confirming a funding decision")
    assert str(refused.value) == (
        "confirming a funding decision needs the role finance; you are 'unit'"
    )


def test_each_role_is_known_by_its_labels_in_both_languages():
    for row in TABLE:
        if row.has_accounts:
            assert len(row.labels) == 2 and all(row.labels), row.role


def test_budgetloop_permissions_prints_the_table(budgetloop):
    code, out, _err = budgetloop("permissions")
    assert code == 0
    header = next(line for line in out.splitlines() if line.startswith(" ") and "unit" in line)
    roles = header.split()
    assert roles == [row.role.value for row in TABLE]
    for line in filter(str.strip, out.splitlines()):
        name, *cells = line.split()
        if name in {p.value for p in Permission}:
            expected = [
                "x" if Permission(name) in ROWS[Role(r)].permissions else "." for r in roles
            ]
            assert cells == expected, name
    code, out, _err = budgetloop("permissions", "--json")
    assert code == 0 and '"supervisor"' in out and '"province"' in out
