"""A department's budget and execution rolled up from its projects, beside the basic
expenditure it reports itself (projects' money is on record; staff and office costs are not).

Mid-year, each project counts with what its unit reported executed in the Jan–Jul round
(reports still in draft count nothing). At year end, with what its self-evaluation states was
executed in the year, else its latest monitoring report. Cancelled projects are left out.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from engine.models import (
    Evaluation,
    EvaluationScore,
    FrameNode,
    MonitoringReport,
    MonitoringTask,
    Organisation,
    Project,
)
from engine.models.enums import DocumentStatus, EvaluationKind, ProjectStatus

MID_YEAR_ROUND = "jan_jul"


@dataclass(frozen=True)
class ProjectRollup:
    """The department's projects of the year: how many, their budget, what they executed."""

    projects: int
    reported: int  # projects whose execution is on record
    budget: Decimal
    executed: Decimal


def _projects(org_id: int, fiscal_year_id: int):
    budget = func.coalesce(Project.approved_amount, Project.requested_amount)
    return (
        select(Project.id, budget.label("budget"))
        .join(Organisation, Organisation.id == Project.unit_id)
        .where(
            Organisation.parent_id == org_id,
            Project.fiscal_year_id == fiscal_year_id,
            Project.status != ProjectStatus.CANCELLED,
        )
        .subquery()
    )


def mid_year(session: Session, org_id: int, fiscal_year_id: int) -> ProjectRollup:
    """The projects' execution to date as their units reported it in the Jan–Jul round."""
    projects = _projects(org_id, fiscal_year_id)
    # The round's task, then each of the department's projects' report by its index: the work
    # grows with the department's projects, not the province's reports.
    round_task = (
        select(MonitoringTask.id)
        .where(
            MonitoringTask.fiscal_year_id == fiscal_year_id,
            MonitoringTask.round_code == MID_YEAR_ROUND,
        )
        .scalar_subquery()
    )
    row = session.execute(
        select(
            func.count(projects.c.id),
            func.count(MonitoringReport.id),
            func.coalesce(func.sum(projects.c.budget), 0),
            func.coalesce(func.sum(MonitoringReport.executed_to_date), 0),
        )
        .select_from(projects)
        .outerjoin(
            MonitoringReport,
            and_(
                MonitoringReport.project_id == projects.c.id,
                MonitoringReport.task_id == round_task,
                MonitoringReport.status != DocumentStatus.DRAFT,
            ),
        )
    ).one()
    return ProjectRollup(row[0], row[1], Decimal(row[2]), Decimal(row[3]))


def year_end(session: Session, org_id: int, fiscal_year_id: int) -> ProjectRollup:
    """The projects' execution in the year: each self-evaluation's executed amount, else the
    project's latest monitoring report (a project not yet self-evaluated)."""
    subquery = _projects(org_id, fiscal_year_id)
    projects = session.execute(select(subquery)).all()
    ids = select(subquery.c.id)
    executed: dict[int, Decimal] = {}
    for project_id, amount in session.execute(
        select(MonitoringReport.project_id, MonitoringReport.executed_to_date)
        .join(MonitoringTask, MonitoringTask.id == MonitoringReport.task_id)
        .where(
            MonitoringReport.project_id.in_(ids),
            MonitoringReport.status != DocumentStatus.DRAFT,
        )
        .order_by(MonitoringTask.months_elapsed, MonitoringReport.id)
    ):
        executed[project_id] = amount
    for project_id, amount in session.execute(
        select(Evaluation.project_id, EvaluationScore.actual)
        .join(EvaluationScore, EvaluationScore.evaluation_id == Evaluation.id)
        .join(
            FrameNode,
            and_(FrameNode.id == EvaluationScore.node_id, FrameNode.fixed_item == "execution"),
        )
        .where(
            Evaluation.project_id.in_(ids),
            Evaluation.kind == EvaluationKind.SELF,
            Evaluation.total_score.is_not(None),
            EvaluationScore.actual.is_not(None),
        )
        .order_by(Evaluation.id)
    ):
        executed[project_id] = amount
    return ProjectRollup(
        len(projects),
        len(executed),
        sum((Decimal(budget) for _, budget in projects), Decimal(0)),
        sum(executed.values(), Decimal(0)),
    )


def execution_rate(executed: Decimal, budget: Decimal) -> Decimal | None:
    """Executed over budget, to four places (None without a budget)."""
    if budget <= 0:
        return None
    return (executed / budget).quantize(Decimal("0.0001"))
