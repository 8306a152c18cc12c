"""FEEL unary tests, the language DMN decision tables write their input cells in.

Only the part of FEEL that decision-table cells use is understood, by a small hand-written
parser (nothing is ever evaluated as code):

* ``-``: any input;
* literals: ``"text"``, numbers (``5``, ``-2.5``, ``.5``), ``true``, ``false``, ``null``;
* comparisons with a number or a text: ``< 5``, ``<= 5``, ``> 5``, ``>= "m"``;
* ranges: ``[1..5]`` (ends included), ``(1..5)`` and ``]1..5[`` (ends excluded), mixed ends;
* a comma list of any of these, matching when one of them does: ``"Medium","Low"``;
* ``not(…)`` around such a list: matching when none of them does.

Anything else (names, functions such as ``date()``, arithmetic) is not FEEL this package reads:
:func:`parse` raises :class:`NotFeel` saying why, and the caller decides what to do with it.

The package's names are here; its two halves are modules of their own:

- parsing: the limits, the tokens and the reader that turn a cell's text into tests;
- matching: what the tests are, and how a cell matches an input value.

Parsing imports matching, never the other way round.
"""

from __future__ import annotations

from bpmn.feel.matching import Equal, Literal, Range, Test, UnaryTests
from bpmn.feel.parsing import (
    FEEL_FORMS,
    MAX_CELL_LENGTH,
    MAX_DIGITS,
    MAX_TESTS,
    NotFeel,
    literal,
    parse,
)

__all__ = [
    "FEEL_FORMS",
    "MAX_CELL_LENGTH",
    "MAX_DIGITS",
    "MAX_TESTS",
    "Equal",
    "Literal",
    "NotFeel",
    "Range",
    "Test",
    "UnaryTests",
    "literal",
    "parse",
]
