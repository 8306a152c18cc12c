"""Issue 10, item 5: storing compiles first. A rule set of 613 rules is refused by the store and
by `budgetloop rules add` (exit 2, the limit named), nothing is stored, and the year's decisions
still run; a rule set at the limit compiles and is stored."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from engine.errors import InvalidInput
from engine.models import RuleSet
from engine.results import rulesets
from engine.synthetic.province import DEMO_REGION, SeedRequest, seed_province
from rules import Facts
from rules.host import host
from rules.validate import max_rules
from tests.rules.many_rules import many_rules

REGION = DEMO_REGION[0]
FACTS = Facts(project_code="P1", year=2026, grade="D", is_continuing=True)


def _count(sessions) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(RuleSet))


@pytest.fixture
def seeded(sessions):
    with sessions() as session, session.begin():
        seed_province(session, SeedRequest(year=2026, projects=4, seed=4))
        rulesets.active(session, REGION, 2026)


def test_the_store_refuses_613_rules_and_decisions_still_run(sessions, seeded):
    before = _count(sessions)
    with sessions() as session, session.begin(), pytest.raises(InvalidInput) as raised:
        rulesets.store(
            session, json.dumps(many_rules(613)), region_code=REGION, year=2026, actor="test"
        )
    assert "too many rules: 613 (at most 500)" in raised.value.message
    assert _count(sessions) == before
    with sessions() as session:
        _row, active = rulesets.active(session, REGION, 2026)
    assert host().evaluate(active, FACTS).kind.value == "cancel"


def test_rules_add_refuses_613_rules_with_exit_2(budgetloop, sessions, seeded, tmp_path):
    path = tmp_path / "big.json"
    path.write_text(json.dumps(many_rules(613)), encoding="utf-8")
    before = _count(sessions)
    code, out, err = budgetloop("rules", "add", str(path), "--year", "2026")
    assert code == 2, (out, err)
    assert "too many rules: 613 (at most 500)" in err
    assert _count(sessions) == before
    with sessions() as session:
        _row, active = rulesets.active(session, REGION, 2026)
    assert host().evaluate(active, FACTS).kind.value == "cancel"


def test_rules_add_stores_a_rule_set_at_the_limit(budgetloop, sessions, seeded, tmp_path):
    path = tmp_path / "limit.json"
    path.write_text(json.dumps(many_rules(max_rules(), name="at-limit")), encoding="utf-8")
    before = _count(sessions)
    code, out, err = budgetloop("rules", "add", str(path), "--year", "2026")
    assert code == 0, (out, err)
    assert "stored at-limit v1" in out
    assert _count(sessions) == before + 1
