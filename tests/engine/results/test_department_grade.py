"""A department's overall evaluation (部门整体绩效) in the result rules: it stands for the
department's rank where present, its grade is fixed with the ranks when the year's evaluations
close, and the default rules cut a D department's discretionary projects by 10 % — also in
`rules simulate` over decisions recorded before department grades were facts."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import select

from engine.evaluation.department_ranks import close_evaluations, department_grade, department_rank
from engine.evaluation.surveys import record_survey
from engine.frame_map import frame_named
from engine.models import (
    DepartmentEvaluation,
    DepartmentPlan,
    FiscalYear,
    FundingDecision,
    Organisation,
    Project,
)
from engine.models.enums import DecisionKind, DocumentStatus
from engine.results import rulesets, whatif
from engine.synthetic.province import DEMO_REGION, SeedRequest, seed_province
from rules import Facts, default_ruleset, parse_ruleset
from rules.host import host

NOW = datetime(2027, 5, 1, 2, 0, tzinfo=UTC)
REGION = DEMO_REGION[0]


@pytest.fixture
def province(sessions):
    """80 projects; each department's first project scored 80 by a survey."""
    with sessions() as session, session.begin():
        seed_province(session, SeedRequest(year=2026, projects=80, units=64, seed=5))
        year = session.scalars(select(FiscalYear)).one()
        firsts: dict[int, int] = {}
        for project in session.scalars(select(Project).order_by(Project.id)):
            firsts.setdefault(project.unit.parent_id, project.id)
        for project_id in firsts.values():
            record_survey(session, project_id, satisfied=80, respondents=100, actor="test")
        return year.id, firsts


def _evaluate(session, department: int, year_id: int, **kinds) -> None:
    """Overall evaluations of a department: kind=(score, grade, status)."""
    frame = frame_named(session, "department", None, None)
    plan = DepartmentPlan(org_id=department, fiscal_year_id=year_id, frame_id=frame.id)
    session.add(plan)
    session.flush()
    for kind, (score, grade, status) in kinds.items():
        session.add(
            DepartmentEvaluation(
                plan_id=plan.id,
                kind=kind,
                total_score=Decimal(score),
                grade=grade,
                status=status,
            )
        )
    session.flush()


def test_the_overall_evaluation_stands_for_the_rank_and_its_grade_is_fixed(sessions, province):
    year_id, firsts = province
    departments = sorted(firsts)
    assert len(departments) >= 4
    good, poor, drafted, plain = departments[:4]
    final, draft = DocumentStatus.FINAL, DocumentStatus.SUBMITTED
    with sessions() as session, session.begin():
        _evaluate(session, good, year_id, self=("92", "A", final))
        # Finance's evaluation counts before the department's own.
        _evaluate(session, poor, year_id, self=("88", "B", final), finance=("55", "D", final))
        # Not final yet: the projects' mean stands, and there is no grade.
        _evaluate(session, drafted, year_id, self=("99", "A", draft))
        closed = close_evaluations(session, year_id, now=NOW, by="test")
        ranks = closed.ranks
        assert ranks[str(good)] | {"evaluations": 0} == {
            "rank": 1,
            "mean": "92.0000",
            "evaluations": 0,
            "basis": "overall_self",
            "grade": "A",
        }
        assert ranks[str(poor)]["basis"] == "overall_finance"
        assert (ranks[str(poor)]["grade"], ranks[str(poor)]["mean"]) == ("D", "55.0000")
        assert ranks[str(drafted)]["basis"] == "projects" and "grade" not in ranks[str(drafted)]
        assert ranks[str(plain)]["mean"] == "80.0000"
        # 80 for the rest (their projects' mean), 92 first, 55 last.
        assert ranks[str(poor)]["rank"] == len(ranks)
        project = session.get(Project, firsts[poor])
        assert department_rank(session, project, now=NOW) == len(ranks)
        assert department_grade(session, project) == "D"
        assert department_grade(session, session.get(Project, firsts[good])) == "A"
        assert department_grade(session, session.get(Project, firsts[drafted])) is None


def test_rules_simulate_applies_department_grades_to_older_decisions(sessions, province):
    """Decisions recorded before department grades were facts: the what-if reads the grade the
    close fixed, so a candidate's department rule applies to them."""
    year_id, firsts = province
    poor = sorted(firsts)[0]
    with sessions() as session, session.begin():
        row, ruleset = rulesets.active(session, REGION, 2026)
        _evaluate(session, poor, year_id, finance=("50", "D", DocumentStatus.FINAL))
        close_evaluations(session, year_id, now=NOW, by="test")
        projects = session.scalars(select(Project).order_by(Project.id)).all()
        for project in projects:
            facts = Facts(project_code=project.code, year=2026, grade="B")
            decision = host().evaluate(ruleset, facts)
            recorded = dict(decision.facts)
            del recorded["department_grade"]  # as a decision before this issue recorded them
            session.add(
                FundingDecision(
                    project_id=project.id,
                    fiscal_year_id=year_id,
                    rule_set_id=row.id,
                    kind=DecisionKind(decision.kind.value),
                    factor=decision.factor,
                    facts=recorded,
                    fired_rules=list(decision.fired),
                )
            )
    # Without the department rule: nothing changes; the default rules cut the D department's.
    without = json.loads(default_ruleset().to_json())
    without["rules"] = [r for r in without["rules"] if r["name"] != "department_grade_d"]
    without["version"] = 9
    with sessions() as session:
        assert whatif.simulate(session, parse_ruleset(without), REGION, 2026).changes == []
        result = whatif.simulate(session, default_ruleset(), REGION, 2026)
        poor_projects = {
            p.code
            for p in session.scalars(
                select(Project)
                .join(Organisation, Organisation.id == Project.unit_id)
                .where(Organisation.parent_id == poor)
            )
        }
        changed = {c.project_code: c for c in result.changes}
        assert set(changed) == poor_projects
        assert all(c.new == "cut ×0.9" and c.old == "maintain ×1" for c in changed.values())
