"""Find rules of a DMN decision table that can match the same input.

SpiffWorkflow evaluates hit policy UNIQUE as "first match wins" and never checks that the rules
exclude each other, so a table with overlapping rules silently gives order-dependent answers.
This module reads the input cells (never evaluating them: only ``ast.parse``) and reports every
pair of rules that can match one input, so such a table can be rejected at deployment.

A cell is read as the engine reads it (bpmn/decisions.py):

* ``None``, empty or ``-``: matches anything;
* FEEL unary tests (bpmn/feel.py): ``"a", "b"``, ``[1..5]``, ``< 5``, ``true``, ``null``,
  ``not(…)``.  FEEL is strict about types: ``true`` matches only the boolean, ``5`` only numbers;
* otherwise SpiffWorkflow's Python-style cells, mirrored from its ``DMNEngine.evaluate``: a ``?``
  outside quotes stands for the input and the whole cell is a test (``80 <= ? < 90``,
  ``not ? in [1, 2]``); a cell that parses as Python on its own is compared with ``==``
  (``'Larry'``, ``True``, ``None``); anything else is appended to the input expression
  (``!= 'A'``, ``in ['a', 'b']``, ``is None``).  In Python ``True == 1``, so there a boolean
  input matches what 1 (or 0) matches.

Each cell denotes a set of input values.  Numbers form a union of intervals with exact rational
ends; every number is taken as the decimal it is written as (a float input 0.3 is 0.3), which is
how both readings compare a float with a literal or a Decimal.  Booleans are two values of their
own; other values (strings, ``None``) form a finite set or the complement of one.  A comparison
that would raise at run time (``"x" > 5``) is no match.  Any other cell (a name, a call, a text
range...) is "unknown": it may match anything, and the reason says so.  Two rules overlap when,
in every column, the sets of their two cells intersect.
"""

from __future__ import annotations

import ast
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, localcontext
from fractions import Fraction

from bpmn import decisions, feel

MAX_OVERLAPS = 50
"""At most this many pairs are reported (the messages stay readable)."""
MAX_RULES = 1_000
"""A decision table has at most this many rules (bpmn/validation.py refuses more, whatever the
hit policy)."""
MAX_COMPARISONS = 200_000
"""The check compares every pair of rules, so its work grows with the square of the rules; a
table needing more pair comparisons than this (about 630 rules) is refused before any is made:
``n * (n - 1) / 2`` for ``n`` rules that can match something."""


class TooManyComparisons(ValueError):
    """The table has too many rules for the pairwise check: split it or use COLLECT."""

    def __init__(self, rules: int, comparisons: int, maximum: int) -> None:
        super().__init__(
            f"too many rules to check for overlaps ({rules} rules need {comparisons} "
            f"comparisons, more than {maximum}); split the table or use COLLECT"
        )
        self.rules = rules
        self.comparisons = comparisons
        self.maximum = maximum


_PLACEHOLDER = "dmninputexpr"
# The very pattern SpiffWorkflow uses to replace '?' outside quotes.
_QUESTION_MARK = decisions.QUESTION_MARK
_SHOWN_CELL_LENGTH = 60

# ---------------------------------------------------------------------------------------------
# Sets of input values
# ---------------------------------------------------------------------------------------------

# (low, low included, high, high included); None is -infinity / +infinity.
_Interval = tuple[Fraction | None, bool, Fraction | None, bool]
_Intervals = tuple[_Interval, ...]

_ALL_NUMBERS: _Intervals = ((None, False, None, False),)
_NO_NUMBERS: _Intervals = ()


def _nonempty(lo: Fraction | None, lo_in: bool, hi: Fraction | None, hi_in: bool) -> bool:
    if lo is None or hi is None:
        return True
    return lo < hi or (lo == hi and lo_in and hi_in)


def _interval_and(a: _Interval, b: _Interval) -> _Interval | None:
    alo, alo_in, ahi, ahi_in = a
    blo, blo_in, bhi, bhi_in = b
    if alo is None:
        lo, lo_in = blo, blo_in
    elif blo is None or alo > blo:
        lo, lo_in = alo, alo_in
    elif blo > alo:
        lo, lo_in = blo, blo_in
    else:
        lo, lo_in = alo, alo_in and blo_in
    if ahi is None:
        hi, hi_in = bhi, bhi_in
    elif bhi is None or ahi < bhi:
        hi, hi_in = ahi, ahi_in
    elif bhi < ahi:
        hi, hi_in = bhi, bhi_in
    else:
        hi, hi_in = ahi, ahi_in and bhi_in
    return (lo, lo_in, hi, hi_in) if _nonempty(lo, lo_in, hi, hi_in) else None


