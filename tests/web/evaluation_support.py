"""Ready evaluation and rectification tasks in the lived-in year, whose own ones are all done:
a process started for one of the main unit's projects, run to its first user task."""

from __future__ import annotations

from sqlalchemy import select

from engine.actors import Actor
from engine.cycle.start import cycle_data
from engine.db import session_factory
from engine.models import HumanTask, Project, Timer

TEST = Actor.system("test")


def sessions(world_app):
    return session_factory(world_app.extensions["budgetloop.engine"])


def ready(world_app, **where) -> list[HumanTask]:
    with sessions(world_app)() as session:
        query = select(HumanTask).where(HumanTask.status == "ready")
        for key, value in where.items():
            query = query.where(getattr(HumanTask, key) == value)
        return list(session.scalars(query.order_by(HumanTask.id)))


def unit_project(session, unit_org_id: int) -> Project:
    return session.scalars(
        select(Project)
        .where(Project.unit_id == unit_org_id, Project.approved_amount.is_not(None))
        .order_by(Project.id)
    ).first()


def start(world_app, process: str, unit_org_id: int, **data) -> Project:
    """Start `process` for the unit's first funded project (as its budget cycle would)."""
    workflow = world_app.extensions["budgetloop.workflow"]
    with sessions(world_app)() as session, session.begin():
        project = unit_project(session, unit_org_id)
        start_data = cycle_data(session, project) | data
        outcome = workflow.start(session, process, f"cycle:{project.code}", start_data, TEST)
        assert outcome.ok, outcome.error
        # The evaluation waits for the year's end: let that be now.
        for timer in session.scalars(select(Timer).where(Timer.instance_id == outcome.instance_id)):
            assert workflow.fire_timers(session, timer.instance_id, TEST).ok
        session.expunge(project)
        return project


def start_self_evaluation(world_app, unit_org_id: int) -> Project:
    return start(
        world_app,
        "evaluation",
        unit_org_id,
        evaluation_opens_at="2020-01-01T00:00:00+08:00",
        key_evaluation=False,
        department_evaluation=None,
    )
