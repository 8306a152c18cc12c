"""Reading a cell's text into FEEL unary tests, by a small hand-written parser.

Nothing is ever evaluated as code: the text is split into tokens and read by the grammar the
package docstring lists; anything else raises NotFeel saying why.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from bpmn.errors import Reason
from bpmn.feel.matching import Equal, Literal, Range, Test, UnaryTests

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
