"""A region's level-1 weights for a frame, checked before anything is stored: every item named
that the frame does not have, every value that is not a plain number or lies outside the item's
range, and a total that is not the frame's — each with its reason, in English for the API and
as a key with values for a page to say in its own language."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from engine.errors import InvalidInput
from engine.models import IndicatorFrame

MAX_WEIGHT_TEXT = 12
MAX_ITEMS = 20  # weights named in one choice
CENT = Decimal("0.01")


def checked_weights(frame: IndicatorFrame, weights: dict) -> dict[str, Decimal]:
    """`weights` (level-1 item code → points; an item not named keeps its weight) checked
    against the frame; InvalidInput names each item that is unknown, not a number or outside
    its range, and a total that is not the frame's (`params["details"]`: each with why and its
    values, for a page to say in its language)."""
    items = {n.code: n for n in frame.nodes if n.level == 1 and n.weight is not None}
    details: list[dict] = []

    def refuse(code: str, why: str, english: str, **values) -> None:
        details.append({"item": code, "why": why, "english": english, **values})

    for code in list(weights)[:MAX_ITEMS]:
        if code not in items:
            known = ", ".join(items)
            refuse(str(code)[:40], "unknown", f"not a level-1 item of the frame ({known})")
    wanted: dict[str, Decimal] = {}
    for code, node in items.items():
        # An item not named keeps the weight it has in the frame.
        raw = str(weights.get(code, node.weight))[:MAX_WEIGHT_TEXT]
        label = f"{node.name_zh} ({code})"
        value = _number(raw)
        low, high = node.weight_min or Decimal(0), node.weight_max or frame.total_points
        if value is None:
            english = f"{label}: '{raw}' is not a number"
            refuse(code, "number", english, name=node.name_zh, value=raw)
        elif not low <= value <= high:
            refuse(
                code,
                "range",
                f"{label}: {_plain(value)} is outside {_plain(low)}–{_plain(high)}",
                name=node.name_zh,
                value=_plain(value),
                min=_plain(low),
                max=_plain(high),
            )
        elif value != value.quantize(CENT):
            refuse(code, "cents", f"{label}: at most two decimal places", name=node.name_zh)
        else:
            wanted[code] = value.quantize(CENT)
    total = sum(wanted.values(), Decimal(0))
    if not details and total != frame.total_points:
        refuse(
            "total",
            "total",
            f"the weights add up to {_plain(total)}, the frame needs {_plain(frame.total_points)}",
            sum=_plain(total),
            total=_plain(frame.total_points),
        )
    if details:
        english = "; ".join(d["english"] for d in details)
        raise InvalidInput(
            f"the frame's weights were not saved: {english}",
            errors={d["item"]: d["english"] for d in details},
            key="frame_weights_invalid",
            params={"problems": english, "details": details},
        )
    return wanted


def _number(text: str) -> Decimal | None:
    """A finite number written plainly (no exponent: a weight is a few digits), else None."""
    if not text or any(c not in "0123456789.-+" for c in text.strip()):
        return None
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def _plain(number: Decimal | None) -> str:
    """40 rather than 40.00; no bound shows as …"""
    return "…" if number is None else format(number.normalize(), "f")
