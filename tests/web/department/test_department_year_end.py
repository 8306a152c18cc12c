"""A department's year-end execution is its projects' year as their self-evaluations state it:
each project self-evaluation keeps the amount it was scored on, and the department's overall
self-evaluation rolls those amounts up (not the projects' Jan–Jul monitoring figures)."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from engine.department import rollup
from engine.models import (
    AuditEvent,
    DepartmentEvaluation,
    DepartmentPlan,
    Evaluation,
    EvaluationScore,
    FrameNode,
    HumanTask,
    MonitoringReport,
    MonitoringTask,
    Organisation,
    Project,
)
from engine.models.enums import DocumentStatus, EvaluationKind, ProjectStatus
from tests.web.evaluation_support import sessions


def _self_evaluated(session) -> dict[str, Decimal]:
    """Each project's code → the amount its last completed self-evaluation form stated."""
    stated: dict[str, Decimal] = {}
    for event in session.scalars(
        select(AuditEvent).where(AuditEvent.action == "task.complete").order_by(AuditEvent.id)
    ):
        task = session.get(HumanTask, event.payload["task"])
        if task.form == "self_evaluation":
            code = task.business_key.split(":", 1)[1]
            stated[code] = Decimal(str(event.payload["data"]["executed"]))
    return stated


def test_a_project_self_evaluation_keeps_the_amount_executed(world_app):
    with sessions(world_app)() as session:
        stated = _self_evaluated(session)
        assert stated, "the lived-in year has self-evaluated projects"
        kept = dict(
            session.execute(
                select(Project.code, EvaluationScore.actual)
                .join(Evaluation, Evaluation.project_id == Project.id)
                .join(EvaluationScore, EvaluationScore.evaluation_id == Evaluation.id)
                .join(FrameNode, FrameNode.id == EvaluationScore.node_id)
                .where(
                    Evaluation.kind == EvaluationKind.SELF,
                    FrameNode.fixed_item == "execution",
                    Project.code.in_(stated),
                )
            ).all()
        )
    assert kept == stated


def test_the_department_self_evaluation_rolls_up_the_projects_year(world_app, world):
    department_id = world["department"].org_id
    with sessions(world_app)() as session:
        stated = _self_evaluated(session)
        evaluation, plan = session.execute(
            select(DepartmentEvaluation, DepartmentPlan)
            .join(DepartmentPlan, DepartmentPlan.id == DepartmentEvaluation.plan_id)
            .where(DepartmentPlan.org_id == department_id, DepartmentEvaluation.kind == "self")
        ).one()
        projects = session.scalars(
            select(Project)
            .join(Organisation, Organisation.id == Project.unit_id)
            .where(
                Organisation.parent_id == department_id,
                Project.fiscal_year_id == plan.fiscal_year_id,
                Project.status != ProjectStatus.CANCELLED,
            )
        ).all()
        expected, from_self = Decimal(0), 0
        for project in projects:
            if project.code in stated:
                expected += stated[project.code]
                from_self += 1
                continue
            latest = session.scalars(
                select(MonitoringReport.executed_to_date)
                .join(MonitoringTask, MonitoringTask.id == MonitoringReport.task_id)
                .where(
                    MonitoringReport.project_id == project.id,
                    MonitoringReport.status != DocumentStatus.DRAFT,
                )
                .order_by(MonitoringTask.months_elapsed.desc(), MonitoringReport.id.desc())
            ).first()
            expected += latest or Decimal(0)
        mid_year = rollup.mid_year(session, department_id, plan.fiscal_year_id)
        year_end = rollup.year_end(session, department_id, plan.fiscal_year_id)
    assert from_self, "the department's projects were self-evaluated before the department"
    assert year_end.executed == expected
    assert evaluation.project_executed == expected
    # The Jan–Jul figure is not the year's: the two differ once projects have reported the year.
    assert expected != mid_year.executed


def test_the_evaluation_page_shows_the_amount_executed(world_app, login):
    with sessions(world_app)() as session:
        evaluation_id, actual = session.execute(
            select(Evaluation.id, EvaluationScore.actual)
            .join(EvaluationScore, EvaluationScore.evaluation_id == Evaluation.id)
            .join(FrameNode, FrameNode.id == EvaluationScore.node_id)
            .where(Evaluation.kind == EvaluationKind.SELF, FrameNode.fixed_item == "execution")
            .where(EvaluationScore.actual.is_not(None))
            .order_by(Evaluation.id)
            .limit(1)
        ).one()
    client = login("performance")
    page = client.get(f"/evaluations/{evaluation_id}").text
    assert f"已执行 {actual:,.2f} 元" in page
    english = client.get(f"/evaluations/{evaluation_id}?lang=en").text
    assert f"¥{actual:,.2f} executed" in english
