"""Rule-set JSON: validation names every problem by its path; the canonical form round-trips."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from rules import RuleSetInvalid, parse_ruleset


def ruleset(*rules: dict, **top: object) -> dict:
    return {"name": "test", "version": 1, "rules": list(rules), **top}


def rule(name: str = "grade_b", pri: object = 10, **parts: object) -> dict:
    body = {
        "name": name,
        "pri": pri,
        "when": {"all": [{"fact": "outcome", "grade": "B"}]},
        "then": {"decide": {"kind": "maintain"}},
    }
    return {**body, **parts}


def problems(source: object) -> list[str]:
    text = source if isinstance(source, str) else json.dumps(source)
    with pytest.raises(RuleSetInvalid) as caught:
        parse_ruleset(text)
    return [str(problem) for problem in caught.value.problems]


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ('{"name": "x", "version": 1, "rules": [}', "$: invalid JSON: Expecting value"),
        ('{"name": "x", "name": "y"}', "$: invalid JSON: duplicate key 'name'"),
        ('{"name": "x", "version": NaN}', "$: invalid JSON: NaN is not a number"),
        (
            ruleset(
                rule(
                    when={
                        "all": [
                            {"fact": "outcome", "grade": "B"},
                            {"fact": "previous", "colour": "red"},
                        ]
                    }
                )
            ),
            "rules[0].when.all[1].colour: unknown field of fact 'previous' (known: project,",
        ),
        (
            ruleset(
                rule(),
                rule(
                    "b",
                    then={
                        "decide": {
                            "kind": "cut",
                            "factor": 0.9,
                            "actions": ["rectification", "praise"],
                        }
                    },
                ),
            ),
            "rules[1].then.decide.actions[1]: unknown action string 'praise'",
        ),
        (ruleset(rule(pri=-1)), "rules[0].pri: must be between 0 and 1000000, got -1"),
        (ruleset(rule(pri="1")), "rules[0].pri: expected an integer, got string '1'"),
        (ruleset(rule(pri=True)), "rules[0].pri: expected an integer, got boolean True"),
        (
            ruleset(rule(when={"all": [{"fact": "outcome", "continuing": "yes"}]})),
            "rules[0].when.all[0].continuing: expected a boolean, got string 'yes'",
        ),
        (
            ruleset(rule(when={"all": [{"fact": "outcome", "execution_rate": {"lt": "0.5"}}]})),
            "rules[0].when.all[0].execution_rate.lt: expected a number, got string '0.5'",
        ),
        (
            ruleset(rule(when={"all": [{"fact": "outcome", "grade": "E"}]})),
            "rules[0].when.all[0].grade: expected a grade (A, B, C, D), got string 'E'",
        ),
        (
            ruleset(rule(when={"all": [{"fact": "outcome", "grade": {"lt": "B"}}]})),
            "rules[0].when.all[0].grade.lt: operator 'lt' needs a number field, grade is grade",
        ),
        (
            ruleset(rule(when={"all": [{"fact": "outcome", "grade": None}]})),
            "rules[0].when.all[0].grade: null is not a value",
        ),
        (
            ruleset(rule(when={"all": [{"fact": "budget", "grade": "B"}]})),
            "rules[0].when.all[0].fact: unknown fact string 'budget'",
        ),
        (ruleset(rule(), rule()), "rules[1].name: duplicate rule name 'grade_b'"),
        (ruleset(rule(priority=3)), "rules[0].priority: unknown key"),
        (
            ruleset(rule(then={"decide": {"kind": "cut"}})),
            "rules[0].then.decide.factor: is required for a cut",
        ),
        (
            ruleset(rule(then={"decide": {"kind": "cut", "factor": 1.2}})),
            "rules[0].then.decide.factor: a cut needs between 0 and 1 (exclusive)",
        ),
        (
            ruleset(rule(then={"decide": {"kind": "close"}})),
            "rules[0].then.decide.kind: unknown decision kind",
        ),
        (ruleset(rule(then={"adjust": {}})), "rules[0].then.adjust: changes nothing"),
        (
            ruleset(rule(then={"decide": {"kind": "maintain"}, "adjust": {"kind": "cut"}})),
            "rules[0].then: expected exactly one",
        ),
        (
            ruleset(rule(when={"all": [{"fact": "outcome"}, {"fact": "outcome", "grade": "D"}]})),
            "rules[0].when.all[1].fact: fact 'outcome' appears twice",
        ),
        (
            ruleset(
                rule(
                    when={
                        "all": [{"fact": "outcome", "execution_rate": {"lt": 0.1234567890123456}}]
                    }
                )
            ),
            "rules[0].when.all[0].execution_rate.lt: more than 15 significant digits",
        ),
        (
            ruleset(rule(when={"all": [{"fact": "outcome", "execution_rate": {"gt": 1e-12}}]})),
            "rules[0].when.all[0].execution_rate.gt: must be 0 or between 1E-9 and 1E+9 in size",
        ),
        (ruleset(), "rules: expected a non-empty array of rules"),
        ({"version": 0, "rules": [rule()]}, "name: is required"),
        (ruleset(rule(), version=0), "version: must be between 1 and 1000000000, got 0"),
        (ruleset(rule(), format=2), "format: unsupported format number 2"),
        ([rule()], "$: expected an object, got array"),
    ],
)
def test_a_bad_rule_set_is_rejected_naming_the_path(source, expected):
    assert any(problem.startswith(expected) for problem in problems(source)), problems(source)


def test_every_problem_is_reported_at_once():
    found = problems(
        ruleset(
            rule(pri=-1),
            rule("b", when={"all": [{"fact": "rectification", "grade": "D"}]}),
            rule("c", then={"decide": {"kind": "maintain", "actions": ["praise"]}}),
        )
    )
    assert [problem.split(":")[0] for problem in found] == [
        "rules[0].pri",
        "rules[1].when.all[0].grade",
        "rules[2].then.decide.actions[0]",
    ]


def test_the_message_of_the_error_lists_the_problems():
    with pytest.raises(RuleSetInvalid, match=r"rules\[0\]\.pri: must be between"):
        parse_ruleset(json.dumps(ruleset(rule(pri=-5))))


def test_canonical_json_round_trips_and_ignores_spelling(default):
    again = parse_ruleset(default.to_json())
    assert again == default and again.sha256 == default.sha256
    assert parse_ruleset(json.loads(default.to_json())) == default  # a decoded JSON column

    spelled = ruleset(
        rule(when={"all": [{"grade": "B", "fact": "outcome", "execution_rate": {"lt": 0.50}}]})
    )
    reordered = ruleset(
        rule(when={"all": [{"fact": "outcome", "execution_rate": {"lt": 5e-1}, "grade": "B"}]})
    )
    first, second = parse_ruleset(json.dumps(spelled)), parse_ruleset(json.dumps(reordered))
    assert first.sha256 == second.sha256
    assert '"lt":0.5' in first.to_json()


def test_a_factor_keeps_its_exact_decimal_value():
    parsed = parse_ruleset(
        json.dumps(ruleset(rule(then={"decide": {"kind": "cut", "factor": 0.9}})))
    )
    assert parsed.rules[0].then.factor == Decimal("0.9")


def test_the_reference_carries_version_and_scope():
    assert parse_ruleset(json.dumps(ruleset(rule()))).ref == "test@1"
    scoped = parse_ruleset(json.dumps(ruleset(rule(), region="360000", year=2026, version=3)))
    assert scoped.ref == "test/360000/2026@3"
