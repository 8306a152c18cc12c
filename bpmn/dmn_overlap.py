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

This module is the pairwise search (bounded by MAX_COMPARISONS before any pair is compared) and
the example input each reported overlap shows; reading a cell is bpmn/dmn_cells.py, and the sets
of values it reads into are bpmn/dmn_values.py.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, localcontext
from fractions import Fraction

from bpmn.dmn_cells import ANY, Cell, is_any_text, read_cell
from bpmn.dmn_values import Boolean, Interval, Intervals, interval_and

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


# ---------------------------------------------------------------------------------------------
# Examples for the messages
# ---------------------------------------------------------------------------------------------


def _inside(value: Fraction, interval: Interval) -> bool:
    return interval_and(interval, (value, True, value, True)) is not None


def _short_number(interval: Interval) -> Fraction | None:
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


def _example_number(numbers: Intervals) -> Fraction:
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
    if isinstance(value, Boolean):
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


def _example(first: Cell, second: Cell) -> str:
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


def _reason(first: int, second: int, pairs: list[tuple[str, Cell, Cell]]) -> Overlap:
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
    cache: dict[str | None, Cell] = {}
    table: list[list[Cell]] = []
    for row, rule in enumerate(rules, start=1):
        if len(rule) > len(columns):
            raise ValueError(
                f"rule {row} has {len(rule)} input cells but the table has {len(columns)} inputs"
            )
        cells = []
        for text in rule:
            if text not in cache:
                cache[text] = read_cell(text)
            cells.append(cache[text])
        cells.extend([ANY] * (len(columns) - len(rule)))
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
    return any(all(is_any_text(text) for text in rule) for rule in rules)
