"""Rules that join two facts: an overdue rectification together with an unanswered red alert."""

from __future__ import annotations

import json

import pytest

from rules import Action, DecisionKind, Facts, parse_ruleset
from rules.compile import compile_ruleset

RULES = {
    "name": "joins",
    "version": 1,
    "rules": [
        {
            "name": "overdue_and_red_alert",
            "pri": 5,
            "when": {
                "all": [
                    {"fact": "rectification", "overdue": True},
                    {"fact": "alert", "colour": "red", "answered": False},
                ]
            },
            "then": {"decide": {"kind": "cancel", "actions": ["interview", "circular"]}},
        },
        {
            "name": "red_alert",
            "pri": 10,
            "when": {"all": [{"fact": "alert", "colour": "red"}]},
            "then": {"decide": {"kind": "suspend", "actions": ["reminder"]}},
        },
        {
            "name": "graded",
            "pri": 20,
            "when": {"all": [{"fact": "outcome", "grade": {"in": ["A", "B", "C", "D"]}}]},
            "then": {"decide": {"kind": "maintain"}},
        },
        {
            "name": "circulate_overdue",
            "pri": 30,
            "when": {"all": [{"fact": "rectification", "overdue": True}]},
            "then": {"adjust": {"actions": ["circular"], "review": True}},
        },
    ],
}


@pytest.fixture(scope="module")
def joins():
    return parse_ruleset(json.dumps(RULES))


def project(**facts: object) -> Facts:
    return Facts("2025-0712382", 2025, "B", **facts)


@pytest.mark.parametrize(
    ("given", "kind", "fired", "actions"),
    [
        (
            project(rectification_overdue=True, red_alert_unanswered=True),
            DecisionKind.CANCEL,
            ("overdue_and_red_alert", "red_alert", "graded", "circulate_overdue"),
            (Action.INTERVIEW, Action.CIRCULAR, Action.REMINDER),
        ),
        (
            project(red_alert_unanswered=True),
            DecisionKind.SUSPEND,
            ("red_alert", "graded"),
            (Action.REMINDER,),
        ),
        (
            project(rectification_overdue=True),
            DecisionKind.MAINTAIN,
            ("graded", "circulate_overdue"),
            (Action.CIRCULAR,),
        ),
        (project(), DecisionKind.MAINTAIN, ("graded",), ()),
    ],
)
def test_the_join_needs_both_facts(rules_host, joins, given, kind, fired, actions):
    decision = rules_host.evaluate(joins, given)
    assert (decision.kind, decision.fired, decision.actions) == (kind, fired, actions)


def test_joined_facts_are_asserted_as_facts_and_single_ones_posted_as_events(joins):
    plan = compile_ruleset(joins)
    assert plan.as_facts == ("rectification", "alert")
    assert plan.lanes == {"outcome": ("r2",)}
