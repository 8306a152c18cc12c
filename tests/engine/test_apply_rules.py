"""The `apply_rules` operation: the active rule-set version decides, and decisions keep it."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import select

from engine import rulesets
from engine.actors import Actor
from engine.cycle.results_ops import apply_rules
from engine.models import AccountabilityAction, FundingDecision, Organisation, Project, RuleSet
from engine.models.enums import AccountabilityKind
from engine.surveys import record_survey
from engine.synthetic.province import DEMO_REGION, SeedRequest, seed_province
from engine.workflow.operations import ServiceCall
from rules import default_ruleset

NOW = datetime(2027, 7, 1, 9, 0, tzinfo=UTC)


def _apply(session, project: Project, grade: str) -> FundingDecision:
    """Run the real operation as the budget_adjustment process's service task calls it."""
    call = ServiceCall(
        session=session,
        engine=None,
        instance=None,
        data={"project_id": project.id, "grade": grade},
        params={},
        actor=Actor.system("test"),
        now=NOW,
        element_id="apply_rules",
    )
    return session.get(FundingDecision, apply_rules(call)["decision_id"])


def _version(session, decision: FundingDecision) -> int:
    return session.get(RuleSet, decision.rule_set_id).version


@pytest.fixture
def projects(sessions):
    with sessions() as session, session.begin():
        seed_province(session, SeedRequest(year=2026, projects=6, seed=8))
        return list(session.scalars(select(Project.id).order_by(Project.id)))


def test_decisions_take_the_active_version_and_keep_it(sessions, projects):
    first, second = projects[:2]
    with sessions() as session, session.begin():
        old = _apply(session, session.get(Project, first), "C")
        assert old.factor == Decimal("0.9") and _version(session, old) == 1
        old_id, old_rule_set = old.id, old.rule_set_id
        body = json.loads(default_ruleset().to_json())
        next(r for r in body["rules"] if r["name"] == "grade_c")["then"]["decide"]["factor"] = 0.8
        rulesets.store(session, body, region_code=DEMO_REGION[0], year=2026, actor="test")
    with sessions() as session, session.begin():
        new = _apply(session, session.get(Project, second), "C")
        assert _version(session, new) == 2 and new.factor == Decimal("0.8")
        assert new.rule_set_id != old_rule_set
    with sessions() as session:
        kept = session.get(FundingDecision, old_id)
        assert (kept.rule_set_id, kept.factor) == (old_rule_set, Decimal("0.9"))


def test_grade_a_in_a_top_ten_department_is_commended_with_the_rank_recorded(sessions, projects):
    with sessions() as session, session.begin():
        project = session.get(Project, projects[0])
        unranked = _apply(session, project, "A")
        assert unranked.fired_rules == ["grade_a"] and unranked.facts["department_rank"] is None
        record_survey(session, project.id, satisfied=95, respondents=100, actor="test")
        decision = _apply(session, project, "A")
        assert decision.facts["department_rank"] == 1
        assert decision.fired_rules == ["grade_a_top_department"]
        actions = session.scalars(
            select(AccountabilityAction).where(AccountabilityAction.decision_id == decision.id)
        ).all()
        assert [a.kind for a in actions] == [AccountabilityKind.COMMENDATION]
        assert actions[0].organisation_id == project.unit_id
        assert session.get(Organisation, project.unit_id).parent_id is not None
