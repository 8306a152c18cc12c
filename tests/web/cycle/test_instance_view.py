"""Where a project's process instance is: GET /api/v1/projects/<id>/instance and the project page.

Expectations are read from the tables the engine derives (human_task, process_definition), not
from the serialized state the endpoint reads, so the two ways of knowing must agree.
"""

from __future__ import annotations

from sqlalchemy import select

from engine.cycle.start import business_key
from engine.models import HumanTask, ProcessDefinition, ProcessInstance, Project, User


def _session(world_app):
    return world_app.extensions["budgetloop.sessions"]()


def _waiting_project(world_app, unit_org_id: int | None = None):
    """A project of the unit (or any) whose cycle waits at a ready human task: (project, task)."""
    with _session(world_app) as session:
        stmt = (
            select(Project, HumanTask)
            .join(HumanTask, HumanTask.business_key == "cycle:" + Project.code)
            .where(HumanTask.status == "ready")
            .order_by(Project.id, HumanTask.id)
        )
        if unit_org_id is not None:
            stmt = stmt.where(Project.unit_id == unit_org_id)
        project, task = session.execute(stmt.limit(1)).one()
        session.expunge_all()
        return project, task


def _finished_project(world_app) -> Project:
    with _session(world_app) as session:
        project = session.scalars(
            select(Project)
            .join(ProcessInstance, ProcessInstance.business_key == "cycle:" + Project.code)
            .where(ProcessInstance.status == "completed")
            .order_by(Project.id)
            .limit(1)
        ).one()
        session.expunge_all()
        return project


def test_a_waiting_instance_shows_the_active_stack_down_to_the_ready_task(
    world_app, world_client, world
):
    project, task = _waiting_project(world_app)
    response = world_client.get(
        f"/api/v1/projects/{project.id}/instance", headers=world.headers("performance")
    )
    assert response.status_code == 200, response.text
    body = response.json
    assert body["process_key"] == "budget_cycle" and body["status"] == "running"
    with _session(world_app) as session:
        instance = session.scalars(
            select(ProcessInstance).where(ProcessInstance.business_key == business_key(project))
        ).one()
        top = session.get(ProcessDefinition, instance.definition_id)
        assert body["definition_id"] == top.id and body["version"] == top.version
        sources = {d.id: d for d in session.scalars(select(ProcessDefinition))}
    diagrams = body["diagrams"]
    assert diagrams[0]["process"] == "budget_cycle" and diagrams[0]["parent"] is None
    # The running diagrams form a chain from the top to where the ready task waits.
    stack = body["active_stack"]
    assert stack[0] == 0 and len(stack) >= 2
    for upper, lower in zip(stack, stack[1:], strict=False):
        assert diagrams[lower]["parent"] == upper
        assert diagrams[lower]["call_activity"] in diagrams[upper]["active"]
    deepest = diagrams[stack[-1]]
    assert task.element_id in deepest["active"]
    assert deepest["called_as"] == task.process_key
    # Each diagram names the deployed file that draws it, and that file has the marked elements.
    for diagram in diagrams:
        source = sources[diagram["definition_id"]].source
        assert f'id="{diagram["process"]}"' in source
        for element in diagram["active"] + diagram["completed"]:
            assert f'id="{element}"' in source
    assert "StartEvent_Cycle" in diagrams[0]["completed"]
    # The cycle went past the ex-ante gateway (a project not assessed) to target filing.
    assert ["StartEvent_Cycle", "Gateway_NeedsExAnte"] in diagrams[0]["flows"]
    assert ["Gateway_MergeExAnte", "Call_TargetFiling"] in diagrams[0]["flows"]
    ready = [h for h in body["history"] if h["status"] == "ready" and h["kind"] == "task"]
    assert [h["element"] for h in ready] == [task.element_id]


def test_a_finished_instance_has_nothing_active_and_says_who_did_what(
    world_app, world_client, world
):
    project = _finished_project(world_app)
    body = world_client.get(
        f"/api/v1/projects/{project.id}/instance", headers=world.headers("supervisor")
    ).json
    assert body["status"] == "completed" and body["completed_at"]
    assert body["active_stack"] == []
    assert all(not d["running"] and not d["active"] for d in body["diagrams"])
    assert "EndEvent_CycleClosed" in body["diagrams"][0]["completed"]
    called = {d["called_as"] for d in body["diagrams"]}
    assert {"target_filing", "review__target_table", "monitoring", "evaluation"} <= called
    with _session(world_app) as session:
        done = list(
            session.scalars(
                select(HumanTask).where(
                    HumanTask.business_key == business_key(project),
                    HumanTask.status == "completed",
                )
            )
        )
    tasks = [h for h in body["history"] if h["kind"] == "task"]
    assert sorted((h["element"], h["actor"]) for h in tasks) == sorted(
        (t.element_id, t.completed_by) for t in done
    )
    with _session(world_app) as session:
        names = {
            login: name for login, name in session.execute(select(User.login, User.display_name))
        }
    assert all(h["actor_name"] == names[h["actor"][5:]] for h in tasks)
    reviews = [h for h in tasks if h["element"] == "Task_DepartmentReview"]
    assert reviews and all(h["outcome"] in {"approve", "return"} for h in reviews)
    # Task data is inherited down the tree: a filing task has no outcome of its own.
    assert all(h["outcome"] is None for h in tasks if h["element"] == "Task_FillTargets")
    assert any(h["kind"] == "timer" and h["status"] == "fired" for h in body["history"])


def test_the_instance_is_scoped_like_its_project(world_app, world_client, world):
    project, _ = _waiting_project(world_app, world["unit"].org_id)
    url = f"/api/v1/projects/{project.id}/instance"
    assert world_client.get(url, headers=world.headers("unit")).status_code == 200
    assert world_client.get(url, headers=world.headers("department")).status_code == 200
    stranger = {"Authorization": f"Bearer {world.strangers['unit'].token}"}
    response = world_client.get(url, headers=stranger)
    assert response.status_code == 404 and response.json["code"] == "not_found"
    assert world_client.get(url).status_code == 401
    assert (
        world_client.get("/api/v1/projects/999999999/instance", headers=world.headers("unit"))
    ).status_code == 404


def test_the_project_page_shows_version_history_and_the_viewer(world_app, login, world):
    project, task = _waiting_project(world_app, world["unit"].org_id)
    client = login("unit")
    page = client.get(f"/projects/{project.id}")
    assert page.status_code == 200
    html = page.text
    assert 'id="instance-view"' in html
    assert f'data-url="/api/v1/projects/{project.id}/instance"' in html
    assert "/static/vendor/bpmn-js/bpmn-navigated-viewer.production.min.js" in html
    assert "/static/js/instance.js" in html
    assert "流程定义 budget_cycle 第 1 版" in html
    assert task.name in html and "待办" in html
    # The CSP allows only the app's own scripts: no inline script on the page.
    assert "<script>" not in html and "onclick" not in html
    english = client.get(f"/projects/{project.id}?lang=en").text
    assert "Process definition budget_cycle, version 1" in english


def test_the_viewer_bundle_is_served(client):
    response = client.get("/static/vendor/bpmn-js/bpmn-navigated-viewer.production.min.js")
    try:
        assert response.status_code == 200
        assert response.mimetype in {"text/javascript", "application/javascript"}
    finally:
        response.close()
