"""What the grammar's operators mean, and the guards that keep them bounded.

One definition of + - * / // % **, the comparisons and the unary operators, used both by the
checker (to fold literal arithmetic at deploy time) and by the evaluator (at run time), so a
folded constant and an evaluated one cannot disagree. Each operator that could build a huge
value (repeating text, raising to a power, formatting with %) is checked before it runs.
"""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from bpmn.errors import ExpressionFailed, Reason
from bpmn.expressions.bounds import (
    FORMATTING,
    MAX_EXPONENT,
    MAX_ITEMS,
    MAX_POWER_BASE,
    TOO_LONG,
    Refused,
    is_number,
    limited,
    size,
)
from bpmn.expressions.describe import kind

OPERATORS: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
    ast.Pow: operator.pow,
}
AUGMENTED = (ast.Add, ast.Sub, ast.Mult, ast.Div)
UNARY: dict[type[ast.unaryop], Callable[[Any], Any]] = {
    ast.USub: operator.neg,
    ast.UAdd: operator.pos,
    ast.Not: operator.not_,
}


def _contains(left: Any, right: Any) -> bool:
    """Apply `in`."""
    return left in right


def _not_contains(left: Any, right: Any) -> bool:
    """Apply `not in`."""
    return left not in right


COMPARISONS: dict[type[ast.cmpop], Callable[[Any, Any], Any]] = {
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
    ast.In: _contains,
    ast.NotIn: _not_contains,
    ast.Is: operator.is_,
    ast.IsNot: operator.is_not,
}
ORDERING = (ast.Eq, ast.NotEq, ast.Lt, ast.LtE, ast.Gt, ast.GtE)
SYMBOLS: dict[type[ast.AST], str] = {
    ast.Add: "+",
    ast.Sub: "-",
    ast.Mult: "*",
    ast.Div: "/",
    ast.FloorDiv: "//",
    ast.Mod: "%",
    ast.Pow: "**",
    ast.USub: "-",
    ast.UAdd: "+",
    ast.Not: "not",
    ast.MatMult: "@",
    ast.LShift: "<<",
    ast.RShift: ">>",
    ast.BitOr: "|",
    ast.BitAnd: "&",
    ast.BitXor: "^",
    ast.Eq: "==",
    ast.NotEq: "!=",
    ast.Lt: "<",
    ast.LtE: "<=",
    ast.Gt: ">",
    ast.GtE: ">=",
    ast.In: "in",
    ast.NotIn: "not in",
    ast.Is: "is",
    ast.IsNot: "is not",
}

SEQUENCES = (str, bytes, bytearray, list, tuple)
CONTAINERS = (list, tuple, dict, set, frozenset)


def coerce(left: Any, right: Any) -> tuple[Any, Any]:
    """Turn a float beside a Decimal into the Decimal it is written as."""
    # Money is Decimal; a rate typed as 0.1 should mean Decimal('0.1'), not 0.1000000000000000055…
    if type(left) is float and isinstance(right, Decimal):
        return Decimal(repr(left)), right
    if type(right) is float and isinstance(left, Decimal):
        return left, Decimal(repr(right))
    return left, right


def arithmetic(op: type[ast.operator], left: Any, right: Any) -> Any:
    """Apply one arithmetic operator, refusing results too large to build."""
    left, right = coerce(left, right)
    if op is ast.Add:
        if isinstance(left, SEQUENCES) and isinstance(right, SEQUENCES):
            if size(left) + size(right) > MAX_ITEMS:
                raise Refused(TOO_LONG)
    elif op is ast.Mult:
        if isinstance(left, SEQUENCES):
            _check_repeat(left, right)
        elif isinstance(right, SEQUENCES):
            _check_repeat(right, left)
    elif op is ast.Mod:
        # '%1000000000d' % 1 allocates a gigabyte.
        if isinstance(left, str | bytes | bytearray):
            raise Refused(FORMATTING)
    elif op is ast.Pow:
        _check_power(left, right)
    result = OPERATORS[op](left, right)
    if isinstance(result, complex):
        raise ExpressionFailed("the result is not a real number")
    return limited(result)


def _check_repeat(sequence: Any, times: Any) -> None:
    """Refuse repeating `sequence` unless `times` is a whole number that keeps it short."""
    # Only a plain int is trusted: anything else could fake a small count and repeat forever.
    if type(times) is not int and type(times) is not bool:
        raise ExpressionFailed(
            f"text or a list can only be repeated a whole number of times, not {kind(times)}"
        )
    if times > 0 and size(sequence) * times > MAX_ITEMS:
        raise Refused(TOO_LONG)


def _check_power(base: Any, exponent: Any) -> None:
    """Refuse ** unless both base and exponent are small enough to compute at once."""
    if not is_number(exponent):
        raise ExpressionFailed(f"the exponent must be a number, not {kind(exponent)}")
    if abs(exponent) > MAX_EXPONENT:
        raise Refused(
            Reason(f"exponent too large (at most {MAX_EXPONENT})", "exponent", max=MAX_EXPONENT)
        )
    if is_number(base) and abs(base) > MAX_POWER_BASE:
        raise Refused(
            Reason(
                f"base of ** too large (at most {MAX_POWER_BASE:,})",
                "power_base",
                max=f"{MAX_POWER_BASE:,}",
            )
        )
