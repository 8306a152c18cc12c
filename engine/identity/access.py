"""Who may see what: the rule of each row scope, applied inside every query.

Which scope a role has is engine/identity/permissions.py's table. A unit sees its own
projects; a department also its units'; a finance desk the departments it handles and their
units; an evaluator only the projects it is assigned to evaluate; the performance division and
supervisors see everything; the public only what has been disclosed. Rows outside a scope are
"not visible": reading one is NotFound, never Forbidden, so that ids do not leak what exists.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, Select, false, or_, select, true
from sqlalchemy.orm import Session, aliased

from engine.actors import Actor
from engine.errors import NotFound
from engine.identity.permissions import Scope, scope_of
from engine.models import Disclosure, Evaluation, Organisation, Project
from engine.models.enums import Role

PUBLIC = Actor(name=Role.PUBLIC.value, role=Role.PUBLIC.value)


def sees_everything(actor: Actor) -> bool:
    """Tell whether `actor`'s scope is the whole province (no row condition at all)."""
    return scope_of(actor) is Scope.PROVINCE


def visible_units(actor: Actor) -> Select | None:
    """The ids of the units whose data `actor` sees, or None for every unit."""
    scope, org = scope_of(actor), actor.org_id
    if scope is Scope.PROVINCE:
        return None
    if scope is Scope.OWN_UNIT:
        return select(Organisation.id).where(Organisation.id == org)
    if scope is Scope.DEPARTMENT:
        return select(Organisation.id).where(
            or_(Organisation.id == org, Organisation.parent_id == org)
        )
    if scope is Scope.FINANCE_DESK:
        department = aliased(Organisation)
        return (
            select(Organisation.id)
            .join(department, Organisation.parent_id == department.id)
            .where(department.finance_desk_id == org)
        )
    return select(Organisation.id).where(false())


def visible_orgs(actor: Actor) -> Select | None:
    """The organisations `actor` may list: its units plus, for a department, itself."""
    scope = scope_of(actor)
    if scope is Scope.FINANCE_DESK:
        return select(Organisation.id).where(
            or_(
                Organisation.id == actor.org_id,
                Organisation.finance_desk_id == actor.org_id,
                Organisation.parent_id.in_(
                    select(Organisation.id).where(Organisation.finance_desk_id == actor.org_id)
                ),
            )
        )
    if scope in (Scope.ASSIGNED, Scope.DISCLOSED):
        return select(Organisation.id).where(Organisation.id == actor.org_id)
    return visible_units(actor)


def project_scope(actor: Actor, project_id=Project.id, unit_id=Project.unit_id) -> ColumnElement:
    """A WHERE clause limiting rows (by their project and unit columns) to what `actor` sees."""
    scope = scope_of(actor)
    if scope is Scope.ASSIGNED:
        return project_id.in_(
            select(Evaluation.project_id).where(Evaluation.evaluator_org_id == actor.org_id)
        )
    if scope is Scope.DISCLOSED:
        return project_id.in_(
            select(Disclosure.project_id).where(Disclosure.withdrawn_at.is_(None))
        )
    units = visible_units(actor)
    return true() if units is None else unit_id.in_(units)


def in_department(department_id: int) -> ColumnElement:
    """A WHERE clause on projects: those of the department's units."""
    units = select(Organisation.id).where(Organisation.parent_id == department_id)
    return Project.unit_id.in_(units)


def projects_in_scope(actor: Actor, *conditions: ColumnElement) -> Select | None:
    """The ids of the projects `actor` sees that meet `conditions`, as a subquery; None when
    that is every project, so that a caller adds no condition at all."""
    if not sees_everything(actor):
        conditions = (*conditions, project_scope(actor))
    return select(Project.id).where(*conditions) if conditions else None


def scoped_by_project(stmt: Select, actor: Actor, entity) -> Select:
    """`stmt` over `entity` (a model with project_id) limited to the projects `actor` sees."""
    projects = projects_in_scope(actor)
    return stmt if projects is None else stmt.where(entity.project_id.in_(projects))


def visible_project(session: Session, actor: Actor, project_id: int) -> Project:
    """The project, if `actor` may see it; NotFound otherwise (whether or not it exists)."""
    project = session.scalars(
        select(Project).where(Project.id == project_id, project_scope(actor))
    ).one_or_none()
    if project is None:
        raise NotFound(
            f"no project {project_id}",
            errors={"project": "not found"},
            key="no_project",
            params={"id": project_id},
        )
    return project
