"""The `apply_rules` operation: the active rule-set version decides, and decisions keep it."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import select

from engine.actors import Actor
from engine.evaluation.surveys import record_survey
from engine.models import AccountabilityAction, FundingDecision, Organisation, Project, RuleSet
from engine.models.enums import AccountabilityKind
from engine.results import rulesets, whatif
from engine.results.operations import apply_rules
from engine.synthetic.province import DEMO_REGION, SeedRequest, seed_province
from engine.workflow.operations import ServiceCall
from rules import default_ruleset, parse_ruleset

NOW = datetime(2027, 7, 1, 9, 0, tzinfo=UTC)


def _apply(session, project: Project, grade: str, executed=None) -> FundingDecision:
    """Run the real operation as the budget_adjustment process's service task calls it."""
    data = {"project_id": project.id, "grade": grade}
    if executed is not None:
        data["executed"] = str(executed)
    call = ServiceCall(
        session=session,
        engine=None,
        instance=None,
        data=data,
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


def _actions(session, decision: FundingDecision) -> list[AccountabilityKind]:
    return list(
        session.scalars(
            select(AccountabilityAction.kind)
            .where(AccountabilityAction.decision_id == decision.id)
            .order_by(AccountabilityAction.id)
        )
    )


def _department(session, project_id: int) -> int:
    return session.get(Organisation, session.get(Project, project_id).unit_id).parent_id


def test_grade_a_in_a_top_ten_department_is_commended_with_the_rank_recorded(sessions, projects):
    with sessions() as session, session.begin():
        project = session.get(Project, projects[0])
        record_survey(session, project.id, satisfied=95, respondents=100, actor="test")
        decision = _apply(session, project, "A")
        assert decision.facts["department_rank"] == 1
        assert decision.fired_rules == ["grade_a", "grade_a_top_department"]
        actions = session.scalars(
            select(AccountabilityAction).where(AccountabilityAction.decision_id == decision.id)
        ).all()
        assert [a.kind for a in actions] == [AccountabilityKind.COMMENDATION]
        assert actions[0].organisation_id == project.unit_id
        assert session.get(Organisation, project.unit_id).parent_id is not None


@pytest.fixture
def departments(sessions):
    with sessions() as session, session.begin():
        seed_province(session, SeedRequest(year=2026, projects=80, units=64, seed=5))
        return list(session.scalars(select(Project.id).order_by(Project.id)))


def test_every_decision_of_the_year_sees_the_ranks_fixed_at_the_first(sessions, departments):
    projects = departments
    with sessions() as session, session.begin():
        by_department: dict[int, int] = {}
        for project_id in projects:
            by_department.setdefault(_department(session, project_id), project_id)
        leader, runner_up = list(by_department.values())[:2]
        record_survey(session, leader, satisfied=95, respondents=100, actor="test")
        record_survey(session, runner_up, satisfied=90, respondents=100, actor="test")
        first = _apply(session, session.get(Project, runner_up), "A")
        assert first.facts["department_rank"] == 2
        # Evaluations scored after the year closed would put the runner-up first; a
        # decision re-ranking the departments would see rank 1 now.
        for _ in range(3):
            record_survey(session, runner_up, satisfied=100, respondents=100, actor="test")
        later = _apply(session, session.get(Project, runner_up), "A")
        assert later.facts["department_rank"] == 2
        assert _apply(session, session.get(Project, leader), "A").facts["department_rank"] == 1


def test_a_grade_c_project_with_idle_funds_is_cut_and_its_balance_reclaimed(sessions, projects):
    with sessions() as session, session.begin():
        project = session.get(Project, projects[0])
        budget = project.approved_amount or project.requested_amount
        decision = _apply(session, project, "C", executed=budget * Decimal("0.3"))
        assert (decision.kind.value, decision.factor) == ("cut", Decimal("0.9"))
        assert decision.reclaim_amount == (budget * Decimal("0.7")).quantize(Decimal("0.01"))
        assert decision.fired_rules == ["grade_c", "idle_funds"]
        assert _actions(session, decision) == [AccountabilityKind.RECTIFICATION]
        # At 80 % execution nothing is reclaimed.
        busy = _apply(session, project, "C", executed=budget * Decimal("0.8"))
        assert busy.reclaim_amount is None


def test_a_livelihood_item_is_never_reduced_but_still_held_to_account(sessions, projects):
    with sessions() as session, session.begin():
        project = session.get(Project, projects[0])
        project.is_livelihood_exempt, project.is_continuing = True, True
        budget = project.approved_amount or project.requested_amount
        decision = _apply(session, project, "D", executed=budget * Decimal("0.3"))
        assert (decision.kind.value, decision.factor) == ("maintain", Decimal(1))
        assert decision.needs_review is True
        assert decision.fired_rules == ["grade_d_continuing", "livelihood_exemption", "idle_funds"]
        assert decision.reclaim_amount == (budget * Decimal("0.7")).quantize(Decimal("0.01"))
        assert _actions(session, decision) == [
            AccountabilityKind.RECTIFICATION,
            AccountabilityKind.INTERVIEW,
        ]


def test_what_if_sees_the_reclaim_as_part_of_the_decision(sessions, projects):
    with sessions() as session, session.begin():
        project = session.get(Project, projects[0])
        budget = project.approved_amount or project.requested_amount
        _apply(session, project, "C", executed=budget * Decimal("0.3"))
        same = whatif.simulate(session, default_ruleset(), DEMO_REGION[0], 2026)
        assert (same.decisions, same.changes) == (1, [])
        body = json.loads(default_ruleset().to_json())
        body["rules"] = [r for r in body["rules"] if r["name"] != "idle_funds"]
        without = whatif.simulate(session, parse_ruleset(body), DEMO_REGION[0], 2026)
        [change] = without.changes
        assert (change.old, change.new) == ("cut ×0.9", "cut ×0.9")
        assert (change.old_reclaim, change.new_reclaim, change.delta) == (True, False, 0)
