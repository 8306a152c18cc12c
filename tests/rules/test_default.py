"""The default rule set: each row of domain.md's result table, the joins and the exemption."""

from __future__ import annotations

from decimal import Decimal

import pytest

from rules import Action, DecisionKind, Facts
from rules.compile import compile_ruleset

A = Action
CUT, CANCEL, SUSPEND = DecisionKind.CUT, DecisionKind.CANCEL, DecisionKind.SUSPEND
MAINTAIN, INCREASE, RECLAIM = DecisionKind.MAINTAIN, DecisionKind.INCREASE, DecisionKind.RECLAIM
REVIEW = DecisionKind.REVIEW


def facts(grade: str | None, **more: object) -> Facts:
    return Facts(project_code="2025-0001", year=2025, grade=grade, **more)


# (facts, kind, factor, actions, fired, needs_review): one row of the table per case.
TABLE = [
    (facts("A"), INCREASE, "1", (), ("grade_a",), False),
    # Public commendation when the department is among the top 10 (rank 10 is; 11 is not).
    (
        facts("A", department_rank=10),
        INCREASE,
        "1",
        (A.COMMENDATION,),
        ("grade_a_top_department",),
        False,
    ),
    (facts("A", department_rank=11), INCREASE, "1", (), ("grade_a",), False),
    (facts("B", department_rank=1), MAINTAIN, "1", (), ("grade_b",), False),
    (facts("B"), MAINTAIN, "1", (), ("grade_b",), False),
    (facts("C"), CUT, "0.9", (A.RECTIFICATION,), ("grade_c",), False),
    (facts("D"), CUT, "0.5", (A.RECTIFICATION, A.INTERVIEW), ("grade_d",), False),
    (
        facts("D", is_continuing=True),
        CANCEL,
        "0",
        (A.RECTIFICATION, A.INTERVIEW),
        ("grade_d_continuing",),
        False,
    ),
    (
        facts("D", previous_grade="D", is_continuing=True),
        CANCEL,
        "0",
        (A.INTERVIEW, A.CIRCULAR),
        ("poor_two_years_continuing",),
        False,
    ),
    (
        facts("D", previous_grade="D"),
        SUSPEND,
        "0",
        (A.INTERVIEW, A.CIRCULAR),
        ("poor_two_years",),
        False,
    ),
    (
        facts("B", rectification_overdue=True, is_continuing=True),
        CANCEL,
        "0",
        (A.INTERVIEW, A.CIRCULAR),
        ("rectification_overdue_continuing",),
        False,
    ),
    (
        facts("A", rectification_overdue=True),
        SUSPEND,
        "0",
        (A.INTERVIEW, A.CIRCULAR),
        ("rectification_overdue",),
        False,
    ),
    (
        facts("B", red_alert_unanswered=True),
        SUSPEND,
        "0",
        (A.REMINDER, A.INTERVIEW),
        ("red_alert_unanswered",),
        True,
    ),
    (
        facts("B", execution_rate=Decimal("0.42")),
        RECLAIM,
        "1",
        (),
        ("grade_b", "idle_funds"),
        False,
    ),
    (
        facts("A", execution_rate=Decimal("0.1")),
        RECLAIM,
        "1",
        (),
        ("grade_a", "idle_funds"),
        False,
    ),
]


@pytest.mark.parametrize(("given", "kind", "factor", "actions", "fired", "review"), TABLE)
def test_each_row_of_the_result_table(
    rules_host, default, given, kind, factor, actions, fired, review
):
    decision = rules_host.evaluate(default, given)
    assert decision.kind is kind
    assert decision.factor == Decimal(factor)
    assert decision.actions == actions
    assert decision.fired == fired
    assert decision.needs_review is review


