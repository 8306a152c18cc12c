"""Scores stay in range (domain.md "Decisions on cases the table leaves open"): our own table of
cases for target 0 and negative actual values, totals within 0–100, and a missing score item
refused like a blank one. The shared worked cases are in test_vectors.py."""

from __future__ import annotations

from decimal import Decimal

import pytest

from engine.evaluation import scoring
from engine.evaluation.scores import IndicatorLine, ItemLine, score_items, score_self
from engine.models.enums import Operator
from engine.reference import load_data

DEFAULT_BANDS = next(f for f in load_data("frames.json")["frames"] if f["code"] == "default")[
    "grade_bands"
]
SETTINGS = load_data("policy_defaults.json")["scoring"]

# (case, operator, weight, target, actual, expected points)
CASES = [
    ("ge target 0, actual 0 is full", ">=", "10", "0", "0", "10"),
    ("ge target 0, actual above is full", ">=", "10", "0", "5", "10"),
    ("ge target 0, negative actual is 0", ">=", "10", "0", "-5", "0"),
    ("gt target 0, actual 0 is full as at any target", ">", "10", "0", "0", "10"),
    ("gt target 0, negative actual is 0", ">", "10", "0", "-0.01", "0"),
    ("ge negative actual scores 0, not below", ">=", "10", "100", "-50", "0"),
    ("ge large loss scores 0", ">=", "80", "1", "-19", "0"),
    ("gt negative actual scores 0", ">", "20", "50", "-1", "0"),
    ("ge partial stays proportional", ">=", "10", "100", "75", "7.5"),
    ("le target 0, actual 0 is full", "<=", "8", "0", "0", "8"),
    ("le target 0, negative actual is full", "<=", "8", "0", "-3", "8"),
    ("le target 0, positive actual is 0", "<=", "8", "0", "3", "0"),
    ("lt target 0, actual 0 is full as at any target", "<", "8", "0", "0", "8"),
    ("lt target 0, positive actual is 0", "<", "8", "0", "0.5", "0"),
    ("le met by a negative actual (a decline) is full", "<=", "8", "30", "-5", "8"),
    ("le missed stays proportional", "<=", "8", "30", "40", "6"),
    ("eq target 0, actual 0 is full", "=", "6", "0", "0", "6"),
    ("eq target 0, anything else is 0", "=", "6", "0", "0.001", "0"),
    ("eq target 0, negative is 0", "=", "6", "0", "-1", "0"),
    ("eq negative actual scores 0", "=", "6", "100", "-100", "0"),
    ("eq far above scores 0, not below", "=", "6", "100", "1000", "0"),
]


@pytest.mark.parametrize(
    ("operator", "weight", "target", "actual", "expected"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_an_indicator_scores_between_0_and_its_weight(operator, weight, target, actual, expected):
    score = scoring.indicator_score(
        Operator(operator), Decimal(weight), target=Decimal(target), actual=Decimal(actual)
    )
    assert score.rounded == Decimal(expected).quantize(Decimal("0.01"))
    assert Decimal(0) <= score.points <= Decimal(weight)


def test_execution_never_scores_below_0():
    assert scoring.execution_score(Decimal(10), Decimal(1000), Decimal(-500)).points == 0


def _self(actuals: list[str], executed: str = "1000"):
    indicators = [
        IndicatorLine(i + 1, f"indicator {i + 1}", Operator.GE, Decimal(30), Decimal(1))
        for i in range(len(actuals))
    ]
    given = [
        {"indicator_id": i + 1, "actual": actual, "reason": "a loss year"}
        for i, actual in enumerate(actuals)
    ]
    return score_self(
        execution_weight=Decimal(10),
        budget=Decimal(1000),
        executed=executed,
        indicators=indicators,
        given=given,
        settings=SETTINGS,
        grade_bands=DEFAULT_BANDS,
    )


def test_a_self_evaluation_with_negative_actuals_totals_within_0_and_100():
    # Three ≥ indicators of 30 points with target 1 and losses as actuals: was 10 − 3 × 570.
    scored = _self(["-19", "-19", "-19"])
    assert scored.complete
    assert [row.score for row in scored.rows] == [Decimal("10.00"), 0, 0, 0]
    assert scored.total == Decimal("10.00")
    assert scored.grade == "D"


def test_a_total_is_never_below_0():
    scored = _self(["-19", "-19", "-19"], executed="0")
    assert scored.total == Decimal("0.00")


def test_a_total_never_exceeds_100():
    # Weights that sum past 100 (a misconfigured frame) still give at most 100 points.
    assert scoring.total([Decimal("60"), Decimal("50")]) == Decimal(100)
    assert scoring.total([Decimal("-5"), Decimal("1")]) == Decimal(0)


KEY_ITEMS = [
    ItemLine("decision", "决策", "Decision", Decimal(20)),
    ItemLine("process", "过程", "Process", Decimal(20)),
    ItemLine("output", "产出", "Output", Decimal(30)),
    ItemLine("effect", "效益", "Effect", Decimal(30)),
]


def test_a_missing_item_is_an_error_naming_it_like_a_blank_one():
    missing = score_items(
        KEY_ITEMS, {"decision": "18", "process": "17", "output": "28"}, DEFAULT_BANDS
    )
    blank = score_items(
        KEY_ITEMS, {"decision": "18", "process": "17", "output": "28", "effect": ""}, DEFAULT_BANDS
    )
    assert missing.errors == blank.errors == {"items.effect": "required"}
    # Never counted as 0: no total, no grade.
    assert missing.total is None and missing.grade is None
    assert missing.rows[3].score is None


def test_every_item_given_scores_and_totals():
    scored = score_items(
        KEY_ITEMS,
        {"decision": "18", "process": "17", "output": "28", "effect": "27"},
        DEFAULT_BANDS,
    )
    assert scored.complete and scored.total == Decimal("90.00") and scored.grade == "A"


def test_a_missing_indicator_in_a_self_evaluation_is_an_error():
    indicators = [IndicatorLine(7, "受益人数", Operator.GE, Decimal(90), Decimal(100))]
    scored = score_self(
        execution_weight=Decimal(10),
        budget=Decimal(1000),
        executed="1000",
        indicators=indicators,
        given=[],
        settings=SETTINGS,
        grade_bands=DEFAULT_BANDS,
    )
    assert scored.errors == {"scores.7": "missing"} and scored.total is None
