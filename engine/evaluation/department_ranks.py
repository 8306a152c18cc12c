"""Departments ranked by how their projects scored: what a commendation among the top 10 needs.

A department's standing in a fiscal year is the exact mean total score of its projects' scored
evaluations (every kind: self, department, third party, key, survey), ranked by competition
ranking (1, 2, 2, 4): equal means share the better rank, so departments tied at rank 10 are all
among the top 10 (domain.md). Where the department's overall expenditure was evaluated
(部门整体绩效, engine/department), that evaluation's total stands instead: finance's when it
evaluated the department, else the department's reviewed self-evaluation. Its grade is fixed
with the rank, and is the `department` fact of the result rules.

Ranks are fixed once, when the year's evaluations close, so that every decision of the year
sees the same ranks (domain.md). The close is stored (`EvaluationClose`, one row per year) and
never recomputed. The year's evaluations close on a date of the following year (the
`evaluation_close` setting, end of that local day in the region's zone: `evaluation_close_at`):
each project's result application waits for it (a timer in budget_adjustment, before the
year-end rules), so an evaluation finished after another project's but before the close still
counts. The first project past the timer closes the year; the performance division may close
it earlier (`close_evaluations`, `budgetloop rules close-evaluations`). A decision reached
without a close (a flow built without the wait) closes it, the last moment ranks can be fixed.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from fractions import Fraction

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine import audit
from engine.cycle.calendar import evaluation_close_at
from engine.db import insert_once
from engine.models import (
    DepartmentEvaluation,
    DepartmentPlan,
    Evaluation,
    EvaluationClose,
    FiscalYear,
    Organisation,
    Project,
)
from engine.models.enums import DocumentStatus

# Of a department's final overall evaluations, the one that counts: finance's before its own.
OVERALL_PRECEDENCE = ("finance", "self")


# When evaluations close unless the region sets `evaluation_close` (a database from before the
# setting was shipped): 30 April of the following year, before next year's budgets are fixed.
def department_means(session: Session, fiscal_year_id: int) -> dict[int, Fraction]:
    """Department id → the exact mean score of its projects' scored evaluations that year."""
    return {
        department: Fraction(total) / count
        for department, (total, count) in _department_sums(session, fiscal_year_id).items()
    }


def _department_sums(session: Session, fiscal_year_id: int) -> dict[int, tuple]:
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
    return {department: (total, count) for department, total, count in rows}


def overall_evaluations(session: Session, fiscal_year_id: int) -> dict[int, tuple]:
    """Department id → (total score, grade, kind) of the overall evaluation that counts for it
    that year: finance's when final, else its final (reviewed) self-evaluation."""
    rows = session.execute(
        select(
            DepartmentPlan.org_id,
            DepartmentEvaluation.kind,
            DepartmentEvaluation.total_score,
            DepartmentEvaluation.grade,
        )
        .join(DepartmentPlan, DepartmentPlan.id == DepartmentEvaluation.plan_id)
        .where(
            DepartmentPlan.fiscal_year_id == fiscal_year_id,
            DepartmentEvaluation.status == DocumentStatus.FINAL,
            DepartmentEvaluation.total_score.is_not(None),
        )
    ).all()
    found: dict[int, tuple] = {}
    for kind in reversed(OVERALL_PRECEDENCE):  # the preferred kind last, so it stays
        for department, row_kind, total, grade in rows:
            if row_kind == kind:
                found[department] = (total, grade, kind)
    return found


def competition_ranks(means: dict[int, Fraction]) -> dict[int, int]:
    """Rank 1 is the best; equal means share the better rank and the next is skipped."""
    return {
        department: 1 + sum(1 for other in means.values() if other > mean)
        for department, mean in means.items()
    }


def close_evaluations(
    session: Session, fiscal_year_id: int, *, now: datetime, by: str, occasion: str = "close"
) -> EvaluationClose:
    """Fix the year's department ranks from the evaluations scored now; once closed, the stored
    ranks are returned unchanged (a second close, or a racing one, moves nothing)."""
    closed = _closed(session, fiscal_year_id)
    if closed is not None:
        return closed
    sums = _department_sums(session, fiscal_year_id)
    overall = overall_evaluations(session, fiscal_year_id)
    means = {department: Fraction(total) / count for department, (total, count) in sums.items()}
    means |= {department: Fraction(total) for department, (total, _, _) in overall.items()}
    ranks = competition_ranks(means)
    body = {
        str(department): _standing(department, ranks, sums, overall) for department in sorted(ranks)
    }
    values = {"fiscal_year_id": fiscal_year_id, "closed_at": now, "closed_by": by, "ranks": body}
    # Two first decisions at once (several workers): the unique key lets one row in, and the
    # other reads it instead of failing.
    inserted = insert_once(session, EvaluationClose, values, ["fiscal_year_id"])
    closed = _closed(session, fiscal_year_id)
    if inserted:
        audit.append(
            session,
            actor=by,
            action="evaluations.close",
            object_type="fiscal_year",
            object_id=fiscal_year_id,
            payload={"occasion": occasion, "ranks": body},
            at=now,
        )
    return closed


def _standing(department: int, ranks: dict, sums: dict, overall: dict) -> dict:
    """What the close keeps of one department: its rank, the score it stood on and why."""
    if department in overall:
        total, grade, kind = overall[department]
        return {
            "rank": ranks[department],
            "mean": str(Decimal(total).quantize(Decimal("0.0001"))),
            "evaluations": sums[department][1] if department in sums else 0,
            "basis": f"overall_{kind}",
            "grade": grade,
        }
    total, count = sums[department]
    return {
        "rank": ranks[department],
        # For people reading it; the ranks compare the exact means.
        "mean": str((total / count).quantize(Decimal("0.0001"))),
        "evaluations": count,
        "basis": "projects",
    }


def _closed(session: Session, fiscal_year_id: int) -> EvaluationClose | None:
    return session.scalars(
        select(EvaluationClose).where(EvaluationClose.fiscal_year_id == fiscal_year_id)
    ).one_or_none()


def department_rank(
    session: Session, project: Project, *, now: datetime, by: str = "system"
) -> int | None:
    """The fixed rank of the project's department this year (closing the year's evaluations if
    they are not closed yet), or None when the department had no scored evaluation then."""
    closed = _closed(session, project.fiscal_year_id) or close_evaluations(
        session, project.fiscal_year_id, now=now, by=by, occasion=_occasion(session, project, now)
    )
    department = session.scalar(
        select(Organisation.parent_id).where(Organisation.id == project.unit_id)
    )
    entry = closed.ranks.get(str(department)) if department is not None else None
    return entry["rank"] if entry else None


def department_grade(session: Session, project: Project) -> str | None:
    """The grade of the project's department's overall evaluation, as fixed when the year's
    evaluations closed (None before the close, or for a department not evaluated overall).
    Read after `department_rank`, which closes the year when a decision comes first."""
    closed = _closed(session, project.fiscal_year_id)
    department = session.scalar(
        select(Organisation.parent_id).where(Organisation.id == project.unit_id)
    )
    if closed is None or department is None:
        return None
    return (closed.ranks.get(str(department)) or {}).get("grade")


def _occasion(session: Session, project: Project, now: datetime) -> str:
    """Why the year closes now: its close date passed (the process waited for it), or a
    decision came first (a flow without the wait)."""
    close_at = evaluation_close_at(session, session.get(FiscalYear, project.fiscal_year_id))
    if now >= close_at:
        return f"close date {close_at.date().isoformat()} reached ({project.code})"
    return f"first decision of the year ({project.code})"
