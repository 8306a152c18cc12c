"""The default rule set decides exactly as engine/results/default_policy.py's plain-Python `decide`.

The mapping between the two decision types lives here, in the test, and nowhere else:
the rules layer never imports the engine.
"""

from __future__ import annotations

import random
from decimal import Decimal

from engine.results import default_policy as results
from rules import Facts, RuleDecision

# The default rule set splits two of decide()'s rules by whether the project is continuing.
SAME_RULE = {
    "poor_two_years_continuing": "poor_two_years",
    "rectification_overdue_continuing": "rectification_overdue",
}
RATES = [None, Decimal("0.5"), Decimal("0.49999999999999999999"), Decimal("0.50000000000000001")]


def random_facts(rng: random.Random) -> results.Facts:
    rate = rng.choice(RATES) if rng.random() < 0.2 else Decimal(rng.randint(0, 12_000)) / 10_000
    return results.Facts(
        grade=rng.choice([None, "A", "B", "C", "D", "D", "E"]),
        previous_grade=rng.choice([None, "A", "B", "C", "D", "D"]),
        is_continuing=rng.random() < 0.5,
        is_livelihood_exempt=rng.random() < 0.3,
        execution_rate=None if rng.random() < 0.15 else rate,
        rectification_overdue=rng.random() < 0.15,
        red_alert_unanswered=rng.random() < 0.15,
        department_rank=rng.choice([None, 1, 9, 10, 11, 90]),
        department_grade=rng.choice([None, None, "A", "B", "C", "D"]),
    )


def as_rules_facts(facts: results.Facts, number: int) -> Facts:
    return Facts(project_code=f"2025-{number:07d}", year=2025, **facts.__dict__)


def as_plain(decision: RuleDecision) -> tuple:
    return (
        decision.kind.value,
        decision.factor,
        tuple(action.value for action in decision.actions),
        tuple(SAME_RULE.get(name, name) for name in decision.fired),
        decision.needs_review,
        decision.reclaim,
    )


def plain(decision: results.Decision) -> tuple:
    actions = tuple(action.value for action in decision.actions)
    return (
        decision.kind.value,
        decision.factor,
        actions,
        decision.fired,
        decision.needs_review,
        decision.reclaim,
    )


def test_random_facts_get_the_decision_of_the_plain_function(rules_host, default):
    rng = random.Random(20260101)
    cases = [random_facts(rng) for _ in range(4_000)]
    decisions = rules_host.evaluate_many(
        default, [as_rules_facts(case, number) for number, case in enumerate(cases)]
    )
    mismatches = [
        (case, as_plain(decision), plain(results.decide(case)))
        for case, decision in zip(cases, decisions, strict=True)
        if as_plain(decision) != plain(results.decide(case))
    ]
    assert mismatches == []
    assert len({as_plain(decision)[3] for decision in decisions}) >= 20  # many paths covered
