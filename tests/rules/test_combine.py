"""How rows combine (domain.md): the strongest next-year effect wins, whatever the order of the
rules; reclaiming idle funds is an effect on this year that combines with any of them."""

from __future__ import annotations

import itertools
import json
from decimal import Decimal

import pytest

from rules import DecisionKind, Facts, RuleSetInvalid, parse_ruleset

# Strongest first: cancel > suspend > cut 50 % > cut 10 % > maintain > increase.
EFFECTS = [
    ("cancel", {"kind": "cancel"}),
    ("suspend", {"kind": "suspend"}),
    ("cut_half", {"kind": "cut", "factor": 0.5}),
    ("cut_tenth", {"kind": "cut", "factor": 0.9}),
    ("maintain", {"kind": "maintain"}),
    ("increase", {"kind": "increase", "factor": 1.1}),
]


def rows(names: list[str]) -> dict:
    effects = dict(EFFECTS)
    return {
        "name": "rows",
        "version": 1,
        "rules": [
            {
                "name": name,
                "pri": 10 * (position + 1),
                "when": {"all": [{"fact": "outcome", "grade": "B"}]},
                "then": {"decide": effects[name]},
            }
            for position, name in enumerate(names)
        ],
    }


PAIRS = list(itertools.combinations([name for name, _ in EFFECTS], 2))


@pytest.mark.parametrize(("stronger", "weaker"), PAIRS, ids=[f"{a}>{b}" for a, b in PAIRS])
def test_the_stronger_effect_wins_whichever_rule_comes_first(rules_host, stronger, weaker):
    for order in ([weaker, stronger], [stronger, weaker]):
        body = rows(order)
        body["name"] = f"rows-{'-'.join(order)}".replace("_", "-")
        decision = rules_host.evaluate(parse_ruleset(json.dumps(body)), Facts("p", 2025, "B"))
        assert decision.fired[0] == stronger, order
        assert set(decision.fired) == {stronger, weaker}


def test_a_reclaim_adjust_keeps_next_years_effect(rules_host):
    body = rows(["cut_tenth"])
    body["rules"].append(
        {
            "name": "idle",
            "pri": 100,
            "when": {"all": [{"fact": "outcome", "execution_rate": {"lt": 0.5}}]},
            "then": {"adjust": {"reclaim": True}},
        }
    )
    ruleset = parse_ruleset(json.dumps(body))
    decision = rules_host.evaluate(ruleset, Facts("p", 2025, "B", execution_rate=Decimal("0.3")))
    assert (decision.kind, decision.factor, decision.reclaim) == (
        DecisionKind.CUT,
        Decimal("0.9"),
        True,
    )
    assert '"reclaim":true' in ruleset.to_json()


def test_reclaim_is_not_a_next_year_decision():
    body = rows(["maintain"])
    body["rules"][0]["then"] = {"decide": {"kind": "reclaim"}}
    with pytest.raises(RuleSetInvalid) as caught:
        parse_ruleset(json.dumps(body))
    assert "rules[0].then.decide.kind: 'reclaim' is not a next-year decision" in str(
        caught.value.problems[0]
    )


def test_a_rule_set_stored_before_rows_combined_still_reads(rules_host):
    # Stored rule sets said "reclaim" as an adjust kind; it now reclaims this year's balance.
    body = rows(["maintain"])
    body["rules"].append(
        {
            "name": "idle_funds",
            "pri": 110,
            "when": {"all": [{"fact": "outcome", "execution_rate": {"lt": 0.5}}]},
            "then": {"adjust": {"if": {"kind_in": ["maintain", "increase"]}, "kind": "reclaim"}},
        }
    )
    decision = rules_host.evaluate(
        parse_ruleset(json.dumps(body)), Facts("p", 2025, "B", execution_rate=Decimal("0.2"))
    )
    assert (decision.kind, decision.reclaim) == (DecisionKind.MAINTAIN, True)
