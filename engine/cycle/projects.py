"""Projects and organisations as the caller may see them."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from engine.actors import Actor
from engine.cycle.start import business_key
from engine.errors import NotFound
from engine.identity.access import project_scope, visible_orgs
from engine.models import ExAnteAssessment, FiscalYear, Organisation, ProcessInstance, Project
from engine.paging import Page, paginate, sort_by
from engine.workflow.instance_view import InstanceView, instance_view
from engine.workflow.runtime import WorkflowEngine

PROJECT_SORTS = {"code": Project.code, "id": Project.id}
ORG_SORTS = {"code": Organisation.code, "id": Organisation.id}


@dataclass(frozen=True)
class ProjectFilter:
    year: int | None = None
    department_id: int | None = None
    unit_id: int | None = None
    functional_class: str | None = None
    status: str | None = None
    q: str | None = None


def list_projects(
    session: Session, actor: Actor, where: ProjectFilter, page: int, per_page: int, sort=None
) -> Page:
    stmt = select(Project).options(joinedload(Project.unit)).where(project_scope(actor))
    if where.year is not None:
        stmt = stmt.join(FiscalYear, FiscalYear.id == Project.fiscal_year_id).where(
            FiscalYear.year == where.year
        )
    if where.unit_id is not None:
        stmt = stmt.where(Project.unit_id == where.unit_id)
    if where.department_id is not None:
        stmt = stmt.where(
            Project.unit_id.in_(
                select(Organisation.id).where(Organisation.parent_id == where.department_id)
            )
        )
    if where.functional_class:
        stmt = stmt.where(Project.functional_class == where.functional_class)
    if where.status:
        stmt = stmt.where(Project.status == where.status)
    if where.q:
        stmt = stmt.where(Project.name.contains(where.q, autoescape=True))
    return paginate(session, sort_by(stmt, sort, PROJECT_SORTS, Project.id), page, per_page)


def get_project(session: Session, actor: Actor, project_id: int) -> Project:
    """The project if `actor` may see it; NotFound otherwise (whether or not it exists)."""
    project = session.scalars(
        select(Project)
        .options(joinedload(Project.unit), joinedload(Project.fiscal_year))
        .where(Project.id == project_id, project_scope(actor))
    ).one_or_none()
    if project is None:
        raise NotFound(
            f"no project {project_id}",
            errors={"project": "not found"},
            key="no_project",
            params={"id": project_id},
        )
    return project


def list_organisations(
    session: Session,
    actor: Actor,
    kind: str | None,
    parent_id: int | None,
    page: int,
    per_page: int,
    sort=None,
) -> Page:
    stmt = select(Organisation)
    scope = visible_orgs(actor)
    if scope is not None:
        stmt = stmt.where(Organisation.id.in_(scope))
    if kind:
        stmt = stmt.where(Organisation.kind == kind)
    if parent_id is not None:
        stmt = stmt.where(Organisation.parent_id == parent_id)
    return paginate(session, sort_by(stmt, sort, ORG_SORTS, Organisation.id), page, per_page)


def get_organisation(session: Session, actor: Actor, org_id: int) -> Organisation:
    stmt = select(Organisation).where(Organisation.id == org_id)
    scope = visible_orgs(actor)
    if scope is not None:
        stmt = stmt.where(Organisation.id.in_(scope))
    organisation = session.scalars(stmt).one_or_none()
    if organisation is None:
        raise NotFound(
            f"no organisation {org_id}",
            errors={"organisation": "not found"},
            key="no_organisation",
            params={"id": org_id},
        )
    return organisation


def project_instance(
    session: Session, actor: Actor, engine: WorkflowEngine, project_id: int
) -> InstanceView:
    """The latest cycle instance of a project `actor` may see (404 outside its scope)."""
    project = get_project(session, actor, project_id)
    instance = session.scalars(
        select(ProcessInstance)
        .where(ProcessInstance.business_key == business_key(project))
        .order_by(ProcessInstance.id.desc())
        .limit(1)
    ).first()
    if instance is None:
        raise NotFound(
            f"project {project.code} has no process instance yet", errors={"instance": "none"}
        )
    return instance_view(session, actor, engine, instance, project)


def ex_ante_of(session: Session, project: Project) -> ExAnteAssessment | None:
    """The ex-ante assessment of a project the caller may already see, if it had one."""
    return session.scalars(
        select(ExAnteAssessment).where(ExAnteAssessment.project_id == project.id)
    ).first()
