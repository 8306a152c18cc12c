"""Rule-set versions per region and year, and the what-if that writes nothing."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from engine.errors import InvalidInput
from engine.models import FiscalYear, FundingDecision, Project, RuleSet
from engine.models.enums import DecisionKind
from engine.results import rulesets, whatif
from engine.synthetic.province import DEMO_REGION, SeedRequest, seed_province
from rules import Facts, default_ruleset
from rules.host import host
from tests.support.snapshot import snapshot

REGION = DEMO_REGION[0]
GRADES = ["A", "B", "C", "D", "C", "B", "A", "C"]


def _candidate(factor_for_c: float) -> dict:
    body = json.loads(default_ruleset().to_json())
    for rule in body["rules"]:
        if rule["name"] == "grade_c":
            rule["then"]["decide"]["factor"] = factor_for_c
    return body


@pytest.fixture
def decided(sessions):
    """A year whose projects were decided by the active (default) rule set."""
    with sessions() as session, session.begin():
        seed_province(session, SeedRequest(year=2026, projects=len(GRADES), seed=4))
        year = session.scalars(select(FiscalYear)).one()
        row, ruleset = rulesets.active(session, REGION, 2026)
        projects = session.scalars(select(Project).order_by(Project.id)).all()
        for project, grade in zip(projects, GRADES, strict=True):
            decision = host().evaluate(
                ruleset,
                Facts(
                    project_code=project.code,
                    year=2026,
                    grade=grade,
                    is_continuing=project.is_continuing,
                ),
            )
            session.add(
                FundingDecision(
                    project_id=project.id,
                    fiscal_year_id=year.id,
                    rule_set_id=row.id,
                    kind=DecisionKind(decision.kind.value),
                    factor=decision.factor,
                    facts=decision.facts,
                    fired_rules=list(decision.fired),
                )
            )
    return row.id


def test_the_default_becomes_version_one_and_new_versions_follow(sessions, decided):
    with sessions() as session, session.begin():
        second = rulesets.store(
            session, _candidate(0.8), region_code=REGION, year=2026, actor="test"
        )
        assert second.version == 2
        row, ruleset = rulesets.active(session, REGION, 2026)
        assert row.id == second.id and ruleset.ref.endswith("@2")
    with sessions() as session:
        # Decisions already taken keep the version that took them.
        versions = set(session.scalars(select(FundingDecision.rule_set_id)))
        assert versions == {decided}


@pytest.mark.parametrize(
    ("source", "path"),
    [
        ("{not json", ""),
        (
            {
                "format": 1,
                "name": "x",
                "version": 1,
                "rules": [
                    {
                        "name": "r",
                        "pri": -1,
                        "when": {"all": [{"fact": "outcome", "grade": "A"}]},
                        "then": {"decide": {"kind": "maintain", "factor": 1}},
                    }
                ],
            },
            "rules[0].pri",
        ),
        (
            {
                "format": 1,
                "name": "x",
                "version": 1,
                "rules": [
                    {
                        "name": "r",
                        "pri": 1,
                        "when": {"all": [{"fact": "outcome", "colour": "A"}]},
                        "then": {"decide": {"kind": "maintain", "factor": 1}},
                    }
                ],
            },
            "colour",
        ),
        (
            {
                "format": 1,
                "name": "x",
                "version": 1,
                "rules": [
                    {
                        "name": "r",
                        "pri": 1,
                        "when": {"all": [{"fact": "outcome", "grade": "A"}]},
                        "then": {
                            "decide": {"kind": "maintain", "factor": 1, "actions": ["lottery"]}
                        },
                    }
                ],
            },
            "actions",
        ),
    ],
)
def test_a_bad_rule_set_is_refused_and_nothing_is_stored(sessions, engine, decided, source, path):
    before = snapshot(engine)
    with sessions() as session, session.begin(), pytest.raises(InvalidInput) as caught:
        rulesets.store(session, source, region_code=REGION, year=2026, actor="test")
    assert snapshot(engine) == before
    assert any(path in problem["path"] for problem in caught.value.errors["problems"])


def test_what_if_reports_changes_and_writes_nothing(sessions, engine, decided):
    before = snapshot(engine)
    candidate = rulesets.parse_ruleset(_candidate(0.8))
    with sessions() as session:
        result = whatif.simulate(session, candidate, REGION, 2026)
    assert snapshot(engine) == before
    assert result.decisions == len(GRADES)
    grade_c = [c for c in result.changes]
    assert len(grade_c) == GRADES.count("C")
    assert all(change.delta < 0 for change in result.changes)
    assert result.total_delta == sum(c.delta for c in result.changes)
    with sessions() as session:
        same = whatif.simulate(session, default_ruleset(), REGION, 2026)
        assert same.changes == [] and session.scalar(select(func.count(RuleSet.id))) == 1
