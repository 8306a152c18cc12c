"""Read one cell of a DMN decision table into the set of input values it matches.

Never evaluates the cell: FEEL cells go through bpmn/feel.py's parser, Python-style cells
through ``ast.parse`` only, mirroring how SpiffWorkflow's ``DMNEngine.evaluate`` would read them
(the rules are spelled out in bpmn/dmn_overlap.py's docstring). A cell whose set cannot be
worked out (a name, a call, a text range...) is "unknown", with the reason, so the overlap check
can say why it assumed the worst.
"""

from __future__ import annotations

import ast
import math
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from bpmn import decisions, feel
from bpmn.dmn_values import (
    EVERYTHING,
    FALSE,
    NO_NUMBERS,
    NOTHING,
    TRUE,
    Intervals,
    TestOutcome,
    Values,
    nonempty,
    numbers_not,
    python_bools,
)

_PLACEHOLDER = "dmninputexpr"
# The very pattern SpiffWorkflow uses to replace '?' outside quotes.
_QUESTION_MARK = decisions.QUESTION_MARK
_SHOWN_CELL_LENGTH = 60


class _Unknown(Exception):
    """The cell is not something whose set of values can be worked out."""

    def __init__(self, why: str) -> None:
        super().__init__(why)
        self.why = why


def _literal(node: ast.expr) -> Values:
    """The one-value set of a literal (number, bool, string, bytes, None)."""
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        inner = _literal(node.operand)
        if inner.has_others() or len(inner.numbers) != 1:
            raise _Unknown("is not a comparison")
        value = inner.numbers[0][0]
        assert value is not None
        if isinstance(node.op, ast.USub):
            value = -value
        return Values(((value, True, value, True),), frozenset(), False)
    if isinstance(node, ast.Constant):
        value = node.value
        if isinstance(value, bool | int):
            exact = Fraction(int(value))
        elif isinstance(value, float):
            if not math.isfinite(value):
                raise _Unknown("uses a number that is not finite")
            # The decimal it is written as: how the safe grammar compares it with a Decimal,
            # and (repr being monotonic) in the same order as it compares with floats.
            exact = Fraction(Decimal(repr(value)))
        elif value is None or isinstance(value, str | bytes):
            return Values(NO_NUMBERS, frozenset([value]), False)
        else:
            raise _Unknown("is not a comparison")
        return Values(((exact, True, exact, True),), frozenset(), False)
    if isinstance(node, ast.Tuple):
        raise _Unknown(
            "is a tuple (SpiffWorkflow compares it with ==; it is not a list of alternatives)"
        )
    raise _Unknown("is not a comparison")


def _number(node: ast.expr) -> Fraction:
    values = _literal(node)
    if values.has_others():
        raise _Unknown("orders values that are not numbers")
    low = values.numbers[0][0]
    assert low is not None
    return low


def _members(node: ast.expr) -> Values:
    if not isinstance(node, ast.List | ast.Tuple | ast.Set):
        raise _Unknown("is not a membership test in a literal list")
    members = NOTHING
    for element in node.elts:
        members = members | _literal(element)
    return members


_FLIPPED: dict[type[ast.cmpop], type[ast.cmpop]] = {
    ast.Lt: ast.Gt,
    ast.Gt: ast.Lt,
    ast.LtE: ast.GtE,
    ast.GtE: ast.LtE,
    ast.Eq: ast.Eq,
    ast.NotEq: ast.NotEq,
    ast.Is: ast.Is,
    ast.IsNot: ast.IsNot,
}


def _is_input(node: ast.expr) -> bool:
    return isinstance(node, ast.Name) and node.id == _PLACEHOLDER


def _compare(left: ast.expr, op: ast.cmpop, right: ast.expr) -> TestOutcome:
    """Outcome of ``input op literal`` (or ``literal op input``)."""
    if _is_input(left) == _is_input(right):
        raise _Unknown("is not a comparison of the input with a literal")
    op_type: type[ast.cmpop] = type(op)
    literal = right
    if _is_input(right):
        if op_type not in _FLIPPED:
            raise _Unknown("tests membership in the input, not of the input")
        op_type, literal = _FLIPPED[op_type], left
    if op_type in (ast.Eq, ast.NotEq):
        equal = _literal(literal)
        return (equal, ~equal) if op_type is ast.Eq else (~equal, equal)
    if op_type in (ast.In, ast.NotIn):
        members = _members(literal)
        return (members, ~members) if op_type is ast.In else (~members, members)
    if op_type in (ast.Is, ast.IsNot):
        if not isinstance(literal, ast.Constant) or not (
            literal.value is None or isinstance(literal.value, bool)
        ):
            raise _Unknown("is not a comparison")
        same = _literal(literal)
        # 'x is True' is False for x == 1: only None is exact, the rest is a safe superset.
        differ = ~same if literal.value is None else EVERYTHING
        return (same, differ) if op_type is ast.Is else (differ, same)
    bound = _number(literal)
    if op_type is ast.Lt:
        true: Intervals = ((None, False, bound, False),)
    elif op_type is ast.LtE:
        true = ((None, False, bound, True),)
    elif op_type is ast.Gt:
        true = ((bound, False, None, False),)
    elif op_type is ast.GtE:
        true = ((bound, True, None, False),)
    else:
        raise _Unknown("is not a comparison")
    # Ordering a non-number against a number raises: neither True nor False.
    return (
        Values(true, frozenset(), False),
        Values(numbers_not(true), frozenset(), False),
    )


