"""FEEL unary tests, the language DMN decision tables write their input cells in.

Only the part of FEEL that decision-table cells use is understood, by a small hand-written
parser (nothing is ever evaluated as code):

* ``-``: any input;
* literals: ``"text"``, numbers (``5``, ``-2.5``, ``.5``), ``true``, ``false``, ``null``;
* comparisons with a number or a text: ``< 5``, ``<= 5``, ``> 5``, ``>= "m"``;
* ranges: ``[1..5]`` (ends included), ``(1..5)`` and ``]1..5[`` (ends excluded), mixed ends;
* a comma list of any of these, matching when one of them does: ``"Medium","Low"``;
* ``not(…)`` around such a list: matching when none of them does.

Anything else (names, functions such as ``date()``, arithmetic) is not FEEL this module reads:
:func:`parse` raises :class:`NotFeel` saying why, and the caller decides what to do with it.

Matching follows FEEL where it is clear: a test never matches a value of another type (``true``
does not match 1, ``"5"`` does not match 5) and a null input matches only ``null`` (and
``not(…)`` of tests it does not equal). Ordering a value of the wrong type (``< 5`` against a
text) is an authoring mistake, not a quiet "no": it raises ExpressionFailed, which the engine
turns into an incident. Numbers compare exactly as decimals; a float input counts as the decimal
it is written as (0.7 is 0.7), as the safe expression grammar does beside money.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from bpmn.errors import ExpressionFailed, Reason

MAX_CELL_LENGTH = 2_000
MAX_TESTS = 200
MAX_DIGITS = 40  # in one number literal: far beyond any amount, and cheap to compare

FEEL_FORMS = (
    '-, "text", 5, true, false, null, < 5, >= 3, [1..5], (1..5), ]1..5[, '
    'lists such as "Medium","Low", and not(…)'
)


class NotFeel(Exception):
    """The text is not a FEEL unary test this module reads; `reason` says why (a Reason with a
    code for the pages, message `deploy.feel.<code>`)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


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


# ---------------------------------------------------------------------------------------------
# Reading a cell


_ESCAPES = {'"': '"', "\\": "\\", "n": "\n", "t": "\t", "r": "\r", "'": "'"}
_SYMBOLS = ("<=", ">=", "..", "<", ">", "[", "]", "(", ")", ",")
_WORDS = {"true": True, "false": False, "null": None}


@dataclass(frozen=True)
class _Token:
    kind: str  # "number", "string", "word", or the symbol itself
    value: Any
    at: int


def _tokens(text: str) -> list[_Token]:
    """Split a cell into tokens; NotFeel for anything outside the unary-test grammar."""
    tokens: list[_Token] = []
    i = 0
    n = len(text)
    while i < n:
        char = text[i]
        if char.isspace():
            i += 1
            continue
        if char == '"':
            value, i = _string(text, i)
            tokens.append(_Token("string", value, i))
            continue
        starts_number = char.isdigit() or (
            char in "-." and i + 1 < n and (text[i + 1].isdigit() or text[i + 1] == ".")
        )
        if starts_number and not text.startswith("..", i):
            value, i = _numeral(text, i)
            tokens.append(_Token("number", value, i))
            continue
        symbol = next((s for s in _SYMBOLS if text.startswith(s, i)), None)
        if symbol is not None:
            tokens.append(_Token(symbol, symbol, i))
            i += len(symbol)
            continue
        if char.isalpha() or char == "_":
            start = i
            while i < n and (text[i].isalnum() or text[i] == "_"):
                i += 1
            word = text[start:i]
            if word not in _WORDS and word != "not":
                raise NotFeel(
                    Reason(
                        f"'{word}' is a name or function, which FEEL cells here cannot use",
                        "name",
                        word=word,
                    )
                )
            tokens.append(_Token("word", word, i))
            continue
        raise NotFeel(Reason(f"'{char}' has no meaning in a FEEL unary test", "char", char=char))
    return tokens


def _string(text: str, i: int) -> tuple[str, int]:
    out: list[str] = []
    i += 1
    while i < len(text):
        char = text[i]
        if char == '"':
            return "".join(out), i + 1
        if char == "\\":
            escaped = text[i + 1 : i + 2]
            if escaped not in _ESCAPES:
                raise NotFeel(
                    Reason(
                        f"the escape '\\{escaped}' is not supported in FEEL text",
                        "escape",
                        escape=f"\\{escaped}",
                    )
                )
            out.append(_ESCAPES[escaped])
            i += 2
            continue
        out.append(char)
        i += 1
    raise NotFeel(Reason("a text in double quotes is not closed", "unclosed_text"))


def _numeral(text: str, i: int) -> tuple[Decimal, int]:
    start = i
    if text[i] == "-":
        i += 1
    while i < len(text) and text[i].isdigit():
        i += 1
    # "1..5": the dot belongs to the range, not to the number.
    if i + 1 < len(text) and text[i] == "." and text[i + 1].isdigit():
        i += 1
        while i < len(text) and text[i].isdigit():
            i += 1
    literal = text[start:i]
    if sum(c.isdigit() for c in literal) > MAX_DIGITS:
        raise NotFeel(
            Reason(
                f"the number {literal[:20]}… has more than {MAX_DIGITS} digits",
                "long_number",
                max=MAX_DIGITS,
            )
        )
    if i < len(text) and (text[i].isalpha() or text[i] == "_"):
        raise NotFeel(
            Reason(
                f"'{literal}{text[i]}…' is not a number", "not_number", text=f"{literal}{text[i]}…"
            )
        )
    try:
        return Decimal(literal), i
    except InvalidOperation:
        raise NotFeel(Reason(f"'{literal}' is not a number", "not_number", text=literal)) from None


