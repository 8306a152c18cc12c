"""The authorization matrix's lists: each holds exactly the caller's scope, by the policy's own
queries (tests/web/authorization_support.py), and a page session is scoped like a token."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from sqlalchemy import select, true

from engine.models import (
    Alert,
    Attachment,
    DepartmentPlan,
    Disclosure,
    Evaluation,
    ExAnteAssessment,
    FundingDecision,
    HumanTask,
    MonitoringReport,
    Organisation,
    Project,
    RectificationOrder,
    TargetTable,
)
from tests.web.authorization_support import (
    KINDS,
    Who,
    _by_project,
    _department_plans,
    _evaluations,
    _ex_ante,
    _organisations,
    _tasks,
    pick,
    project_ids,
)
from tests.web.authorization_world import with_rows_out_of_scope
from tests.web.conftest import csrf
from tests.web.test_authorization_matrix import ROLES


@pytest.fixture
def world_app(world_app, world):
    """The lived-in year with the rows outside the scopes it lacks (authorization_world)."""
    return with_rows_out_of_scope(world_app, world)


# ---- what the lists hold ------------------------------------------------------------------


@dataclass(frozen=True)
class Listing:
    model: type
    key: str  # the item field holding the row's id
    scope: Callable[[Who], object]
    also: object = None  # a filter every item of the list meets (the inbox: ready tasks)


LISTINGS = {
    "/api/v1/projects/": Listing(Project, "id", _by_project(Project.id)),
    "/api/v1/organisations/": Listing(Organisation, "id", _organisations),
    "/api/v1/target-tables/": Listing(TargetTable, "id", _by_project(TargetTable.project_id)),
    "/api/v1/tasks/": Listing(HumanTask, "id", _tasks, HumanTask.status == "ready"),
    "/api/v1/monitoring-reports/": Listing(
        MonitoringReport, "id", _by_project(MonitoringReport.project_id)
    ),
    "/api/v1/alerts/": Listing(Alert, "id", _by_project(Alert.project_id)),
    "/api/v1/evaluations/": Listing(Evaluation, "id", _evaluations),
    "/api/v1/ex-ante-assessments/": Listing(ExAnteAssessment, "id", _ex_ante),
    "/api/v1/department-plans/": Listing(DepartmentPlan, "id", _department_plans),
    "/api/v1/rectification-orders/": Listing(
        RectificationOrder, "id", _by_project(RectificationOrder.project_id)
    ),
    "/api/v1/funding-decisions/": Listing(
        FundingDecision, "id", _by_project(FundingDecision.project_id)
    ),
    "/api/v1/attachments/": Listing(Attachment, "id", _by_project(Attachment.project_id)),
}


def _every_item(client, url: str, headers: dict) -> list[dict]:
    items, page = [], 1
    while True:
        response = client.get(f"{url}?per_page=200&page={page}", headers=headers)
        assert response.status_code == 200, (url, response.json)
        items += response.json["items"]
        if page >= response.json["pages"]:
            return items
        page += 1


def _ids(world_app, stmt) -> set:
    """The ids `stmt` selects, from a session closed before any request is made."""
    with world_app.extensions["budgetloop.sessions"]() as session:
        return set(session.scalars(stmt))


@pytest.mark.parametrize("url", sorted(LISTINGS))
def test_lists_hold_exactly_the_scope(world_app, world_client, world, url):
    listing = LISTINGS[url]
    failures = []
    for role in ROLES:
        scope = listing.scope(Who(role, world[role].org_id))
        stmt = select(listing.model.id)
        if scope is not None:
            stmt = stmt.where(scope)
        if listing.also is not None:
            stmt = stmt.where(listing.also)
        expected = _ids(world_app, stmt)
        items = _every_item(world_client, url, world.headers(role))
        listed = [item[listing.key] for item in items]
        if len(listed) != len(set(listed)) or set(listed) != expected:
            failures.append(
                f"{role}: {len(expected)} expected, {len(listed)} listed; "
                f"unexpected {sorted(set(listed) - expected)[:10]}, "
                f"missing {sorted(expected - set(listed))[:10]}"
            )
    assert not failures, f"{url}:\n" + "\n".join(failures)


def test_allocations_and_alert_counts_stay_in_scope(world_app, world_client, world):
    failures = []
    for role in ROLES:
        who, headers = Who(role, world[role].org_id), world.headers(role)
        projects = project_ids(who)
        visible = _ids(world_app, projects if projects is not None else select(Project.id))
        allocations = _every_item(world_client, "/api/v1/allocations/", headers)
        if not {item["project_id"] for item in allocations} <= visible:
            failures.append(f"{role} lists allocations of projects outside its scope")
        scope = _by_project(Alert.project_id)(who)
        alerts = _ids(world_app, select(Alert.id).where(true() if scope is None else scope))
        summary = world_client.get("/api/v1/alerts/summary", headers=headers).json
        if summary["totals"]["total"] != len(alerts):
            failures.append(f"{role} counts {summary['totals']['total']} alerts, not {len(alerts)}")
    assert not failures, "\n".join(failures)


def test_the_public_sees_only_what_is_disclosed(world_app, world_client):
    disclosed = _ids(
        world_app, select(Disclosure.project_id).where(Disclosure.withdrawn_at.is_(None))
    )
    listed = {item["project_id"] for item in _every_item(world_client, "/api/v1/disclosures/", {})}
    assert listed and listed <= disclosed
    assert listed != _ids(world_app, select(Project.id))


# ---- the login session gets the same scopes as the token ----------------------------------


def test_a_page_session_is_scoped_like_the_token(world_app, world_client, world, login):
    url = "/api/v1/projects/?per_page=200"
    by_token = {
        item["id"] for item in world_client.get(url, headers=world.headers("unit")).json["items"]
    }
    own = _ids(world_app, project_ids(Who("unit", world["unit"].org_id)))
    assert by_token == own

    client = login("unit")
    response = client.get(url)
    assert response.status_code == 200
    assert {item["id"] for item in response.json["items"]} == own


def test_a_page_session_writes_only_with_its_csrf_token(world_app, world, login):
    client = login("supervisor")
    with world_app.extensions["budgetloop.sessions"]() as session:
        alert_id = pick(
            session, KINDS["alert_id"], Who("supervisor", world["supervisor"].org_id), True
        )
        version = session.get(Alert, alert_id).version
    url = f"/api/v1/alerts/{alert_id}/acknowledge"
    refused = client.post(url, json={"version": version})
    assert refused.status_code == 403 and "csrf_token" in refused.json["errors"]
    accepted = client.post(url, json={"version": version}, headers={"X-CSRF-Token": csrf(client)})
    assert accepted.status_code == 200, accepted.json
    assert accepted.json["acknowledged_by"]
