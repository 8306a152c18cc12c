"""Trends across the years of the lived-in province (2026 closed, 2027 under way): each figure
recomputed here from the rows themselves, each list limited to what the caller sees."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

import pytest
from sqlalchemy import select

from engine import trends
from engine.actors import Actor
from engine.db import create_db_engine, session_factory
from engine.errors import NotFound
from engine.models import (
    Alert,
    Allocation,
    DepartmentEvaluation,
    DepartmentPlan,
    Evaluation,
    EvaluationScore,
    FundingDecision,
    Organisation,
    Project,
    User,
)
from engine.models.enums import AlertKind, DocumentStatus, EvaluationKind, OrgKind

OPERATOR = Actor.system("test")


@pytest.fixture
def lived_sessions(backend, request):
    lived = request.getfixturevalue(f"{'sqlite' if backend == 'sqlite' else 'postgres'}_world")
    engine = create_db_engine(lived.fresh())
    yield session_factory(engine), lived.world
    engine.dispose()


def _actor(session, account) -> Actor:
    return Actor.of_user(session.get(User, account.user_id))


def test_a_continuing_project_reads_its_years_from_either_end(lived_sessions):
    sessions, _world = lived_sessions
    with sessions() as session:
        later = session.scalars(
            select(Project).where(Project.predecessor_id.is_not(None)).order_by(Project.id)
        ).first()
        earlier = session.get(Project, later.predecessor_id)
        rows = trends.project_trend(session, OPERATOR, later.id)
        assert [r.project_id for r in rows] == [earlier.id, later.id]
        assert trends.project_trend(session, OPERATOR, earlier.id) == rows
        first = rows[0]
        assert [r.year for r in rows] == [2026, 2027]
        # The year closed: its decision, grade and year-end execution, recomputed.
        decision = session.scalars(
            select(FundingDecision).where(FundingDecision.project_id == earlier.id)
        ).one()
        assert first.grade == decision.facts["grade"]
        assert first.execution_final and first.execution_rate == Decimal(
            decision.facts["execution_rate"]
        )
        assert first.decision == decision.kind.value
        evaluation = session.scalars(
            select(Evaluation)
            .where(Evaluation.project_id == earlier.id, Evaluation.kind == EvaluationKind.SELF)
            .order_by(Evaluation.id.desc())
        ).first()
        scores = session.scalars(
            select(EvaluationScore).where(
                EvaluationScore.evaluation_id == evaluation.id,
                EvaluationScore.indicator_id.is_not(None),
            )
        ).all()
        assert first.indicators_scored == len(scores)
        assert first.indicators_met == sum(1 for s in scores if s.score >= s.weight)
        earned, weighed = sum(s.score for s in scores), sum(s.weight for s in scores)
        assert first.achievement == (earned / weighed).quantize(Decimal("0.0001"))
        colours = Counter(
            a.colour.value
            for a in session.scalars(
                select(Alert).where(Alert.project_id == earlier.id, Alert.kind == AlertKind.PROJECT)
            )
        )
        assert first.alerts == dict(colours)
        # Next year's money as allocated from this year's decision.
        assert (
            first.next_amount
            == session.scalars(
                select(Allocation.amount).where(Allocation.project_id == earlier.id)
            ).one()
        )


def test_a_department_year_by_year_and_side_by_side(lived_sessions):
    sessions, world = lived_sessions
    with sessions() as session:
        department = session.get(Organisation, world["department"].org_id)
        organisation, years = trends.org_trend(session, OPERATOR, department.id)
        assert organisation.id == department.id
        assert [y.year for y in years] == [2026, 2027]
        units = select(Organisation.id).where(Organisation.parent_id == department.id)
        projects_2026 = session.scalars(
            select(Project).where(Project.unit_id.in_(units), Project.fiscal_year.has(year=2026))
        ).all()
        assert years[0].projects == len(projects_2026)
        assert years[0].requested == sum(p.requested_amount for p in projects_2026)
        scored = [
            e.total_score
            for e in session.scalars(
                select(Evaluation).where(
                    Evaluation.project_id.in_([p.id for p in projects_2026]),
                    Evaluation.total_score.is_not(None),
                )
            )
        ]
        assert years[0].mean_score == (sum(scored) / len(scored)).quantize(Decimal("0.01"))
        decisions = session.scalars(
            select(FundingDecision).where(
                FundingDecision.project_id.in_([p.id for p in projects_2026])
            )
        ).all()
        assert years[0].grades == dict(Counter(d.facts.get("grade") or "—" for d in decisions))
        assert years[0].rank is not None
        # Its overall grade (部门整体绩效), as the year's close fixed it beside the rank.
        graded = select(DepartmentEvaluation.grade).where(
            DepartmentEvaluation.plan_id.in_(
                select(DepartmentPlan.id).where(DepartmentPlan.org_id == department.id)
            ),
            DepartmentEvaluation.status == DocumentStatus.FINAL,
        )
        assert years[0].overall_grade is not None
        assert years[0].overall_grade in session.scalars(graded).all()
        side_by_side = {
            c.department_id: c for c in trends.departments_year_on_year(session, OPERATOR, 2027)
        }
        assert side_by_side[department.id].last == years[0]
        assert side_by_side[department.id].this == years[1]


def test_each_role_sees_its_own_scope(lived_sessions):
    sessions, world = lived_sessions
    with sessions() as session:
        unit = _actor(session, world["unit"])
        stranger = _actor(session, world.strangers["unit"])
        own = session.scalars(
            select(Project.id).where(Project.unit_id == world["unit"].org_id)
        ).first()
        assert trends.project_trend(session, unit, own)
        with pytest.raises(NotFound):
            trends.project_trend(session, stranger, own)
        with pytest.raises(NotFound):
            trends.org_trend(session, stranger, world["department"].org_id)
        # A department compares itself only; the performance division every department.
        department = _actor(session, world["department"])
        mine = trends.departments_year_on_year(session, department, 2027)
        assert [c.department_id for c in mine] == [world["department"].org_id]
        every = trends.departments_year_on_year(
            session, _actor(session, world["performance"]), 2027
        )
        departments = session.scalars(
            select(Organisation.id).where(Organisation.kind == OrgKind.DEPARTMENT)
        ).all()
        assert {c.department_id for c in every} <= set(departments)
        assert len(every) > 1
        # A finance desk's years are its departments' units'; an oversight body has none.
        desk, years = trends.org_trend(session, OPERATOR, world["finance"].org_id)
        assert (
            years
            and years[0].projects
            >= trends.org_trend(session, OPERATOR, world["department"].org_id)[1][0].projects
        )
        assert trends.org_trend(session, OPERATOR, world["supervisor"].org_id)[1] == []
