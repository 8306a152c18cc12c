"""The functions an expression may call, and the only ones.

A name in a call is looked up here and nowhere else (never in task data), so this table is the
whole list of what an expression can call. The wrapped built-ins refuse arguments that would
make them do unbounded work: a huge digit count for round(), a list start value for sum(),
an endless iterable for sorted().
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Mapping
from types import MappingProxyType
from typing import Any

from bpmn.errors import ExpressionFailed
from bpmn.expressions.bounds import MAX_ITEMS, MAX_ROUND_DIGITS, Refused, is_number


def _round(number: Any, ndigits: Any = None, /) -> Any:
    """Round like round(), refusing digit counts far outside any amount of money."""
    if ndigits is None:
        return round(number)
    if type(ndigits) is not int:
        raise ExpressionFailed("round() needs a whole number of digits")
    # round(1, -10**9) would compute 10**(10**9) before answering.
    if abs(ndigits) > MAX_ROUND_DIGITS:
        raise Refused(f"round() takes at most {MAX_ROUND_DIGITS} digits")
    return round(number, ndigits)


def _sum(values: Iterable[Any], start: Any = 0, /) -> Any:
    """Add up numbers, starting from a number."""
    # A list or text start value would turn sum() into unlimited concatenation.
    if not is_number(start):
        raise ExpressionFailed("sum() adds numbers; its start value must be a number")
    return sum(values, start)


def _sorted(values: Iterable[Any], /) -> list[Any]:
    """Sort at most MAX_ITEMS values."""
    items = list(itertools.islice(values, MAX_ITEMS + 1))
    if len(items) > MAX_ITEMS:
        raise Refused(f"sorted() takes at most {MAX_ITEMS:,} items")
    items.sort()
    return items


ALLOWED_FUNCTIONS: Mapping[str, Callable[..., Any]] = MappingProxyType(
    {
        "abs": abs,
        "all": all,
        "any": any,
        "bool": bool,
        "float": float,
        "int": int,
        "len": len,
        "max": max,
        "min": min,
        "round": _round,
        "sorted": _sorted,
        "str": str,
        "sum": _sum,
    }
)
ALLOWED_LIST = ", ".join(ALLOWED_FUNCTIONS)
