"""An evaluation form's rows scored, totalled and graded: the part of scoring that reads and
writes nothing, so that the live scoring form shows what the engine will store.

It follows engine/evaluation/operations.py `score_evaluation` step for step (each row rounded to
cents, the total of the rounded rows, the grade from the frame's bands); where the engine stops
at the first problem, this collects every problem by the field the engine would name, so that
the form can show them all at once. Nothing here raises for bad input.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from engine.cycle.context import decimal
from engine.errors import InvalidInput
from engine.evaluation import scoring
from engine.models.enums import Operator, QualitativeBand

CENT = Decimal("0.01")


@dataclass(frozen=True)
class IndicatorLine:
    """A target-table indicator as scoring sees it."""

    id: int
    name: str
    operator: Operator
    weight: Decimal
    target: Decimal | None


@dataclass(frozen=True)
class ItemLine:
    """A level-1 frame item scored directly (key, department and third-party evaluations)."""

    code: str
    name_zh: str
    name_en: str
    weight: Decimal


@dataclass
class Row:
    """One scored row: an indicator, a frame item, or budget execution (key "execution")."""

    key: str
    name: str
    weight: Decimal
    target: Decimal | None = None
    actual: Decimal | None = None
    band: str | None = None
    band_pct: Decimal | None = None
    score: Decimal | None = None
    overrun: bool = False
    reason: str | None = None
    name_en: str | None = None

    @property
    def below_full(self) -> bool:
        return self.score is not None and self.score < self.weight


@dataclass
class Scored:
    rows: list[Row]
    errors: dict[str, str] = field(default_factory=dict)
    total: Decimal | None = None
    grade: str | None = None

    @property
    def complete(self) -> bool:
        return not self.errors


def _number(value, name: str, errors: dict[str, str]) -> Decimal | None:
    try:
        return decimal(value, name)
    except InvalidInput:
        errors[name] = "not a number"
        return None


def score_self(
    *,
    execution_weight: Decimal | None,
    budget: Decimal,
    executed,
    indicators: Sequence[IndicatorLine],
    given: Sequence[Mapping],
    settings: Mapping,
    grade_bands: Sequence[Mapping],
) -> Scored:
    """A self-evaluation: budget execution plus each indicator from its actual or band."""
    errors: dict[str, str] = {}
    rows: list[Row] = []
    if execution_weight is not None:
        row = Row("execution", "预算执行率", execution_weight, name_en="Budget execution")
        if executed is None or executed == "":
            errors["executed"] = "required"
        else:
            amount = _number(executed, "executed", errors)
            if amount is not None:
                row.actual = amount
                row.score = scoring.execution_score(execution_weight, budget, amount).rounded
        rows.append(row)
    by_id = {}
    for entry in given if isinstance(given, Sequence) else []:
        key = entry.get("indicator_id") if isinstance(entry, Mapping) else None
        if isinstance(key, int) and not isinstance(key, bool):
            by_id[key] = entry
    tolerance = Decimal(settings["equal_tolerance"])
    for indicator in indicators:
        rows.append(_indicator_row(indicator, by_id.get(indicator.id), tolerance, settings, errors))
    return _finish(rows, errors, grade_bands)


def _indicator_row(indicator, entry, tolerance, settings, errors) -> Row:
    field_name = f"scores.{indicator.id}"
    row = Row(str(indicator.id), indicator.name, indicator.weight, target=indicator.target)
    if entry is None:
        errors[field_name] = "missing"
        return row
    row.reason = str(entry.get("reason") or "").strip() or None
    if entry.get("band"):
        try:
            row.band = QualitativeBand(str(entry["band"])).value
        except ValueError:
            errors[f"{field_name}.band"] = "unknown band"
            return row
    if entry.get("band_pct"):
        row.band_pct = _number(entry["band_pct"], f"{field_name}.band_pct", errors)
    if entry.get("actual") is not None and entry.get("actual") != "":
        row.actual = _number(entry["actual"], f"{field_name}.actual", errors)
    if any(key.startswith(f"{field_name}.") for key in errors):
        return row
    try:
        score = scoring.indicator_score(
            indicator.operator,
            indicator.weight,
            target=indicator.target,
            actual=row.actual,
            tolerance=tolerance,
            band=QualitativeBand(row.band) if row.band else None,
            band_pct=row.band_pct,
            bands=settings["qualitative_bands"],
        )
    except InvalidInput as error:
        problem = "outside band" if (error.errors or {}).get("band_pct") else "missing value"
        errors[f"{field_name}.band_pct" if problem == "outside band" else field_name] = problem
        return row
    row.score, row.overrun = score.rounded, score.overrun
    # Below full points the unit must say why (domain.md: 偏差原因).
    if row.score < indicator.weight and not entry.get("reason"):
        errors[f"{field_name}.reason"] = "required"
    return row


def score_items(
    items: Sequence[ItemLine], given: Mapping | None, grade_bands: Sequence[Mapping]
) -> Scored:
    """A key, department or third-party evaluation: each level-1 item up to its weight."""
    errors: dict[str, str] = {}
    rows: list[Row] = []
    if not isinstance(given, Mapping):
        errors["items"] = "required"
        given = {}
    for item in items:
        row = Row(item.code, item.name_zh, item.weight, name_en=item.name_en)
        name = f"items.{item.code}"
        raw = given.get(item.code, "")
        # A blank or missing field is a forgotten score, not a zero (domain.md).
        points = None if raw in ("", None) else _number(raw, name, errors)
        if raw in ("", None):
            errors[name] = "required"
        elif points is not None:
            if 0 <= points <= item.weight:
                # To the cent, like every other row: "2e1" is kept as 20.00, not "2E+1".
                row.score = points.quantize(CENT, ROUND_HALF_UP)
            else:
                errors[name] = "out of range"
        rows.append(row)
    return _finish(rows, errors, grade_bands)


def _finish(rows: list[Row], errors: dict[str, str], grade_bands) -> Scored:
    result = Scored(rows, errors)
    if all(row.score is not None for row in rows):
        result.total = scoring.total([row.score for row in rows])
        result.grade = scoring.grade(result.total, grade_bands)
    return result