def _test(node: ast.expr) -> TestOutcome:
    """Outcome of a boolean test of the input (Python's three-valued and/or/not)."""
    if isinstance(node, ast.BoolOp):
        true, false = _test(node.values[0])
        for value in node.values[1:]:
            then_true, then_false = _test(value)
            if isinstance(node.op, ast.And):
                true, false = true & then_true, false | (true & then_false)
            else:
                true, false = true | (false & then_true), false & then_false
        return true, false
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        true, false = _test(node.operand)
        return false, true
    if isinstance(node, ast.Compare):
        operands = [node.left, *node.comparators]
        outcome: TestOutcome | None = None
        for op, left, right in zip(node.ops, operands, operands[1:], strict=False):
            then_true, then_false = _compare(left, op, right)
            if outcome is None:
                outcome = then_true, then_false
            else:
                true, false = outcome
                outcome = true & then_true, false | (true & then_false)
        assert outcome is not None
        return outcome
    if isinstance(node, ast.Constant) and isinstance(node.value, bool):
        return (EVERYTHING, NOTHING) if node.value else (NOTHING, EVERYTHING)
    raise _Unknown("is not a comparison")


def _feel_test(test: feel.Test) -> TestOutcome:
    """(values the test holds for, values it is False for); null and raising are neither."""
    if isinstance(test, feel.Equal):
        value = test.value
        if isinstance(value, bool):
            same = Values(NO_NUMBERS, frozenset([TRUE if value else FALSE]), False)
        elif isinstance(value, Decimal):
            exact = Fraction(value)
            same = Values(((exact, True, exact, True),), frozenset(), False)
        else:  # a text or null
            same = Values(NO_NUMBERS, frozenset([value]), False)
        return same, ~same
    if not test.numeric:
        raise _Unknown("orders texts, which this check cannot compare")
    low = None if test.low is None else Fraction(test.low)
    high = None if test.high is None else Fraction(test.high)
    true: Intervals = (
        ((low, test.low_included, high, test.high_included),)
        if nonempty(low, test.low_included, high, test.high_included)
        else ()
    )
    return (
        Values(true, frozenset(), False),
        Values(numbers_not(true), frozenset(), False),
    )


def _feel_values(tests: feel.UnaryTests) -> Values:
    """The inputs a FEEL cell matches: any test holding, or with not(…) every test False."""
    outcomes = [_feel_test(test) for test in tests.tests]
    if not tests.negated:
        values = NOTHING
        for true, _ in outcomes:
            values = values | true
        return values
    values = EVERYTHING
    for _, false in outcomes:
        values = values & false
    return values


@dataclass(frozen=True)
class Cell:
    shown: str
    values: Values
    is_any: bool = False
    unknown: str | None = None  # why the set cannot be worked out
    unknown_code: str | None = None  # its code, when a refused cell's problem says it
    textual: bool = False  # mentions texts, booleans or null: prefer a non-number example
    feel: bool = False  # written in FEEL: examples spell true, false and null its way


ANY = Cell("-", EVERYTHING, is_any=True)


def is_any_text(text: str | None) -> bool:
    return text is None or text.strip() in ("", "-")


def read_cell(text: str | None) -> Cell:
    if text is None or is_any_text(text):
        return ANY
    shown = " ".join(text.split())
    if len(shown) > _SHOWN_CELL_LENGTH:
        shown = shown[: _SHOWN_CELL_LENGTH - 3] + "..."
    try:
        tests = decisions.read_cell(text)
    except decisions.CellRefused as refused:
        return Cell(
            shown,
            EVERYTHING,
            unknown=refused.reason,
            unknown_code=refused.problem.code,
        )
    if tests is not None:
        try:
            values = _feel_values(tests)
        except _Unknown as unknown:
            return Cell(shown, EVERYTHING, unknown=unknown.why, feel=True)
        textual = any(
            isinstance(test, feel.Equal) and not isinstance(test.value, Decimal)
            for test in tests.tests
        )
        return Cell(shown, values, textual=textual, feel=True)
    tree: ast.AST | None = None
    try:
        replaced = _QUESTION_MARK.sub(_PLACEHOLDER, text)
        if _PLACEHOLDER in replaced:
            tree = ast.parse(replaced.strip(), mode="eval")
            values = _test(tree.body)[0]
        else:
            try:
                ast.parse(text)
                standalone = True
            except SyntaxError:
                standalone = False
            if standalone:
                tree = ast.parse(f"({text})", mode="eval")
                values = _literal(tree.body)
            else:
                tree = ast.parse(f"{_PLACEHOLDER} {text.strip()}", mode="eval")
                values = _test(tree.body)[0]
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return Cell(shown, EVERYTHING, unknown="cannot be parsed as a Python expression")
    except _Unknown as unknown:
        return Cell(shown, EVERYTHING, unknown=unknown.why)
    constants = [node.value for node in ast.walk(tree) if isinstance(node, ast.Constant)]
    return Cell(
        shown,
        python_bools(values),
        textual=any(value is None or isinstance(value, str | bytes | bool) for value in constants),
    )