def _ends_first(a: _Interval, b: _Interval) -> bool:
    """Whether ``a`` ends no later than ``b`` (both sorted lists advance past the earlier end)."""
    if b[2] is None:
        return True
    if a[2] is None:
        return False
    return a[2] <= b[2]


def _numbers_and(a: _Intervals, b: _Intervals) -> _Intervals:
    out: list[_Interval] = []
    i = j = 0
    while i < len(a) and j < len(b):
        both = _interval_and(a[i], b[j])
        if both is not None:
            out.append(both)
        if _ends_first(a[i], b[j]):
            i += 1
        else:
            j += 1
    return tuple(out)


def _numbers_meet(a: _Intervals, b: _Intervals) -> bool:
    i = j = 0
    while i < len(a) and j < len(b):
        if _interval_and(a[i], b[j]) is not None:
            return True
        if _ends_first(a[i], b[j]):
            i += 1
        else:
            j += 1
    return False


def _numbers_not(a: _Intervals) -> _Intervals:
    out: list[_Interval] = []
    lo: Fraction | None = None
    lo_in = False
    for ilo, ilo_in, ihi, ihi_in in a:
        if ilo is not None and _nonempty(lo, lo_in, ilo, not ilo_in):
            out.append((lo, lo_in, ilo, not ilo_in))
        if ihi is None:
            return tuple(out)
        lo, lo_in = ihi, not ihi_in
    out.append((lo, lo_in, None, False))
    return tuple(out)


@dataclass(frozen=True)
class _Values:
    """A set of input values: numbers as intervals, other values as a (co)finite set."""

    numbers: _Intervals
    others: frozenset[object]
    others_complement: bool  # True: every non-number except ``others``

    def __and__(self, other: _Values) -> _Values:
        numbers = _numbers_and(self.numbers, other.numbers)
        if self.others_complement and other.others_complement:
            return _Values(numbers, self.others | other.others, True)
        if self.others_complement:
            return _Values(numbers, other.others - self.others, False)
        if other.others_complement:
            return _Values(numbers, self.others - other.others, False)
        return _Values(numbers, self.others & other.others, False)

    def __invert__(self) -> _Values:
        return _Values(_numbers_not(self.numbers), self.others, not self.others_complement)

    def __or__(self, other: _Values) -> _Values:
        return ~(~self & ~other)

    def has_others(self) -> bool:
        return self.others_complement or bool(self.others)

    def is_empty(self) -> bool:
        return not self.numbers and not self.has_others()

    def meets(self, other: _Values) -> bool:
        if self.others_complement and other.others_complement:
            return True
        if self.others_complement:
            if not other.others <= self.others:
                return True
        elif other.others_complement:
            if not self.others <= other.others:
                return True
        elif not self.others.isdisjoint(other.others):
            return True
        return _numbers_meet(self.numbers, other.numbers)


_EVERYTHING = _Values(_ALL_NUMBERS, frozenset(), True)
_NOTHING = _Values(_NO_NUMBERS, frozenset(), False)


class _Boolean:
    """A boolean input, a value of its own beside the numbers 1 and 0 (as FEEL sees it)."""

    __slots__ = ("value",)

    def __init__(self, value: bool) -> None:
        self.value = value

    def __repr__(self) -> str:
        return repr(self.value)


_TRUE = _Boolean(True)
_FALSE = _Boolean(False)


def _holds(numbers: _Intervals, value: int) -> bool:
    point = Fraction(value)
    return any(_interval_and(i, (point, True, point, True)) is not None for i in numbers)


def _python_bools(values: _Values) -> _Values:
    """In a Python-style cell a boolean input matches exactly what 1 (True) or 0 matches."""
    others = set(values.others) - {_TRUE, _FALSE}
    for boolean, number in ((_TRUE, 1), (_FALSE, 0)):
        # In a complement, listed values are the excluded ones.
        if _holds(values.numbers, number) != values.others_complement:
            others.add(boolean)
    return _Values(values.numbers, frozenset(others), values.others_complement)


