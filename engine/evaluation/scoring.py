"""Indicator scores, totals and grades (domain.md "Scoring"), in exact decimals."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from engine.errors import InvalidInput
from engine.models.enums import Operator, QualitativeBand

CENT = Decimal("0.01")
# A total is between 0 and 100 points, two decimals, no bonus points (domain.md "Scoring").
TOTAL_MAX = Decimal(100)
DEFAULT_BANDS = {
    "achieved": ("0.8", "1.0"),
    "partly": ("0.6", "0.8"),
    "not_achieved": ("0", "0.6"),
}


@dataclass(frozen=True)
class Score:
    """One indicator's points and whether it overran its target (≥ 120 %)."""

    points: Decimal
    overrun: bool = False

    @property
    def rounded(self) -> Decimal:
        return self.points.quantize(CENT, ROUND_HALF_UP)


def execution_score(weight: Decimal, budget: Decimal, executed: Decimal) -> Score:
    """Budget execution: w × min(executed / budget, 1)."""
    if budget <= 0:
        return Score(weight)
    return Score(_within(weight, weight * min(executed / budget, Decimal(1))))


def indicator_score(
    operator: Operator,
    weight: Decimal,
    *,
    target: Decimal | None = None,
    actual: Decimal | None = None,
    tolerance: Decimal = Decimal(0),
    band: QualitativeBand | None = None,
    band_pct: Decimal | None = None,
    bands: Mapping[str, Sequence[str]] = DEFAULT_BANDS,
    overrun_ratio: Decimal = Decimal("1.2"),
) -> Score:
    """One indicator's score for its operator (qualitative: the evaluator's band and percentage)."""
    if operator is Operator.QUALITATIVE:
        if band is None or band_pct is None:
            raise InvalidInput("a qualitative indicator needs a band and a percentage")
        low, high = (Decimal(x) for x in bands[band.value])
        if not low <= band_pct <= high:
            raise InvalidInput(
                f"{band_pct:.0%} is outside the band '{band.value}' ({low:.0%}–{high:.0%})",
                errors={"band_pct": "outside band"},
            )
        return Score(_within(weight, weight * band_pct))
    if target is None or actual is None:
        raise InvalidInput("a numeric indicator needs a target and an actual value")
    return Score(
        _within(weight, _numeric_points(operator, weight, target, actual, tolerance)),
        # Far above a more-is-better target: the target was possibly set too low.
        operator in (Operator.GE, Operator.GT) and target > 0 and actual >= target * overrun_ratio,
    )


def _numeric_points(
    operator: Operator, weight: Decimal, target: Decimal, actual: Decimal, tolerance: Decimal
) -> Decimal:
    """The formula of domain.md "Scoring", with its decisions on target 0 and negative actuals.

    At target 0 the proportional formulas divide by zero: `≥`/`>` are full for any actual ≥ 0,
    `≤`/`<` for any actual ≤ 0, `=` only at 0. A strict operator treats an actual equal to a
    zero target as at any other target, where the proportion at equality is full. A negative
    actual (a loss, a decline) below a more-is-better target scores 0, never below.
    """
    if operator in (Operator.GE, Operator.GT):
        met = actual >= target if operator is Operator.GE else actual > target
        if met or (target == 0 and actual >= 0):
            return weight
        return weight * actual / target if target > 0 else Decimal(0)
    if operator in (Operator.LE, Operator.LT):
        met = actual <= target if operator is Operator.LE else actual < target
        if met or (target == 0 and actual <= 0):
            return weight
        return weight * target / actual if actual > 0 else Decimal(0)
    # "=": full points within the tolerance, else proportional to the relative gap.
    if target == 0:
        return weight if actual == 0 else Decimal(0)
    gap = abs(actual - target) / abs(target)
    if gap <= tolerance:
        return weight
    return weight * max(Decimal(0), 1 - gap)


def _within(weight: Decimal, points: Decimal) -> Decimal:
    """An indicator scores between 0 and its weight, whatever the inputs (domain.md)."""
    return min(max(points, Decimal(0)), max(weight, Decimal(0)))


def total(points: Sequence[Decimal]) -> Decimal:
    """The sum of the rows' rounded points, to the cent, kept within 0 and 100."""
    summed = sum(points, Decimal(0)).quantize(CENT, ROUND_HALF_UP)
    return min(max(summed, Decimal(0)), TOTAL_MAX)


def grade(total: Decimal, bands: Sequence[Mapping], *, measures_acceptable: bool = True) -> str:
    """The grade whose lower bound the total reaches (bands highest first).

    A frame may define a band that applies whatever the score when no acceptable measures or
    data existed (PART's "Results Not Demonstrated").
    """
    if not measures_acceptable:
        for band in bands:
            if band.get("when") == "no_acceptable_measures":
                return band["code"]
    for band in bands:
        if "min" in band and total >= Decimal(band["min"]):
            return band["code"]
    return bands[-1]["code"]
