"""The inbox: ready user tasks for the caller's role and organisation."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from engine.actors import Actor
from engine.errors import NotFound
from engine.models import HumanTask, Project
from engine.paging import Page, paginate, sort_by

TASK_SORTS = {"created_at": HumanTask.created_at, "id": HumanTask.id}


def project_code(business_key: str) -> str:
    """Cycle business keys are `<process>:<project code>`."""
    return business_key.split(":", 1)[-1]


def may_work_on(actor: Actor, task: HumanTask) -> bool:
    """A task belongs to its role, and to its organisation when it has one."""
    if actor.operator:
        return True
    return actor.role == task.role and (task.org_id is None or task.org_id == actor.org_id)


def _mine(actor: Actor):
    if actor.operator:
        return HumanTask.status == "ready"
    return (
        (HumanTask.status == "ready")
        & (HumanTask.role == actor.role)
        & or_(HumanTask.org_id == actor.org_id, HumanTask.org_id.is_(None))
    )


@dataclass(frozen=True)
class InboxItem:
    task: HumanTask
    project: Project | None


def inbox(
    session: Session,
    actor: Actor,
    page: int,
    per_page: int,
    sort: str | None = "created_at",
    process_key: str | None = None,
    form: str | None = None,
) -> Page:
    """The caller's ready tasks, oldest first by default, each with its project."""
    stmt = select(HumanTask).where(_mine(actor))
    if process_key:
        stmt = stmt.where(HumanTask.process_key == process_key)
    if form:
        stmt = stmt.where(HumanTask.form == form)
    result = paginate(session, sort_by(stmt, sort, TASK_SORTS, HumanTask.id), page, per_page)
    codes = {project_code(task.business_key) for task in result.items}
    projects = {p.code: p for p in session.scalars(select(Project).where(Project.code.in_(codes)))}
    items = [InboxItem(t, projects.get(project_code(t.business_key))) for t in result.items]
    return Page(items, result.page, result.per_page, result.total)


def get_task(session: Session, actor: Actor, task_id: int) -> InboxItem:
    """A task the caller may work on (ready or done); NotFound for anyone else's."""
    task = session.get(HumanTask, task_id)
    if task is None or not may_work_on(actor, task):
        raise NotFound(f"no task {task_id}", errors={"task": "not found"})
    project = session.scalars(
        select(Project).where(Project.code == project_code(task.business_key))
    ).one_or_none()
    return InboxItem(task, project)