# A test's outcome per input: (values giving True, values giving False); the rest raise.
_Outcome = tuple[_Values, _Values]

# ---------------------------------------------------------------------------------------------
# Reading cells
# ---------------------------------------------------------------------------------------------


class _Unknown(Exception):
    """The cell is not something whose set of values can be worked out."""

    def __init__(self, why: str) -> None:
        super().__init__(why)
        self.why = why


def _literal(node: ast.expr) -> _Values:
    """The one-value set of a literal (number, bool, string, bytes, None)."""
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        inner = _literal(node.operand)
        if inner.has_others() or len(inner.numbers) != 1:
            raise _Unknown("is not a comparison")
        value = inner.numbers[0][0]
        assert value is not None
        if isinstance(node.op, ast.USub):
            value = -value
        return _Values(((value, True, value, True),), frozenset(), False)
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
            return _Values(_NO_NUMBERS, frozenset([value]), False)
        else:
            raise _Unknown("is not a comparison")
        return _Values(((exact, True, exact, True),), frozenset(), False)
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


def _members(node: ast.expr) -> _Values:
    if not isinstance(node, ast.List | ast.Tuple | ast.Set):
        raise _Unknown("is not a membership test in a literal list")
    members = _NOTHING
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


def _compare(left: ast.expr, op: ast.cmpop, right: ast.expr) -> _Outcome:
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
        differ = ~same if literal.value is None else _EVERYTHING
        return (same, differ) if op_type is ast.Is else (differ, same)
    bound = _number(literal)
    if op_type is ast.Lt:
        true: _Intervals = ((None, False, bound, False),)
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
        _Values(true, frozenset(), False),
        _Values(_numbers_not(true), frozenset(), False),
    )


def _test(node: ast.expr) -> _Outcome:
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
        outcome: _Outcome | None = None
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
        return (_EVERYTHING, _NOTHING) if node.value else (_NOTHING, _EVERYTHING)
    raise _Unknown("is not a comparison")


def _feel_test(test: feel.Test) -> _Outcome:
    """(values the test holds for, values it is False for); null and raising are neither."""
    if isinstance(test, feel.Equal):
        value = test.value
        if isinstance(value, bool):
            same = _Values(_NO_NUMBERS, frozenset([_TRUE if value else _FALSE]), False)
        elif isinstance(value, Decimal):
            exact = Fraction(value)
            same = _Values(((exact, True, exact, True),), frozenset(), False)
        else:  # a text or null
            same = _Values(_NO_NUMBERS, frozenset([value]), False)
        return same, ~same
    if not test.numeric:
        raise _Unknown("orders texts, which this check cannot compare")
    low = None if test.low is None else Fraction(test.low)
    high = None if test.high is None else Fraction(test.high)
    true: _Intervals = (
        ((low, test.low_included, high, test.high_included),)
        if _nonempty(low, test.low_included, high, test.high_included)
        else ()
    )
    return (
        _Values(true, frozenset(), False),
        _Values(_numbers_not(true), frozenset(), False),
    )


def _feel_values(tests: feel.UnaryTests) -> _Values:
    """The inputs a FEEL cell matches: any test holding, or with not(…) every test False."""
    outcomes = [_feel_test(test) for test in tests.tests]
    if not tests.negated:
        values = _NOTHING
        for true, _ in outcomes:
            values = values | true
        return values
    values = _EVERYTHING
    for _, false in outcomes:
        values = values & false
    return values


@dataclass(frozen=True)
class _Cell:
    shown: str
    values: _Values
    is_any: bool = False
    unknown: str | None = None  # why the set cannot be worked out
    unknown_code: str | None = None  # its code, when a refused cell's problem says it
    textual: bool = False  # mentions texts, booleans or null: prefer a non-number example
    feel: bool = False  # written in FEEL: examples spell true, false and null its way


_ANY = _Cell("-", _EVERYTHING, is_any=True)


def _is_any_text(text: str | None) -> bool:
    return text is None or text.strip() in ("", "-")


