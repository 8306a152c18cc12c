"""The project's own worked cases of domain.md's default rules: scoring, grades, alert colours.

Computed by hand from domain.md ("Scoring", "Monitoring: deviation alerts"), independently of
the shared vectors (tests/engine/test_vectors.py runs those when ../shared is beside the clone),
so the defaults are checked wherever the project is cloned. Each case says its arithmetic.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from engine.evaluation import scoring
from engine.models.enums import Colour, Likelihood, Operator, QualitativeBand
from engine.monitoring import pace
from engine.reference import load_data

D = Decimal
DEFAULT_BANDS = next(f for f in load_data("frames.json")["frames"] if f["code"] == "default")[
    "grade_bands"
]

# (case, operator, weight, target, actual, tolerance, expected points, overrun flag)
SCORING = [
    ("more is better, met", ">=", "30", "200", "200", "0", "30", False),
    ("more is better, w*a/t = 30*150/200", ">=", "30", "200", "150", "0", "22.50", False),
    ("more is better, 125 % of target flags overrun", ">=", "30", "200", "250", "0", "30", True),
    ("strictly more, short: 20*45/50", ">", "20", "50", "45", "0", "18", False),
    ("less is better, met", "<=", "15", "10", "8", "0", "15", False),
    ("less is better, w*t/a = 15*10/12", "<=", "15", "10", "12", "0", "12.50", False),
    ("equal within tolerance 2", "=", "10", "100", "102", "2", "10", False),
    ("equal off by 25: 10*(1-25/100)", "=", "10", "100", "125", "0", "7.50", False),
    ("equal off by more than the target: 0", "=", "10", "100", "260", "0", "0", False),
]


@pytest.mark.parametrize(
    ("operator", "weight", "target", "actual", "tolerance", "points", "overrun"),
    [case[1:] for case in SCORING],
    ids=[case[0] for case in SCORING],
)
def test_quantitative_indicators(operator, weight, target, actual, tolerance, points, overrun):
    score = scoring.indicator_score(
        Operator(operator), D(weight), target=D(target), actual=D(actual), tolerance=D(tolerance)
    )
    assert score.rounded == D(points).quantize(D("0.01"))
    assert score.overrun is overrun


@pytest.mark.parametrize(
    ("band", "pct", "points"),
    [("achieved", "0.9", "9"), ("partly", "0.7", "7"), ("not_achieved", "0.5", "5")],
)
def test_qualitative_bands_give_the_chosen_share_of_the_weight(band, pct, points):
    score = scoring.indicator_score(
        Operator.QUALITATIVE, D("10"), band=QualitativeBand(band), band_pct=D(pct)
    )
    assert score.rounded == D(points).quantize(D("0.01"))


@pytest.mark.parametrize(
    ("budget", "executed", "points"),
    [("800", "600", "7.50"), ("800", "800", "10"), ("800", "950", "10")],
)
def test_budget_execution_is_w_times_the_rate_capped_at_1(budget, executed, points):
    assert scoring.execution_score(D("10"), D(budget), D(executed)).rounded == D(points)


@pytest.mark.parametrize(
    ("total", "grade"),
    [
        ("95.5", "A"),
        ("90.00", "A"),
        ("89.99", "B"),
        ("80", "B"),
        ("79.99", "C"),
        ("60", "C"),
        ("59.99", "D"),
        ("0", "D"),
    ],
)
def test_grades_have_inclusive_lower_bounds(total, grade):
    assert scoring.grade(D(total), DEFAULT_BANDS) == grade


# Budget alert at m months: r = execution_rate / (m/12); red < 0.6 <= yellow < 0.8 <= green.
BUDGET = [
    ("3 months, 15 % executed: r = 0.6, yellow", 3, "0.15", "yellow"),
    ("3 months, 14.99 %: r < 0.6, red", 3, "0.1499", "red"),
    ("9 months, 60 %: r = 0.8, green", 9, "0.60", "green"),
    ("9 months, 59.99 %: r < 0.8, yellow", 9, "0.5999", "yellow"),
    ("12 months, 100 %: green", 12, "1", "green"),
]


@pytest.mark.parametrize(
    ("months", "rate", "colour"), [c[1:] for c in BUDGET], ids=[c[0] for c in BUDGET]
)
def test_budget_alert_colours(months, rate, colour):
    assert pace.budget_colour(D(rate), months) is Colour(colour)


# Indicator alert (more is better): p = actual / (target * m/12); red < 0.6 <= yellow < 0.8 <=
# green < 1.2 <= blue. Less is better: met green, else red. "Impossible" is red whatever.
INDICATOR = [
    (
        "6 months of 1,000: 300 is p = 0.6, yellow",
        ">=",
        6,
        "1000",
        "300",
        "possible",
        None,
        "yellow",
    ),
    ("6 months of 1,000: 299 is red", ">=", 6, "1000", "299", "possible", None, "red"),
    ("6 months of 1,000: 400 is p = 0.8, green", ">=", 6, "1000", "400", "certain", None, "green"),
    ("6 months of 1,000: 600 is p = 1.2, blue", ">=", 6, "1000", "600", "certain", None, "blue"),
    ("6 months of 1,000: 599 is green", ">=", 6, "1000", "599", "certain", None, "green"),
    ("on pace but impossible: red", ">=", 6, "1000", "500", "impossible", None, "red"),
    ("less is better, met: green", "<=", 6, "5", "4", "possible", None, "green"),
    ("less is better, not met: red", "<=", 6, "5", "6", "possible", None, "red"),
    ("qualitative, partly: yellow", "qualitative", 6, None, None, "possible", "partly", "yellow"),
]


@pytest.mark.parametrize(
    ("operator", "months", "target", "actual", "likelihood", "band", "colour"),
    [c[1:] for c in INDICATOR],
    ids=[c[0] for c in INDICATOR],
)
def test_indicator_alert_colours(operator, months, target, actual, likelihood, band, colour):
    found = pace.indicator_colour(
        Operator(operator),
        months,
        target=D(target) if target else None,
        actual=D(actual) if actual else None,
        likelihood=Likelihood(likelihood),
        band=QualitativeBand(band) if band else None,
    )
    assert found is Colour(colour)


@pytest.mark.parametrize(
    ("colours", "project"),
    [
        (["green", "blue", "green"], "green"),
        (["blue", "yellow"], "yellow"),
        (["yellow", "red", "blue"], "red"),
        (["blue"], "blue"),
    ],
)
def test_a_project_is_as_bad_as_its_worst_alert(colours, project):
    assert pace.worst(Colour(c) for c in colours) is Colour(project)
