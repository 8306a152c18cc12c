"""The header's navigation: which areas each role sees (the views check again themselves)."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, current_app

from engine.identity import permissions
from engine.identity.permissions import Permission, Scope, scope_of
from engine.models.enums import Role
from web.auth import optional_actor


@dataclass(frozen=True)
class NavItem:
    endpoint: str
    label: str
    # None: every user who has logged in (the public has no inbox and no projects list).
    permission: Permission | None
    # Or the scopes that show the page anything (department plans: a department's own, its
    # finance desk's, everything), when no permission says who may read it.
    scopes: frozenset[Scope] | None = None


P = Permission
ITEMS = [
    NavItem("inbox.inbox", "nav.inbox", None),
    NavItem("projects.projects", "nav.projects", None),
    NavItem("dashboard.dashboard", "nav.dashboard", P.VIEW_DASHBOARD),
    NavItem("rectification.orders", "nav.rectification", P.READ_RECTIFICATION),
    NavItem(
        "departments.plans",
        "nav.departments",
        None,
        frozenset({Scope.DEPARTMENT, Scope.FINANCE_DESK, Scope.PROVINCE}),
    ),
    # Ex-ante assessments: those who assess them (departments, commissioned third parties),
    # the finance desks whose projects they decide, and the province-wide roles.
    NavItem(
        "ex_ante_pages.assessments",
        "nav.ex_ante",
        None,
        frozenset({Scope.DEPARTMENT, Scope.FINANCE_DESK, Scope.ASSIGNED, Scope.PROVINCE}),
    ),
    NavItem("allocations.report", "nav.allocations", P.READ_ALLOCATIONS),
    NavItem("modeller.definitions", "nav.processes", P.EDIT_PROCESSES),
    NavItem("rulesets.rulesets", "nav.rulesets", P.SIMULATE_RULESETS),
    NavItem("calendars.calendars_page", "nav.calendars", P.WRITE_CALENDARS),
    NavItem("frames.frames_page", "nav.frames", P.WRITE_FRAMES),
    NavItem("operations.audit", "nav.audit", P.READ_OPERATIONS),
    NavItem("operations.incidents", "nav.incidents", P.OPERATE),
    NavItem("disclosure.public", "nav.disclosure", P.READ_DISCLOSURE),
]


def init_app(app: Flask) -> None:
    app.jinja_env.globals["nav_items"] = nav_items
    app.jinja_env.globals["current_actor"] = optional_actor


def nav_items() -> list[NavItem]:
    """The items the caller's role may open, among the pages this app has."""
    actor = optional_actor()
    views = current_app.view_functions
    return [item for item in ITEMS if _shown(actor, item) and item.endpoint in views]


def _shown(actor, item: NavItem) -> bool:
    if item.scopes is not None:
        return actor.role != Role.PUBLIC and scope_of(actor) in item.scopes
    if item.permission is None:
        return actor.role != Role.PUBLIC
    return permissions.may(actor, item.permission)
