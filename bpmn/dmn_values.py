"""Sets of input values, as the overlap check of DMN decision tables reasons about them.

A cell of a decision table denotes a set of input values (bpmn/dmn_cells.py reads it into one);
two rules overlap when, in every column, their sets intersect (bpmn/dmn_overlap.py). Numbers form
a union of intervals with exact rational ends, so 0.3 is 0.3 and no float rounding can hide or
invent an overlap; booleans are two values of their own; other values (strings, None) form a
finite set or the complement of one.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

# (low, low included, high, high included); None is -infinity / +infinity.
Interval = tuple[Fraction | None, bool, Fraction | None, bool]
Intervals = tuple[Interval, ...]

_ALL_NUMBERS: Intervals = ((None, False, None, False),)
NO_NUMBERS: Intervals = ()


def nonempty(lo: Fraction | None, lo_in: bool, hi: Fraction | None, hi_in: bool) -> bool:
    if lo is None or hi is None:
        return True
    return lo < hi or (lo == hi and lo_in and hi_in)


def interval_and(a: Interval, b: Interval) -> Interval | None:
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
    return (lo, lo_in, hi, hi_in) if nonempty(lo, lo_in, hi, hi_in) else None


def _ends_first(a: Interval, b: Interval) -> bool:
    """Whether ``a`` ends no later than ``b`` (both sorted lists advance past the earlier end)."""
    if b[2] is None:
        return True
    if a[2] is None:
        return False
    return a[2] <= b[2]


def _numbers_and(a: Intervals, b: Intervals) -> Intervals:
    out: list[Interval] = []
    i = j = 0
    while i < len(a) and j < len(b):
        both = interval_and(a[i], b[j])
        if both is not None:
            out.append(both)
        if _ends_first(a[i], b[j]):
            i += 1
        else:
            j += 1
    return tuple(out)


def _numbers_meet(a: Intervals, b: Intervals) -> bool:
    i = j = 0
    while i < len(a) and j < len(b):
        if interval_and(a[i], b[j]) is not None:
            return True
        if _ends_first(a[i], b[j]):
            i += 1
        else:
            j += 1
    return False


def numbers_not(a: Intervals) -> Intervals:
    out: list[Interval] = []
    lo: Fraction | None = None
    lo_in = False
    for ilo, ilo_in, ihi, ihi_in in a:
        if ilo is not None and nonempty(lo, lo_in, ilo, not ilo_in):
            out.append((lo, lo_in, ilo, not ilo_in))
        if ihi is None:
            return tuple(out)
        lo, lo_in = ihi, not ihi_in
    out.append((lo, lo_in, None, False))
    return tuple(out)


@dataclass(frozen=True)
class Values:
    """A set of input values: numbers as intervals, other values as a (co)finite set."""

    numbers: Intervals
    others: frozenset[object]
    others_complement: bool  # True: every non-number except ``others``

    def __and__(self, other: Values) -> Values:
        numbers = _numbers_and(self.numbers, other.numbers)
        if self.others_complement and other.others_complement:
            return Values(numbers, self.others | other.others, True)
        if self.others_complement:
            return Values(numbers, other.others - self.others, False)
        if other.others_complement:
            return Values(numbers, self.others - other.others, False)
        return Values(numbers, self.others & other.others, False)

    def __invert__(self) -> Values:
        return Values(numbers_not(self.numbers), self.others, not self.others_complement)

    def __or__(self, other: Values) -> Values:
        return ~(~self & ~other)

    def has_others(self) -> bool:
        return self.others_complement or bool(self.others)

    def is_empty(self) -> bool:
        return not self.numbers and not self.has_others()

    def meets(self, other: Values) -> bool:
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


EVERYTHING = Values(_ALL_NUMBERS, frozenset(), True)
NOTHING = Values(NO_NUMBERS, frozenset(), False)


class Boolean:
    """A boolean input, a value of its own beside the numbers 1 and 0 (as FEEL sees it)."""

    __slots__ = ("value",)

    def __init__(self, value: bool) -> None:
        self.value = value

    def __repr__(self) -> str:
        return repr(self.value)


TRUE = Boolean(True)
FALSE = Boolean(False)


def _holds(numbers: Intervals, value: int) -> bool:
    point = Fraction(value)
    return any(interval_and(i, (point, True, point, True)) is not None for i in numbers)


def python_bools(values: Values) -> Values:
    """In a Python-style cell a boolean input matches exactly what 1 (True) or 0 matches."""
    others = set(values.others) - {TRUE, FALSE}
    for boolean, number in ((TRUE, 1), (FALSE, 0)):
        # In a complement, listed values are the excluded ones.
        if _holds(values.numbers, number) != values.others_complement:
            others.add(boolean)
    return Values(values.numbers, frozenset(others), values.others_complement)


# A test's outcome per input: (values giving True, values giving False); the rest raise.
TestOutcome = tuple[Values, Values]
