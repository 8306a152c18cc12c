"""The default rule set: each row of domain.md's result table, the joins and the exemption."""

from __future__ import annotations

from decimal import Decimal

import pytest

from rules import Action, DecisionKind, Facts
from rules.compile import compile_ruleset

A = Action
CUT, CANCEL, SUSPEND = DecisionKind.CUT, DecisionKind.CANCEL, DecisionKind.SUSPEND
MAINTAIN, INCREASE = DecisionKind.MAINTAIN, DecisionKind.INCREASE
REVIEW = DecisionKind.REVIEW


def facts(grade: str | None, **more: object) -> Facts:
    return Facts(project_code="2025-0001", year=2025, grade=grade, **more)


# (facts, kind, factor, actions, fired, needs_review, reclaim): one case per row or rows.
TABLE = [
    (facts("A"), INCREASE, "1", (), ("grade_a",), False, False),
    # Public commendation when the department is among the top 10 (rank 10 is; 11 is not).
    (
        facts("A", department_rank=10),
        INCREASE,
        "1",
        (A.COMMENDATION,),
        ("grade_a", "grade_a_top_department"),
        False,
        False,
    ),
    (facts("A", department_rank=11), INCREASE, "1", (), ("grade_a",), False, False),
    (facts("B", department_rank=1), MAINTAIN, "1", (), ("grade_b",), False, False),
    (facts("B"), MAINTAIN, "1", (), ("grade_b",), False, False),
    # A department graded D overall (部门整体绩效): its discretionary projects are cut 10 %;
    # a project's own poorer grade still decides; livelihood items stay exempt.
    (
        facts("A", department_grade="D"),
        CUT,
        "0.9",
        (),
        ("department_grade_d", "grade_a"),
        False,
        False,
    ),
    (facts("B", department_grade="C"), MAINTAIN, "1", (), ("grade_b",), False, False),
    (
        facts("D", department_grade="D"),
        CUT,
        "0.5",
        (A.RECTIFICATION, A.INTERVIEW),
        ("grade_d", "department_grade_d"),
        False,
        False,
    ),
    (
        facts("B", department_grade="D", is_livelihood_exempt=True),
        MAINTAIN,
        "1",
        (),
        ("department_grade_d", "grade_b", "livelihood_exemption"),
        True,
        False,
    ),
    (facts("C"), CUT, "0.9", (A.RECTIFICATION,), ("grade_c",), False, False),
    (facts("D"), CUT, "0.5", (A.RECTIFICATION, A.INTERVIEW), ("grade_d",), False, False),
    (
        facts("D", is_continuing=True),
        CANCEL,
        "0",
        (A.RECTIFICATION, A.INTERVIEW),
        ("grade_d_continuing",),
        False,
        False,
    ),
    # Two poor years and this year's grade-D row both match: both rows' actions are kept.
    (
        facts("D", previous_grade="D", is_continuing=True),
        CANCEL,
        "0",
        (A.INTERVIEW, A.CIRCULAR, A.RECTIFICATION),
        ("poor_two_years_continuing", "grade_d_continuing"),
        False,
        False,
    ),
    (
        facts("D", previous_grade="D"),
        SUSPEND,
        "0",
        (A.INTERVIEW, A.CIRCULAR, A.RECTIFICATION),
        ("poor_two_years", "grade_d"),
        False,
        False,
    ),
    (
        facts("B", rectification_overdue=True, is_continuing=True),
        CANCEL,
        "0",
        (A.INTERVIEW, A.CIRCULAR),
        ("rectification_overdue_continuing", "grade_b"),
        False,
        False,
    ),
    (
        facts("A", rectification_overdue=True),
        SUSPEND,
        "0",
        (A.INTERVIEW, A.CIRCULAR),
        ("rectification_overdue", "grade_a"),
        False,
        False,
    ),
    (
        facts("B", red_alert_unanswered=True),
        SUSPEND,
        "0",
        (A.REMINDER, A.INTERVIEW),
        ("red_alert_unanswered", "grade_b"),
        True,
        False,
    ),
    # Idle funds are reclaimed from this year's balance; next year's effect stays the grade's.
    (
        facts("B", execution_rate=Decimal("0.42")),
        MAINTAIN,
        "1",
        (),
        ("grade_b", "idle_funds"),
        False,
        True,
    ),
    (
        facts("A", execution_rate=Decimal("0.1")),
        INCREASE,
        "1",
        (),
        ("grade_a", "idle_funds"),
        False,
        True,
    ),
]


@pytest.mark.parametrize(
    ("given", "kind", "factor", "actions", "fired", "review", "reclaim"), TABLE
)
def test_each_row_of_the_result_table(
    rules_host, default, given, kind, factor, actions, fired, review, reclaim
):
    decision = rules_host.evaluate(default, given)
    assert decision.kind is kind
    assert decision.factor == Decimal(factor)
    assert decision.actions == actions
    assert decision.fired == fired
    assert decision.needs_review is review
    assert decision.reclaim is reclaim


def test_every_decision_records_rule_set_facts_and_fired(rules_host, default):
    given = facts("C", execution_rate=Decimal("0.8125"))
    decision = rules_host.evaluate(default, given)
    assert decision.ruleset == "result-application@1"
    assert decision.facts == {**given.__dict__, "execution_rate": "0.8125"}
    assert decision.fired == ("grade_c",)


