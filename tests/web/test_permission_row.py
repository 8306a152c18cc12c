"""Worked example (docs/architecture.md): a permission is one line of the role's table row.

Changing a row — and nothing else — changes what the API allows, what the pages offer and the
navigation, because every check asks the table.
"""

from __future__ import annotations

import dataclasses

import pytest
from sqlalchemy import select

from engine.identity import permissions
from engine.identity.permissions import Permission
from engine.models import Alert
from engine.models.enums import AlertStatus, Colour, Role


def _grant(monkeypatch, role: Role, permission: Permission) -> None:
    row = permissions.ROWS[role]
    changed = dataclasses.replace(row, permissions=row.permissions | {permission})
    monkeypatch.setitem(permissions.ROWS, role, changed)


@pytest.fixture
def open_alert(world_app):
    with world_app.extensions["budgetloop.sessions"]() as session:
        alert = session.scalars(
            select(Alert)
            .where(Alert.status == AlertStatus.OPEN, Alert.colour == Colour.RED)
            .order_by(Alert.id)
            .limit(1)
        ).one()
        return alert.id, alert.version


def _resolve(client, world, alert):
    alert_id, version = alert
    return client.post(
        f"/api/v1/alerts/{alert_id}/resolve",
        json={"version": version, "note": "已督促整改"},
        headers=world.headers("supervisor"),
    )


def test_supervisors_resolve_alerts_once_their_row_says_so(
    monkeypatch, world_client, world, open_alert
):
    refused = _resolve(world_client, world, open_alert)
    assert refused.status_code == 403
    assert "finance or performance" in refused.json["message"]

    _grant(monkeypatch, Role.SUPERVISOR, Permission.RESOLVE_ALERTS)
    resolved = _resolve(world_client, world, open_alert)
    assert resolved.status_code == 200, resolved.json
    assert resolved.json["status"] == "resolved"


def test_the_navigation_and_the_page_follow_the_row(monkeypatch, login):
    client = login("unit")
    assert 'href="/dashboard"' not in client.get("/").get_data(as_text=True)
    assert client.get("/dashboard").status_code == 403

    _grant(monkeypatch, Role.UNIT, Permission.VIEW_DASHBOARD)
    assert 'href="/dashboard"' in client.get("/").get_data(as_text=True)
    assert client.get("/dashboard").status_code == 200


def test_the_openapi_names_the_roles_the_table_lets_through(client):
    spec = client.get("/api/v1/openapi.json").json
    gated = {
        ("post", "/api/v1/alerts/{alert_id}/resolve"): Permission.RESOLVE_ALERTS,
        ("post", "/api/v1/rule-sets/"): Permission.WRITE_RULESETS,
        ("post", "/api/v1/process-definitions/"): Permission.EDIT_PROCESSES,
        ("post", "/api/v1/incidents/{incident_id}/retry"): Permission.OPERATE,
    }
    for (method, path), permission in gated.items():
        described = spec["paths"][path][method]["responses"]["403"]["description"]
        roles = sorted(role.value for role in permissions.holders(permission))
        assert described.startswith(f"your role is not {' or '.join(roles)} "), described