class _Reader:
    def __init__(self, text: str, tokens: list[_Token]) -> None:
        self.text = text
        self.tokens = tokens
        self.i = 0

    def peek(self) -> _Token | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self, *kinds: str) -> _Token:
        token = self.peek()
        if token is None or token.kind not in kinds:
            found = "the end" if token is None else f"'{token.value}'"
            expected = " or ".join(repr(k) for k in kinds)
            if token is None:
                raise NotFeel(
                    Reason(
                        f"expected {expected} but found {found}", "expected_end", expected=expected
                    )
                )
            raise NotFeel(
                Reason(
                    f"expected {expected} but found {found}",
                    "expected",
                    expected=expected,
                    found=found,
                )
            )
        self.i += 1
        return token

    def cell(self) -> UnaryTests:
        token = self.peek()
        if token is not None and token.kind == "word" and token.value == "not":
            self.i += 1
            self.take("(")
            tests = self.tests()
            self.take(")")
            negated = True
        else:
            tests = self.tests()
            negated = False
        if self.peek() is not None:
            raise NotFeel(
                Reason(
                    f"unexpected '{self.peek().value}' after the tests",
                    "trailing",
                    text=self.peek().value,
                )
            )
        return UnaryTests(tuple(tests), negated)

    def tests(self) -> list[Test]:
        tests = [self.test()]
        while self.peek() is not None and self.peek().kind == ",":
            self.i += 1
            tests.append(self.test())
            if len(tests) > MAX_TESTS:
                raise NotFeel(
                    Reason(f"more than {MAX_TESTS} tests in one cell", "many_tests", max=MAX_TESTS)
                )
        return tests

    def test(self) -> Test:
        start = self.peek()
        if start is None:
            raise NotFeel(
                Reason("a test is missing (two commas, or a comma at the end)", "missing_test")
            )
        if start.kind in ("<", "<=", ">", ">="):
            self.i += 1
            bound = self.endpoint()
            shown = f"{start.kind} {_show(bound)}"
            if start.kind in ("<", "<="):
                return Range(None, False, bound, start.kind == "<=", shown)
            return Range(bound, start.kind == ">=", None, False, shown)
        if start.kind in ("[", "(", "]"):
            self.i += 1
            low = self.endpoint()
            self.take("..")
            high = self.endpoint()
            end = self.take("]", ")", "[")
            if isinstance(low, Decimal) != isinstance(high, Decimal):
                raise NotFeel(
                    Reason("both ends of a range must be numbers, or both texts", "range_ends")
                )
            shown = f"{start.kind}{_show(low)}..{_show(high)}{end.kind}"
            return Range(low, start.kind == "[", high, end.kind == "]", shown)
        if start.kind in ("number", "string"):
            self.i += 1
            return Equal(start.value)
        if start.kind == "word" and start.value in _WORDS:
            self.i += 1
            return Equal(_WORDS[start.value])
        if start.kind == "word":
            raise NotFeel(Reason("not(…) may only surround the whole cell", "inner_not"))
        raise NotFeel(
            Reason(f"a test cannot start with '{start.value}'", "test_start", text=start.value)
        )

    def endpoint(self) -> Decimal | str:
        token = self.take("number", "string")
        return token.value


def _show(value: Decimal | str) -> str:
    return f'"{value}"' if isinstance(value, str) else str(value)


@functools.lru_cache(maxsize=2048)
def _parse_cached(text: str) -> UnaryTests | str:
    try:
        return _Reader(text, _tokens(text)).cell()
    except NotFeel as error:
        return error.reason


def parse(text: str) -> UnaryTests:
    """Read a cell as FEEL unary tests; NotFeel (with the reason) when it is something else."""
    if not isinstance(text, str):
        raise NotFeel(
            Reason(
                f"a cell must be text, not {type(text).__name__}",
                "not_text",
                kind=type(text).__name__,
            )
        )
    stripped = text.strip()
    if stripped in ("", "-"):
        return UnaryTests(())
    if len(stripped) > MAX_CELL_LENGTH:
        raise NotFeel(
            Reason(
                f"the cell is longer than {MAX_CELL_LENGTH:,} characters",
                "too_long",
                max=f"{MAX_CELL_LENGTH:,}",
            )
        )
    parsed = _parse_cached(stripped)
    if isinstance(parsed, str):
        raise NotFeel(parsed)
    return parsed


def literal(text: str) -> tuple[bool, Literal]:
    """(True, value) when an output cell is exactly `true`, `false` or `null`; else (False, None).

    Texts and numbers mean the same in FEEL and in the safe grammar and are left to it.
    """
    stripped = text.strip() if isinstance(text, str) else ""
    if stripped in _WORDS:
        return True, _WORDS[stripped]
    return False, None