def _read_cell(text: str | None) -> _Cell:
    if text is None or _is_any_text(text):
        return _ANY
    shown = " ".join(text.split())
    if len(shown) > _SHOWN_CELL_LENGTH:
        shown = shown[: _SHOWN_CELL_LENGTH - 3] + "..."
    try:
        tests = decisions.read_cell(text)
    except decisions.CellRefused as refused:
        return _Cell(
            shown,
            _EVERYTHING,
            unknown=refused.reason,
            unknown_code=refused.problem.code,
        )
    if tests is not None:
        try:
            values = _feel_values(tests)
        except _Unknown as unknown:
            return _Cell(shown, _EVERYTHING, unknown=unknown.why, feel=True)
        textual = any(
            isinstance(test, feel.Equal) and not isinstance(test.value, Decimal)
            for test in tests.tests
        )
        return _Cell(shown, values, textual=textual, feel=True)
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
        return _Cell(shown, _EVERYTHING, unknown="cannot be parsed as a Python expression")
    except _Unknown as unknown:
        return _Cell(shown, _EVERYTHING, unknown=unknown.why)
    constants = [node.value for node in ast.walk(tree) if isinstance(node, ast.Constant)]
    return _Cell(
        shown,
        _python_bools(values),
        textual=any(value is None or isinstance(value, str | bytes | bool) for value in constants),
    )


# ---------------------------------------------------------------------------------------------
# Examples for the messages
# ---------------------------------------------------------------------------------------------


def _inside(value: Fraction, interval: _Interval) -> bool:
    return _interval_and(interval, (value, True, value, True)) is not None


def _short_number(interval: _Interval) -> Fraction | None:
    """A whole or short decimal number inside a non-empty interval."""
    lo, lo_in, hi, hi_in = interval
    if lo is not None and lo_in:
        return lo
    if lo is None:
        if hi is None:
            return Fraction(0)
        return hi if hi_in else Fraction(math.ceil(hi) - 1)
    if hi is None:
        return Fraction(math.floor(lo) + 1)
    for digits in range(40):
        step = Fraction(1, 10**digits)
        candidate = (math.floor(lo / step) + 1) * step
        if _inside(candidate, interval):
            return candidate
    return hi if hi_in else None


def _example_number(numbers: _Intervals) -> Fraction:
    for interval in numbers:
        short = _short_number(interval)
        if short is not None:
            return short
    lo, _, hi, _ = numbers[0]
    assert lo is not None and hi is not None
    return (lo + hi) / 2


def _show_number(value: Fraction) -> str:
    if value.denominator == 1:
        return str(value.numerator)
    with localcontext() as context:
        context.prec = 80
        return format(Decimal(value.numerator) / Decimal(value.denominator), "f")


def _show_other(value: object, feel_spelling: bool) -> str:
    if isinstance(value, _Boolean):
        return ("true" if value.value else "false") if feel_spelling else repr(value.value)
    if value is None and feel_spelling:
        return "null"
    return repr(value)


def _fresh_strings() -> Iterator[str]:
    yield from ("x", "y", "z")
    count = 1
    while True:
        yield f"x{count}"
        count += 1


def _example(first: _Cell, second: _Cell) -> str:
    both = first.values & second.values
    prefer_other = (first.textual or second.textual) and both.has_others()
    if both.numbers and not prefer_other:
        return _show_number(_example_number(both.numbers))
    if both.others_complement:
        return repr(next(s for s in _fresh_strings() if s not in both.others))
    value = min(both.others, key=lambda value: (value is None, repr(value)))
    return _show_other(value, first.feel or second.feel)


# Why a cell's values cannot be worked out, as codes for the pages (deploy.overlap.<code>).
_UNKNOWN_CODES = {
    "is not a comparison": "not_comparison",
    "uses a number that is not finite": "not_finite",
    "is a tuple (SpiffWorkflow compares it with ==; it is not a list of alternatives)": "tuple",
    "orders values that are not numbers": "orders_non_numbers",
    "is not a membership test in a literal list": "not_membership",
    "is not a comparison of the input with a literal": "not_literal_comparison",
    "tests membership in the input, not of the input": "membership_in_input",
    "orders texts, which this check cannot compare": "orders_texts",
    "cannot be parsed as a Python expression": "unparsable",
}