def test_every_decision_records_rule_set_facts_and_fired(rules_host, default):
    given = facts("C", execution_rate=Decimal("0.8125"))
    decision = rules_host.evaluate(default, given)
    assert decision.ruleset == "result-application@1"
    assert decision.facts == {**given.__dict__, "execution_rate": "0.8125"}
    assert decision.fired == ("grade_c",)


def test_idle_funds_do_not_turn_a_cut_into_a_reclaim(rules_host, default):
    decision = rules_host.evaluate(default, facts("C", execution_rate=Decimal("0.2")))
    assert (decision.kind, decision.factor, decision.fired) == (CUT, Decimal("0.9"), ("grade_c",))


def test_execution_at_exactly_half_is_not_idle(rules_host, default):
    assert rules_host.evaluate(default, facts("B", execution_rate=Decimal("0.5"))).kind is MAINTAIN
    nearly = Decimal("0.49999999999999999999")  # rounds to 0.5 as a double
    assert rules_host.evaluate(default, facts("B", execution_rate=nearly)).kind is RECLAIM


@pytest.mark.parametrize(
    ("given", "fired", "actions", "review"),
    [
        (facts("C"), ("grade_c", "livelihood_exemption"), (A.RECTIFICATION,), False),
        (
            facts("D", previous_grade="D", is_continuing=True),
            ("poor_two_years_continuing", "livelihood_exemption"),
            (A.INTERVIEW, A.CIRCULAR),
            False,
        ),
        (
            facts("A", red_alert_unanswered=True),
            ("red_alert_unanswered", "livelihood_exemption"),
            (A.REMINDER, A.INTERVIEW),
            True,
        ),
    ],
)
def test_livelihood_items_are_exempt_from_cuts(rules_host, default, given, fired, actions, review):
    exempt = Facts(**{**given.__dict__, "is_livelihood_exempt": True})
    decision = rules_host.evaluate(default, exempt)
    assert (decision.kind, decision.factor) == (MAINTAIN, Decimal(1))
    assert decision.fired == fired and decision.actions == actions
    assert decision.needs_review is review


def test_the_exemption_leaves_uncut_decisions_alone(rules_host, default):
    decision = rules_host.evaluate(default, facts("A", is_livelihood_exempt=True))
    assert (decision.kind, decision.fired) == (INCREASE, ("grade_a",))


def test_an_exempt_cut_with_idle_funds_is_reclaimed(rules_host, default):
    given = facts("D", is_livelihood_exempt=True, execution_rate=Decimal("0.3"))
    decision = rules_host.evaluate(default, given)
    assert (decision.kind, decision.factor) == (RECLAIM, Decimal(1))
    assert decision.fired == ("grade_d", "livelihood_exemption", "idle_funds")


def test_two_poor_years_is_a_join_of_this_year_and_the_last(rules_host, default):
    assert rules_host.evaluate(default, facts("D", previous_grade="C")).fired == ("grade_d",)
    assert rules_host.evaluate(default, facts("C", previous_grade="D")).fired == ("grade_c",)
    joined = rules_host.evaluate(default, facts("D", previous_grade="D"))
    assert joined.fired == ("poor_two_years",)


def test_poor_two_years_wins_over_an_overdue_rectification(rules_host, default):
    given = facts("D", previous_grade="D", rectification_overdue=True, red_alert_unanswered=True)
    assert rules_host.evaluate(default, given).fired == ("poor_two_years",)


@pytest.mark.parametrize("grade", [None, "E", "b", ""])
def test_no_rule_matched_is_a_decision_for_review(rules_host, default, grade):
    decision = rules_host.evaluate(default, facts(grade, execution_rate=Decimal("0.1")))
    assert (decision.kind, decision.factor, decision.actions) == (REVIEW, Decimal(1), ())
    assert decision.fired == () and decision.needs_review is True


def test_joined_facts_are_durable_facts_and_the_rest_events(default):
    plan = compile_ruleset(default)
    assert plan.as_facts == ("outcome", "previous", "rectification")
    assert plan.lanes == {"alert": ("d",)}
