"""Departments ranked by how their projects scored: what a commendation among the top 10 needs.

A department's standing in a fiscal year is the mean total score of its projects' scored
evaluations (every kind: self, department, third party, key, survey). Rank 1 is the best;
departments with equal means share the better rank. The rank is read when a project's result
is applied and recorded in that decision's facts, so "why was this commended?" stays answerable
even after later evaluations move the standings.
"""

from __future__ import annotations

from fractions import Fraction

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.models import Evaluation, Organisation, Project


def department_means(session: Session, fiscal_year_id: int) -> dict[int, Fraction]:
    """Department id → the exact mean score of its projects' scored evaluations that year."""
    rows = session.execute(
        select(Organisation.parent_id, func.sum(Evaluation.total_score), func.count())
        .select_from(Evaluation)
        .join(Project, Project.id == Evaluation.project_id)
        .join(Organisation, Organisation.id == Project.unit_id)
        .where(
            Project.fiscal_year_id == fiscal_year_id,
            Evaluation.total_score.is_not(None),
            Organisation.parent_id.is_not(None),
        )
        .group_by(Organisation.parent_id)
    )
    # The sum comes back through the column's type as an exact Decimal.
    return {department: Fraction(total) / count for department, total, count in rows}


def department_rank(session: Session, project: Project) -> int | None:
    """The rank of the project's department this year, or None when it has no scores yet."""
    department = session.scalar(
        select(Organisation.parent_id).where(Organisation.id == project.unit_id)
    )
    if department is None:
        return None
    means = department_means(session, project.fiscal_year_id)
    mine = means.get(department)
    if mine is None:
        return None
    return 1 + sum(1 for mean in means.values() if mean > mine)
