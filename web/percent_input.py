"""Percentages as the scoring pages ask for them (85 for 85 %) and as the engine scores them
(the share 0.85). A percentage outside 0–100 is refused here, in the page's terms: checked as
the share it became, the engine would ask for "a share between 0 and 1", which the page never
asked the user to type."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from engine.errors import InvalidInput
from engine.forms.problems import problem
from engine.forms.registry import FORM_HAS_PROBLEMS


def share(percent: str) -> str:
    """The share a typed percentage stands for; text that is no finite number is passed on
    unchanged, for the form schema to name."""
    try:
        value = Decimal(percent)
    except InvalidOperation:
        return percent
    return str(value / 100) if value.is_finite() else percent


def refuse_shares_out_of_range(scores: list[dict], field: str = "band_pct") -> None:
    """Refuse every row whose `field` (a share, converted by `share`) came from a percentage
    outside 0–100, by position as the form schema would."""
    problems: dict[int, dict[str, list[str]]] = {}
    for position, row in enumerate(scores):
        try:
            value = Decimal(str(row.get(field)))
        except InvalidOperation:
            continue  # absent, or not a number: the form schema says so
        if value.is_finite() and not 0 <= value <= 1:
            problems[position] = {field: [problem("percent")]}
    if problems:
        fields = ", ".join(f"scores.{position}.{field}" for position in problems)
        raise InvalidInput(
            f"the form has problems in: {fields}",
            errors={"scores": problems},
            key=FORM_HAS_PROBLEMS,
            params={"fields": fields},
        )
