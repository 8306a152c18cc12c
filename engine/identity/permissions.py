"""Who may do what: one declarative table of role × permission × scope.

Every check in the engine and the web layer asks this table, through `may` and `require`;
the authorization-matrix test and `budgetloop permissions` are generated from it. Role names
live in one enum (`Role`, engine/models/enums.py); no other module spells them.

A role is one row of `TABLE`: its scope (which rows it sees, `Scope`; the rule for each scope
is in engine/identity/access.py) and its permissions. Adding a role is adding its member to
`Role`, its row here and, if its scope is new, that scope's rule in access.py.

Operators (the system acting, `Actor.operator`) hold every permission and see everything.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from engine.actors import Actor
from engine.errors import Forbidden
from engine.models.enums import Role


class Scope(StrEnum):
    """Which rows a role sees (engine/identity/access.py applies each inside every query)."""

    OWN_UNIT = "own_unit"  # its unit's projects
    DEPARTMENT = "department"  # its department's and its units' projects
    FINANCE_DESK = "finance_desk"  # the departments its desk handles, and their units
    ASSIGNED = "assigned"  # the projects it is assigned to evaluate
    PROVINCE = "province"  # everything
    DISCLOSED = "disclosed"  # what has been disclosed to the public


class Permission(StrEnum):
    """What a role may do beyond reading what its scope shows (and its own inbox tasks)."""

    TAKE_PROCESS_STEPS = "take_process_steps"  # a BPMN lane may give it user tasks
    FILE_TARGETS = "file_targets"  # edit its own project's target table while filing
    REVIEW_IN_BULK = "review_in_bulk"  # 批量审核 of review tasks
    WATCH_RED_ALERTS = "watch_red_alerts"  # the inbox lists unacknowledged red alerts (督办)
    VIEW_DASHBOARD = "view_dashboard"  # the supervisor's dashboard of the year
    READ_RECTIFICATION = "read_rectification"  # the list of rectification orders
    READ_ALLOCATIONS = "read_allocations"  # next year's allocation report
    TRACK_ALERTS = "track_alerts"  # move an alert along its life cycle at all
    ACKNOWLEDGE_ALERTS = "acknowledge_alerts"
    RESOLVE_ALERTS = "resolve_alerts"
    READ_RULESETS = "read_rulesets"
    WRITE_RULESETS = "write_rulesets"
    SIMULATE_RULESETS = "simulate_rulesets"  # what-if of a candidate rule set
    CONFIRM_DECISIONS = "confirm_decisions"  # confirm or override funding decisions
    EDIT_PROCESSES = "edit_processes"  # the modeller: deploy and check definitions
    READ_OPERATIONS = "read_operations"  # the audit log and incidents
    OPERATE = "operate"  # retry incidents, operate the engine
    READ_DISCLOSURE = "read_disclosure"  # the public disclosure pages
    WRITE_CALENDARS = "write_calendars"  # working calendars: holidays and adjusted workdays
    WRITE_FRAMES = "write_frames"  # a region's indicator frame for a year, and its weights


@dataclass(frozen=True)
class RoleRow:
    role: Role
    scope: Scope
    permissions: frozenset[Permission]
    # What people call the role (web/messages/common.json role.*, zh-CN and English): a BPMN
    # lane or candidate group with one of these names means the role (bpmn/role_aliases.py).
    labels: tuple[str, ...] = ()
    has_accounts: bool = True  # False: an anonymous visitor, never a user's role


P = Permission
# Supervisors have no process steps: their daily work is watching.
_EVERY_USER = {P.READ_DISCLOSURE}
_WORKER = {*_EVERY_USER, P.TAKE_PROCESS_STEPS}

# The table. One row per role; a permission not in a row is refused to that role.
TABLE: tuple[RoleRow, ...] = (
    RoleRow(
        Role.UNIT,
        Scope.OWN_UNIT,
        frozenset({*_WORKER, P.FILE_TARGETS, P.READ_RECTIFICATION}),
        labels=("预算单位", "Budget unit"),
    ),
    RoleRow(
        Role.DEPARTMENT,
        Scope.DEPARTMENT,
        frozenset(
            {
                *_WORKER,
                P.REVIEW_IN_BULK,
                P.VIEW_DASHBOARD,
                P.READ_RECTIFICATION,
                P.READ_ALLOCATIONS,
            }
        ),
        labels=("主管部门", "Department"),
    ),
    RoleRow(
        Role.FINANCE,
        Scope.FINANCE_DESK,
        frozenset(
            {
                *_WORKER,
                P.REVIEW_IN_BULK,
                P.VIEW_DASHBOARD,
                P.READ_RECTIFICATION,
                P.READ_ALLOCATIONS,
                P.TRACK_ALERTS,
                P.ACKNOWLEDGE_ALERTS,
                P.RESOLVE_ALERTS,
                P.READ_RULESETS,
                P.SIMULATE_RULESETS,
                P.CONFIRM_DECISIONS,
            }
        ),
        labels=("财政业务处室", "Finance desk"),
    ),
    RoleRow(
        Role.PERFORMANCE,
        Scope.PROVINCE,
        frozenset(
            {
                *_WORKER,
                P.REVIEW_IN_BULK,
                P.VIEW_DASHBOARD,
                P.READ_RECTIFICATION,
                P.READ_ALLOCATIONS,
                P.TRACK_ALERTS,
                P.ACKNOWLEDGE_ALERTS,
                P.RESOLVE_ALERTS,
                P.READ_RULESETS,
                P.WRITE_RULESETS,
                P.SIMULATE_RULESETS,
                P.EDIT_PROCESSES,
                P.READ_OPERATIONS,
                P.OPERATE,
                P.WRITE_CALENDARS,
                P.WRITE_FRAMES,
            }
        ),
        labels=("预算绩效管理处", "Performance division"),
    ),
    RoleRow(Role.EVALUATOR, Scope.ASSIGNED, frozenset(_WORKER), labels=("第三方机构", "Evaluator")),
    RoleRow(
        Role.SUPERVISOR,
        Scope.PROVINCE,
        # Supervisors read everything but write nothing except alert acknowledgements.
        frozenset(
            {
                *_EVERY_USER,
                P.WATCH_RED_ALERTS,
                P.VIEW_DASHBOARD,
                P.READ_RECTIFICATION,
                P.READ_ALLOCATIONS,
                P.TRACK_ALERTS,
                P.ACKNOWLEDGE_ALERTS,
                P.READ_RULESETS,
                P.READ_OPERATIONS,
            }
        ),
        labels=("监督部门", "Supervisor"),
    ),
    RoleRow(Role.PUBLIC, Scope.DISCLOSED, frozenset({P.READ_DISCLOSURE}), has_accounts=False),
)

ROWS: dict[Role, RoleRow] = {row.role: row for row in TABLE}
# The roles a user account may have (the public has none).
USER_ROLES: tuple[Role, ...] = tuple(row.role for row in TABLE if row.has_accounts)


def holders(permission: Permission) -> frozenset[Role]:
    """The roles that hold `permission`."""
    return frozenset(row.role for row in TABLE if permission in row.permissions)


def role_of(actor: Actor) -> Role | None:
    """The actor's role as the enum (None for a role the table does not know)."""
    try:
        return Role(actor.role)
    except ValueError:
        return None


def scope_of(actor: Actor) -> Scope | None:
    """The rows `actor` sees (None: no scope at all, an unknown role sees nothing)."""
    if actor.operator:
        return Scope.PROVINCE
    row = ROWS.get(role_of(actor))
    return row.scope if row else None


def may(actor: Actor, permission: Permission) -> bool:
    """Whether `actor` holds `permission` (operators hold every one)."""
    if actor.operator:
        return True
    row = ROWS.get(role_of(actor))
    return row is not None and permission in row.permissions


def require(actor: Actor, permission: Permission, doing: str | None = None) -> None:
    """Forbidden (403) unless `actor` holds `permission`, naming the roles that do."""
    if may(actor, permission):
        return
    allowed = " or ".join(sorted(holders(permission)))
    doing = doing or permission.value.replace("_", " ")
    raise Forbidden(
        f"{doing} needs the role {allowed}; you are '{actor.role}'",
        errors={"role": actor.role or "none"},
    )
