"""The header's navigation: which areas each role sees (the views check again themselves)."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, current_app

from web.auth import optional_actor

EVERYONE = frozenset({"unit", "department", "finance", "performance", "evaluator", "supervisor"})


@dataclass(frozen=True)
class NavItem:
    endpoint: str
    label: str
    roles: frozenset[str]


ITEMS = [
    NavItem("inbox.inbox", "nav.inbox", EVERYONE),
    NavItem("projects.projects", "nav.projects", EVERYONE),
    NavItem(
        "dashboard.dashboard",
        "nav.dashboard",
        frozenset({"supervisor", "performance", "finance", "department"}),
    ),
    NavItem("rectification.orders", "nav.rectification", EVERYONE - {"evaluator"}),
    NavItem(
        "allocations.report",
        "nav.allocations",
        frozenset({"finance", "performance", "supervisor", "department"}),
    ),
    NavItem("modeller.definitions", "nav.processes", frozenset({"performance"})),
    NavItem("rulesets.rulesets", "nav.rulesets", frozenset({"performance", "finance"})),
    NavItem("operations.audit", "nav.audit", frozenset({"performance", "supervisor"})),
    NavItem("operations.incidents", "nav.incidents", frozenset({"performance"})),
    NavItem("disclosure.public", "nav.disclosure", EVERYONE | {"public"}),
]


def init_app(app: Flask) -> None:
    app.jinja_env.globals["nav_items"] = nav_items
    app.jinja_env.globals["current_actor"] = optional_actor


def nav_items() -> list[NavItem]:
    """The items the caller's role may open, among the pages this app has."""
    role = optional_actor().role
    views = current_app.view_functions
    return [item for item in ITEMS if role in item.roles and item.endpoint in views]
