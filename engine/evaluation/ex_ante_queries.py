"""Ex-ante assessments as the caller may see them: a third party only those it was
commissioned for, everyone else those of the projects in their scope."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from engine.actors import Actor
from engine.errors import NotFound
from engine.identity.access import scoped_by_project
from engine.identity.permissions import Scope, scope_of
from engine.models import ExAnteAssessment, FiscalYear, Project
from engine.paging import Page, paginate, sort_by

SORTS = {"id": ExAnteAssessment.id, "project_id": ExAnteAssessment.project_id}


def assessments_in_scope(stmt, actor: Actor):
    if scope_of(actor) is Scope.ASSIGNED:
        return stmt.where(ExAnteAssessment.assessor_org_id == actor.org_id)
    return scoped_by_project(stmt, actor, ExAnteAssessment)


@dataclass(frozen=True)
class ExAnteFilter:
    conclusion: str | None = None  # support, adjust, reject; "pending": not concluded yet
    year: int | None = None
    project_id: int | None = None


def list_ex_ante(
    session: Session, actor: Actor, where: ExAnteFilter, page: int, per_page: int, sort=None
) -> Page:
    stmt = assessments_in_scope(
        select(ExAnteAssessment).options(joinedload(ExAnteAssessment.project)), actor
    )
    if where.conclusion == "pending":
        stmt = stmt.where(ExAnteAssessment.conclusion.is_(None))
    elif where.conclusion:
        stmt = stmt.where(ExAnteAssessment.conclusion == where.conclusion)
    if where.year is not None:
        stmt = stmt.where(
            ExAnteAssessment.project_id.in_(
                select(Project.id).join(FiscalYear).where(FiscalYear.year == where.year)
            )
        )
    if where.project_id is not None:
        stmt = stmt.where(ExAnteAssessment.project_id == where.project_id)
    return paginate(session, sort_by(stmt, sort, SORTS, ExAnteAssessment.id), page, per_page)


def get_ex_ante(session: Session, actor: Actor, assessment_id: int) -> ExAnteAssessment:
    """The assessment if `actor` may see it; NotFound otherwise (whether or not it exists)."""
    found = session.scalars(
        assessments_in_scope(
            select(ExAnteAssessment)
            .options(joinedload(ExAnteAssessment.project))
            .where(ExAnteAssessment.id == assessment_id),
            actor,
        )
    ).one_or_none()
    if found is None:
        raise NotFound(
            f"no ex-ante assessment {assessment_id}",
            key="no_ex_ante",
            params={"id": assessment_id},
        )
    return found
