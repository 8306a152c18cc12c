"""The size limits of the safe grammar, and the checks that keep values inside them.

Every limit lives here because two places enforce it: the checker folds literal arithmetic
when a definition is deployed (so `9**9**9` is refused then), and the evaluator builds values
from task data at run time. Both must refuse the same things for the same reasons, with the
same Reason codes that web/workflow/messages/deploy.json translates.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from bpmn.errors import ExpressionFailed, Reason

MAX_EXPRESSION_LENGTH = 2_000
MAX_SCRIPT_LENGTH = 5_000
MAX_NODES = 500
MAX_DEPTH = 40
MAX_STATEMENTS = 50
MAX_EXPONENT = 100
MAX_POWER_BASE = 10**6
MAX_ITEMS = 10_000
MAX_INT = 10**30
MAX_ROUND_DIGITS = 100

# Each refusal is a Reason: English text with a code (and params) for the pages' languages
# (web/workflow/messages/deploy.json, deploy.detail.<code>).
TOO_DEEP = Reason(f"nesting too deep (more than {MAX_DEPTH} levels)", "too_deep", max=MAX_DEPTH)
NUMBER_TOO_LARGE = Reason("number too large (beyond 10**30)", "number_too_large")
TOO_LONG = Reason(
    f"text or list too long (more than {MAX_ITEMS:,} characters or items)",
    "too_long",
    max=f"{MAX_ITEMS:,}",
)
FORMATTING = Reason(
    "formatting text with % is not allowed; join text with + and str()", "formatting"
)


class Refused(ExpressionFailed):
    """A value would break a size limit; raised before the value is built."""


def is_number(value: Any) -> bool:
    """Tell whether `value` is an int, bool, float or Decimal."""
    return isinstance(value, int | float | Decimal)


def limited(value: Any) -> Any:
    """Return `value`, refusing integers beyond MAX_INT."""
    # Python ints grow without bound; a few multiplications could eat the whole machine.
    if type(value) is int and not -MAX_INT <= value <= MAX_INT:
        raise Refused(NUMBER_TOO_LARGE)
    return value


def size(value: Any, inside: Any = None) -> int:
    """Count the characters and items in `value`, nested ones included, up to MAX_ITEMS + 1."""
    # Shared references count every time they are reached: [[0] * 100] * 100 is 10,000 items
    # once printed or saved, though it only holds 101 objects.
    total = 0
    pending = [value]
    while pending:
        item = pending.pop()
        if inside is not None and item is inside:
            raise Refused("a list or dict cannot contain itself")
        if isinstance(item, str | bytes | bytearray):
            total += len(item)
        elif isinstance(item, dict):
            total += len(item)
            if total <= MAX_ITEMS:
                for key, nested in item.items():
                    pending += (key, nested)
        elif isinstance(item, list | tuple | set | frozenset):
            total += len(item)
            if total <= MAX_ITEMS:
                pending.extend(item)
        if total > MAX_ITEMS:
            return total
    return total