def test_a_grade_c_project_with_idle_funds_is_cut_and_its_idle_funds_reclaimed(rules_host, default):
    # domain.md: rows combine. Reclaim now, and cut 10 % next year.
    decision = rules_host.evaluate(default, facts("C", execution_rate=Decimal("0.3")))
    assert (decision.kind, decision.factor) == (CUT, Decimal("0.9"))
    assert decision.reclaim is True
    assert decision.actions == (A.RECTIFICATION,)
    assert decision.fired == ("grade_c", "idle_funds")


def test_the_strongest_next_year_effect_wins_and_every_action_is_kept(rules_host, default):
    # A continuing grade-D project with an unanswered red alert: cancel beats suspend.
    given = facts("D", is_continuing=True, red_alert_unanswered=True)
    decision = rules_host.evaluate(default, given)
    assert (decision.kind, decision.factor) == (CANCEL, Decimal(0))
    assert decision.actions == (A.REMINDER, A.INTERVIEW, A.RECTIFICATION)
    assert decision.fired == ("grade_d_continuing", "red_alert_unanswered")
    assert decision.needs_review is True  # the red-alert row asks a person to look


def test_execution_at_exactly_half_is_not_idle(rules_host, default):
    assert rules_host.evaluate(default, facts("B", execution_rate=Decimal("0.5"))).reclaim is False
    nearly = Decimal("0.49999999999999999999")  # rounds to 0.5 as a double
    assert rules_host.evaluate(default, facts("B", execution_rate=nearly)).reclaim is True


@pytest.mark.parametrize(
    ("given", "fired", "actions"),
    [
        (facts("C"), ("grade_c", "livelihood_exemption"), (A.RECTIFICATION,)),
        (
            facts("D", is_continuing=True),
            ("grade_d_continuing", "livelihood_exemption"),
            (A.RECTIFICATION, A.INTERVIEW),
        ),
        (
            facts("D", previous_grade="D", is_continuing=True),
            ("poor_two_years_continuing", "grade_d_continuing", "livelihood_exemption"),
            (A.INTERVIEW, A.CIRCULAR, A.RECTIFICATION),
        ),
        (
            facts("A", red_alert_unanswered=True),
            ("red_alert_unanswered", "grade_a", "livelihood_exemption"),
            (A.REMINDER, A.INTERVIEW),
        ),
    ],
)
def test_livelihood_items_are_exempt_from_every_reduction(
    rules_host, default, given, fired, actions
):
    # Cut, cancel and suspend each become maintain ×1, flagged for review, the exemption named;
    # the accountability actions still apply.
    exempt = Facts(**{**given.__dict__, "is_livelihood_exempt": True})
    decision = rules_host.evaluate(default, exempt)
    assert (decision.kind, decision.factor) == (MAINTAIN, Decimal(1))
    assert decision.fired == fired and decision.actions == actions
    assert decision.needs_review is True


def test_the_exemption_leaves_uncut_decisions_alone(rules_host, default):
    decision = rules_host.evaluate(default, facts("A", is_livelihood_exempt=True))
    assert (decision.kind, decision.fired, decision.needs_review) == (INCREASE, ("grade_a",), False)


def test_an_exempt_item_with_idle_funds_is_maintained_and_still_reclaimed(rules_host, default):
    given = facts("D", is_livelihood_exempt=True, execution_rate=Decimal("0.3"))
    decision = rules_host.evaluate(default, given)
    assert (decision.kind, decision.factor, decision.reclaim) == (MAINTAIN, Decimal(1), True)
    assert decision.fired == ("grade_d", "livelihood_exemption", "idle_funds")
    assert decision.actions == (A.RECTIFICATION, A.INTERVIEW)


def test_two_poor_years_is_a_join_of_this_year_and_the_last(rules_host, default):
    assert rules_host.evaluate(default, facts("D", previous_grade="C")).fired == ("grade_d",)
    assert rules_host.evaluate(default, facts("C", previous_grade="D")).fired == ("grade_c",)
    joined = rules_host.evaluate(default, facts("D", previous_grade="D"))
    assert joined.fired == ("poor_two_years", "grade_d")


def test_of_equally_strong_rows_the_first_is_named_first(rules_host, default):
    given = facts("D", previous_grade="D", rectification_overdue=True, red_alert_unanswered=True)
    decision = rules_host.evaluate(default, given)
    assert decision.kind is SUSPEND
    assert decision.fired == (
        "poor_two_years",
        "rectification_overdue",
        "red_alert_unanswered",
        "grade_d",
    )
    assert decision.actions == (A.INTERVIEW, A.CIRCULAR, A.REMINDER, A.RECTIFICATION)


@pytest.mark.parametrize("grade", [None, "E", "b", ""])
def test_no_rule_matched_is_a_decision_for_review(rules_host, default, grade):
    decision = rules_host.evaluate(default, facts(grade))
    assert (decision.kind, decision.factor, decision.actions) == (REVIEW, Decimal(1), ())
    assert decision.fired == () and decision.needs_review is True
    # Idle funds are reclaimed whatever the grade.
    idle = rules_host.evaluate(default, facts(grade, execution_rate=Decimal("0.1")))
    assert (idle.kind, idle.fired, idle.reclaim) == (REVIEW, ("idle_funds",), True)


def test_joined_facts_are_durable_facts_and_the_rest_events(default):
    plan = compile_ruleset(default)
    assert plan.as_facts == ("outcome", "previous", "rectification")
    assert plan.lanes == {"alert": ("r4",), "department": ("r10",)}
