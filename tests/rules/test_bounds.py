"""Bounded rule sets: too many rules, values or bytes are refused before durable_rules sees them
(513 rules spin durable_rules' create_ruleset for good), a set at the limit compiles, and a
check compiles without registering anything."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from rules import Facts, RuleSetInvalid, default_ruleset, parse_ruleset
from rules.validate import ENGINE_RULES, MAX_OPTIONS, max_bytes, max_rules
from tests.rules.many_rules import many_rules


def test_613_rules_are_refused_with_the_limit():
    with pytest.raises(RuleSetInvalid) as raised:
        parse_ruleset(json.dumps(many_rules(613)))
    [problem] = raised.value.problems
    assert problem.path == "rules"
    assert problem.message == f"too many rules: 613 (at most {max_rules()})"
    assert max_rules() == 500


def test_a_rule_set_at_the_limit_compiles_and_decides(rules_host):
    ruleset = parse_ruleset(json.dumps(many_rules(max_rules())))
    rules_host.check(ruleset)
    assert rules_host.registered() == ()  # a check keeps nothing
    decision = rules_host.evaluate(
        ruleset, Facts(project_code="P1", year=2026, grade="B", execution_rate=Decimal("0.5"))
    )
    assert decision.kind.value == "maintain" and len(decision.fired) == 250


def test_a_check_leaves_the_host_serving_what_it_had(rules_host):
    default = default_ruleset()
    facts = Facts(project_code="P1", year=2026, grade="C", is_continuing=True)
    before = rules_host.evaluate(default, facts)
    rules_host.check(parse_ruleset(json.dumps(many_rules(max_rules()))))
    assert rules_host.evaluate(default, facts) == before
    assert rules_host.registered() == (default.ref,)


def test_the_limit_is_configurable_but_never_past_the_engine(monkeypatch):
    monkeypatch.setenv("BUDGETLOOP_RULESET_MAX_RULES", "20")
    with pytest.raises(RuleSetInvalid, match=r"too many rules: 21 \(at most 20\)"):
        parse_ruleset(json.dumps(many_rules(21)))
    assert parse_ruleset(json.dumps(many_rules(20)))
    monkeypatch.setenv("BUDGETLOOP_RULESET_MAX_RULES", "100000")
    assert max_rules() == ENGINE_RULES
    monkeypatch.setenv("BUDGETLOOP_RULESET_MAX_RULES", "many")
    assert max_rules() == 500


def test_too_many_values_in_one_test_are_refused():
    body = many_rules(1)
    body["rules"][0]["when"]["all"][0] = {
        "fact": "outcome",
        "project": {"in": [f"P{index}" for index in range(MAX_OPTIONS + 1)]},
    }
    with pytest.raises(RuleSetInvalid) as raised:
        parse_ruleset(json.dumps(body))
    [problem] = raised.value.problems
    assert problem.path == "rules[0].when.all[0].project.in"
    assert problem.message == f"too many values: {MAX_OPTIONS + 1} (at most {MAX_OPTIONS})"


def test_a_text_longer_than_the_limit_is_refused_unread(monkeypatch):
    monkeypatch.setenv("BUDGETLOOP_RULESET_MAX_BYTES", "1000")
    text = json.dumps(many_rules(10))
    assert max_bytes() == 1000 < len(text)
    with pytest.raises(RuleSetInvalid, match=rf"is {len(text)} bytes long \(at most 1000\)"):
        parse_ruleset(text)
