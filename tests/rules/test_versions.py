"""Rule-set versions live side by side; a reference is registered once, with one content."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from rules import (
    DecisionKind,
    Facts,
    RuleSetConflict,
    RuleSetUnknown,
    parse_ruleset,
)


def version_of(default, version: int, grade_c_factor: float, **top: object):
    body = json.loads(default.to_json())
    body.update(version=version, **top)
    for rule in body["rules"]:
        if rule["name"] == "grade_c":
            rule["then"]["decide"]["factor"] = grade_c_factor
    return parse_ruleset(json.dumps(body))


C_PROJECT = Facts("2025-0002", 2025, "C")


def test_two_versions_registered_side_by_side_give_their_own_answers(rules_host, default):
    second = version_of(default, 2, 0.8)
    rules_host.register(default)
    rules_host.register(second)
    for _ in range(3):  # interleaved, and again, to show neither version leaks into the other
        first_decision = rules_host.evaluate("result-application@1", C_PROJECT)
        second_decision = rules_host.evaluate("result-application@2", C_PROJECT)
        assert (first_decision.factor, first_decision.ruleset) == (
            Decimal("0.9"),
            "result-application@1",
        )
        assert (second_decision.factor, second_decision.ruleset) == (
            Decimal("0.8"),
            "result-application@2",
        )
    assert rules_host.registered() == ("result-application@1", "result-application@2")


def test_a_region_and_year_scope_its_own_version(rules_host, default):
    scoped = version_of(default, 1, 0.7, region="360000", year=2026)
    assert rules_host.evaluate(scoped, C_PROJECT).ruleset == "result-application/360000/2026@1"
    assert rules_host.evaluate(default, C_PROJECT).factor == Decimal("0.9")
    assert rules_host.evaluate(scoped, C_PROJECT).factor == Decimal("0.7")


def test_registering_the_same_version_again_is_a_no_op(rules_host, default):
    rules_host.register(default)
    rules_host.register(parse_ruleset(default.to_json()))
    assert rules_host.registered() == ("result-application@1",)


def test_registering_other_rules_under_a_known_reference_is_refused(rules_host, default):
    rules_host.register(default)
    with pytest.raises(RuleSetConflict, match="result-application@1"):
        rules_host.register(version_of(default, 1, 0.8))
    assert rules_host.evaluate("result-application@1", C_PROJECT).factor == Decimal("0.9")


def test_an_unknown_reference_is_an_error(rules_host):
    with pytest.raises(RuleSetUnknown, match="nothing@1"):
        rules_host.evaluate("nothing@1", C_PROJECT)


def test_many_versions_share_a_bounded_engine(default):
    from rules import RulesHost

    small = RulesHost(capacity=2)
    versions = [version_of(default, n, round(0.9 - n / 100, 2)) for n in range(1, 7)]
    for _ in range(3):
        for number, version in enumerate(versions, start=1):
            decision = small.evaluate(version, C_PROJECT)
            assert decision.factor == Decimal("0.9") - Decimal(number) / 100
            assert decision.kind is DecisionKind.CUT
    assert len(small._engine.handles) == 2
