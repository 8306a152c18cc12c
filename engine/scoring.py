"""Indicator scores, totals and grades (domain.md "Scoring"), in exact decimals."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from engine.errors import InvalidInput
from engine.models.enums import Operator, QualitativeBand

CENT = Decimal("0.01")
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
    return Score(weight * min(executed / budget, Decimal(1)))


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
        return Score(weight * band_pct)
    if target is None or actual is None:
        raise InvalidInput("a numeric indicator needs a target and an actual value")
    if operator in (Operator.GE, Operator.GT):
        # Far above a more-is-better target: the target was possibly set too low.
        overrun = target > 0 and actual >= target * overrun_ratio
        met = actual >= target if operator is Operator.GE else actual > target
        if met or target == 0:
            return Score(weight, overrun)
        return Score(weight * actual / target, overrun)
    if operator in (Operator.LE, Operator.LT):
        met = actual <= target if operator is Operator.LE else actual < target
        if met:
            return Score(weight)
        return Score(weight * target / actual if actual else Decimal(0))
    # "=": full points within the tolerance, else proportional to the relative gap.
    if target == 0:
        return Score(weight if actual == 0 else Decimal(0))
    gap = abs(actual - target) / target
    if gap <= tolerance:
        return Score(weight)
    return Score(weight * max(Decimal(0), 1 - gap))


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