def _reason(first: int, second: int, pairs: list[tuple[str, _Cell, _Cell]]) -> Overlap:
    rules = f"rules {first} and {second}"
    unknown: list[str] = []
    unknowns: list[Unknown] = []
    for column, a, b in pairs:
        cells = [a] if a.shown == b.shown else [a, b]
        for cell in cells:
            if cell.unknown:
                unknown.append(f"column '{column}' cell '{cell.shown}' {cell.unknown}")
                code = cell.unknown_code or _UNKNOWN_CODES.get(str(cell.unknown))
                unknowns.append(Unknown(column, cell.shown, code, cell.unknown))
    if unknown:
        why = "; ".join(unknown)
        return Overlap(
            first,
            second,
            f"{rules} cannot be shown to exclude each other: {why}",
            unknown=why,
            unknowns=tuple(unknowns),
        )
    constrained = [(column, a, b) for column, a, b in pairs if not (a.is_any and b.is_any)]
    if not constrained:
        return Overlap(first, second, f"{rules} both match every input")
    example = ", ".join(f"{column} = {_example(a, b)}" for column, a, b in constrained)
    cells = "; ".join(
        f"column '{column}': '{a.shown}' and '{b.shown}'" for column, a, b in constrained
    )
    return Overlap(
        first, second, f"{rules} both match {example} ({cells})", example=example, cells=cells
    )


# ---------------------------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Unknown:
    """A cell whose values the check cannot work out: where, and why (`code` for the pages)."""

    column: str
    cell: str
    code: str | None
    reason: str


@dataclass(frozen=True)
class Overlap:
    """Two rules of a decision table that can match the same input."""

    first: int  # 1-based row number of the earlier rule
    second: int  # 1-based row number of the later rule
    reason: str
    # The parts of `reason`, for saying it in another language: an input both rules match and
    # the cells that do ("" when they both match every input), or why that cannot be told.
    example: str = field(default="", compare=False)
    cells: str = field(default="", compare=False)
    unknown: str = field(default="", compare=False)
    unknowns: tuple[Unknown, ...] = field(default=(), compare=False)


def find_overlaps(
    columns: Sequence[str],
    rules: Sequence[Sequence[str | None]],
    *,
    limit: int = MAX_OVERLAPS,
    max_comparisons: int = MAX_COMPARISONS,
) -> list[Overlap]:
    """Pairs of rules that can match the same input (each rule: one cell text per input column).

    Pairs come in row order (by first, then second rule), at most ``limit`` of them.  A rule with
    fewer cells than columns matches anything in the missing columns, as SpiffWorkflow does.
    Raises TooManyComparisons, before comparing any pair, when the table's rules that can match
    something form more than ``max_comparisons`` pairs.
    """
    if limit < 1:
        return []
    cache: dict[str | None, _Cell] = {}
    table: list[list[_Cell]] = []
    for row, rule in enumerate(rules, start=1):
        if len(rule) > len(columns):
            raise ValueError(
                f"rule {row} has {len(rule)} input cells but the table has {len(columns)} inputs"
            )
        cells = []
        for text in rule:
            if text not in cache:
                cache[text] = _read_cell(text)
            cells.append(cache[text])
        cells.extend([_ANY] * (len(columns) - len(rule)))
        table.append(cells)

    # A rule with a cell no value satisfies (e.g. '? > 5 and ? < 1') never matches anything.
    live = [not any(cell.values.is_empty() for cell in cells) for cells in table]
    matching = sum(live)
    comparisons = matching * (matching - 1) // 2
    if comparisons > max_comparisons:
        raise TooManyComparisons(matching, comparisons, max_comparisons)
    # Per rule, only the columns it constrains matter when testing a pair.
    constrained = [[c for c, cell in enumerate(cells) if not cell.is_any] for cells in table]
    overlaps: list[Overlap] = []
    for i, first in enumerate(table):
        if not live[i]:
            continue
        for j in range(i + 1, len(table)):
            second = table[j]
            if not live[j]:
                continue
            if all(
                first[c].values.meets(second[c].values)
                for c in constrained[i]
                if not second[c].is_any
            ):
                pairs = [(column, first[c], second[c]) for c, column in enumerate(columns)]
                overlaps.append(_reason(i + 1, j + 1, pairs))
                if len(overlaps) >= limit:
                    return overlaps
    return overlaps


def has_catch_all(rules: Sequence[Sequence[str | None]]) -> bool:
    """Whether some rule matches everything (all cells empty or '-')."""
    return any(all(_is_any_text(text) for text in rule) for rule in rules)
