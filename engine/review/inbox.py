"""The inbox: ready user tasks for the caller's role and organisation."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import nulls_last, or_, select
from sqlalchemy.orm import Session

from engine.actors import Actor
from engine.errors import NotFound
from engine.models import AuditEvent, HumanTask, Project
from engine.paging import Page, paginate, sort_by

TASK_SORTS = {"created_at": HumanTask.created_at, "id": HumanTask.id, "due_at": HumanTask.due_at}
DONE_SORTS = {
    "completed_at": HumanTask.completed_at,
    "due_at": HumanTask.due_at,
    "id": HumanTask.id,
}


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
    # For a completed task: the decision its form recorded (approve, return, accept …).
    outcome: str | None = None


def _sorted(stmt, sort: str | None, columns: dict):
    """`sort_by`, except that tasks without a due date come after those with one."""
    if sort and sort.lstrip("-") == "due_at":
        column = HumanTask.due_at.desc() if sort.startswith("-") else HumanTask.due_at.asc()
        return stmt.order_by(nulls_last(column), HumanTask.id)
    return sort_by(stmt, sort, columns, HumanTask.id)


def _with_projects(session: Session, tasks: list, outcomes: dict | None = None) -> list:
    codes = {project_code(task.business_key) for task in tasks}
    projects = {p.code: p for p in session.scalars(select(Project).where(Project.code.in_(codes)))}
    outcomes = outcomes or {}
    return [
        InboxItem(t, projects.get(project_code(t.business_key)), outcomes.get(t.id)) for t in tasks
    ]


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
    result = paginate(session, _sorted(stmt, sort, TASK_SORTS), page, per_page)
    return Page(_with_projects(session, result.items), result.page, result.per_page, result.total)


def completed(
    session: Session,
    actor: Actor,
    page: int,
    per_page: int,
    sort: str | None = "-completed_at",
    form: str | None = None,
) -> Page:
    """The tasks the caller completed (已办), newest first by default, each with its project and
    the decision it recorded."""
    stmt = select(HumanTask).where(
        HumanTask.status == "completed", HumanTask.completed_by == actor.name
    )
    if not actor.operator:
        # The inbox index's prefix (status, role, org) narrows the rows before the name does.
        stmt = stmt.where(
            HumanTask.role == actor.role,
            or_(HumanTask.org_id == actor.org_id, HumanTask.org_id.is_(None)),
        )
    if form:
        stmt = stmt.where(HumanTask.form == form)
    result = paginate(session, _sorted(stmt, sort, DONE_SORTS), page, per_page)
    outcomes = _outcomes(session, result.items)
    items = _with_projects(session, result.items, outcomes)
    return Page(items, result.page, result.per_page, result.total)


def _outcomes(session: Session, tasks: list[HumanTask]) -> dict[int, str]:
    """The `outcome` each task was completed with, from the audit log's completions of the
    page's instances."""
    if not tasks:
        return {}
    wanted = {task.id for task in tasks}
    events = session.scalars(
        select(AuditEvent.payload).where(
            AuditEvent.action == "task.complete",
            AuditEvent.object_type == "process_instance",
            AuditEvent.object_id.in_({str(task.instance_id) for task in tasks}),
        )
    )
    found: dict[int, str] = {}
    for payload in events:
        task_id = (payload or {}).get("task")
        outcome = ((payload or {}).get("data") or {}).get("outcome")
        if task_id in wanted and isinstance(outcome, str):
            found[task_id] = outcome
    return found


def get_task(session: Session, actor: Actor, task_id: int) -> InboxItem:
    """A task the caller may work on (ready or done); NotFound for anyone else's."""
    task = session.get(HumanTask, task_id)
    if task is None or not may_work_on(actor, task):
        raise NotFound(
            f"no task {task_id}",
            errors={"task": "not found"},
            key="no_task",
            params={"id": task_id},
        )
    project = session.scalars(
        select(Project).where(Project.code == project_code(task.business_key))
    ).one_or_none()
    return InboxItem(task, project)
