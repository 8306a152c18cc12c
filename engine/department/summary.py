"""A year of the departments' overall performance in numbers, for the demo's summary."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.department.queries import standings
from engine.models import (
    DepartmentEvaluation,
    DepartmentMonitoring,
    DepartmentPlan,
    FundingDecision,
)
from engine.models.enums import DocumentStatus


@dataclass
class DepartmentYear:
    """Plans filed and approved, monitoring colours, evaluations, grades, projects cut."""

    plans: int = 0
    final: int = 0
    monitoring: Counter = field(default_factory=Counter)
    self_evaluated: int = 0
    finance_evaluated: int = 0
    grades: Counter = field(default_factory=Counter)
    projects_cut: int = 0


def department_year(session: Session, fiscal_year_id: int) -> DepartmentYear:
    plan_ids = list(
        session.scalars(
            select(DepartmentPlan.id).where(DepartmentPlan.fiscal_year_id == fiscal_year_id)
        )
    )
    result = DepartmentYear(plans=len(plan_ids))
    if not plan_ids:
        return result
    result.final = session.scalar(
        select(func.count()).where(
            DepartmentPlan.id.in_(plan_ids), DepartmentPlan.status == DocumentStatus.FINAL
        )
    )
    result.monitoring = Counter(
        dict(
            session.execute(
                select(DepartmentMonitoring.colour, func.count())
                .where(
                    DepartmentMonitoring.plan_id.in_(plan_ids),
                    DepartmentMonitoring.colour.is_not(None),
                )
                .group_by(DepartmentMonitoring.colour)
            ).all()
        )
    )
    final = dict(
        session.execute(
            select(DepartmentEvaluation.kind, func.count())
            .where(
                DepartmentEvaluation.plan_id.in_(plan_ids),
                DepartmentEvaluation.status == DocumentStatus.FINAL,
            )
            .group_by(DepartmentEvaluation.kind)
        ).all()
    )
    result.self_evaluated, result.finance_evaluated = final.get("self", 0), final.get("finance", 0)
    result.grades = Counter(
        standing.grade for standing in standings(session, plan_ids).values() if standing.grade
    )
    fired = session.scalars(
        select(FundingDecision.fired_rules).where(FundingDecision.fiscal_year_id == fiscal_year_id)
    )
    result.projects_cut = sum(1 for rules in fired if "department_grade_d" in (rules or []))
    return result


COLOURS = (("red", "红"), ("yellow", "黄"), ("green", "绿"))


def department_line(year: DepartmentYear) -> str:
    """部门整体绩效 (department overall performance): one line of the demo's summary."""
    colours = "、".join(f"{zh} {year.monitoring[c]}" for c, zh in COLOURS if year.monitoring[c])
    grades = "、".join(f"{g} {year.grades[g]}" for g in "ABCD" if year.grades[g]) or "—"
    return (
        f"  部门整体绩效 (department overall performance): {year.plans} 个部门填报整体绩效目标"
        f"（已批复 {year.final}）；年中监控 {sum(year.monitoring.values())}"
        f"（{colours or '—'}）；部门自评 {year.self_evaluated}，财政评价 "
        f"{year.finance_evaluated}；等级 {grades}；评为差（D）的部门，其项目压减 10% 的 "
        f"{year.projects_cut} 个"
    )
