"""What a FEEL cell means once read, and how it matches an input value.

Matching follows FEEL where it is clear: a test never matches a value of another type (``true``
does not match 1, ``"5"`` does not match 5) and a null input matches only ``null`` (and
``not(…)`` of tests it does not equal). Ordering a value of the wrong type (``< 5`` against a
text) is an authoring mistake, not a quiet "no": it raises ExpressionFailed, which the engine
turns into an incident. Numbers compare exactly as decimals; a float input counts as the decimal
it is written as (0.7 is 0.7), as the safe expression grammar does beside money.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from bpmn.errors import ExpressionFailed

Literal = Decimal | str | bool | None


@dataclass(frozen=True)
class Equal:
    """Matches the one value `value` (of the same type)."""

    value: Literal

    def test(self, value: Any) -> bool | None:
        """True or False; FEEL equality is never null."""
        expected = self.value
        if expected is None:
            return value is None
        if isinstance(expected, bool):
            return isinstance(value, bool) and value is expected
        if isinstance(expected, str):
            return isinstance(value, str) and value == expected
        number = _number(value)
        return number is not None and not number.is_nan() and number == expected


@dataclass(frozen=True)
class Range:
    """Matches values between `low` and `high` (None: unbounded on that side)."""

    low: Decimal | str | None
    low_included: bool
    high: Decimal | str | None
    high_included: bool
    shown: str

    @property
    def numeric(self) -> bool:
        return isinstance(self.low, Decimal) or isinstance(self.high, Decimal)

    def test(self, value: Any) -> bool | None:
        """True, False, or None (null) for a null input; raises for a value of another type."""
        if value is None:
            return None
        if self.numeric:
            compared = _number(value)
            if compared is None:
                raise ExpressionFailed(
                    f"cell '{self.shown}' compares numbers, but the input is {_kind(value)}"
                    f" {_brief(value)}"
                )
            if compared.is_nan():
                return None
        elif isinstance(value, str):
            compared = value
        else:
            raise ExpressionFailed(
                f"cell '{self.shown}' compares text, but the input is {_kind(value)}"
                f" {_brief(value)}"
            )
        if self.low is not None:
            if compared < self.low or (compared == self.low and not self.low_included):
                return False
        if self.high is not None:
            if compared > self.high or (compared == self.high and not self.high_included):
                return False
        return True


Test = Equal | Range


@dataclass(frozen=True)
class UnaryTests:
    """A whole cell: a list of tests, maybe inside not(…); no tests at all is '-' (any)."""

    tests: tuple[Test, ...]
    negated: bool = False

    @property
    def is_any(self) -> bool:
        return not self.tests

    def matches(self, value: Any) -> bool:
        """Whether the input `value` satisfies the cell."""
        if not self.tests:
            return True
        if not self.negated:
            # FEEL's "or": the first test that holds decides; null and False do not match.
            return any(test.test(value) is True for test in self.tests)
        # not(a, b) holds when every test is False: one True or one null (unknown) fails it.
        return all(test.test(value) is False for test in self.tests)


def _number(value: Any) -> Decimal | None:
    """`value` as an exact Decimal, or None when it is not a number (booleans are not)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        # repr is the shortest text that reads back as the same float: 0.7, not 0.69999…
        return Decimal(repr(value))
    return None


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float | Decimal):
        return "a number"
    if isinstance(value, str):
        return "text"
    return type(value).__name__


def _brief(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:39] + "…"
