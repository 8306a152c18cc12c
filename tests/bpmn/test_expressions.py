"""The safe expression grammar: what it computes, and how it fails when it runs.

What it refuses, and that refusals never run: test_expressions_hostile.py."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from decimal import Decimal

import pytest

from bpmn.errors import ExpressionFailed, UnsafeExpression
from bpmn.expressions import check_expression, check_script, evaluate, execute, parsing
from bpmn.expressions.functions import ALLOWED_FUNCTIONS

DATA = {
    "a": 7,
    "b": 2,
    "x": 1.5,
    "amount": Decimal("1234.50"),
    "budget": Decimal("2000.00"),
    "score": 92,
    "level": 1,
    "levels": ["department", "finance", "director"],
    "review_outcome": "approved",
    "report": {
        "title": "Q3",
        "rows": [
            {"actual": Decimal("80.5"), "target": 100},
            {"actual": Decimal("120"), "target": 100},
        ],
    },
    "items": [3, 1, 2],
    "name": "Water Bureau",
    "missing": None,
    "flags": [True, False],
    "tags": {"urgent": 1},
}

POSITIVE = [
    ("a + b * 3", 13),
    ("a / b", 3.5),
    ("a // b", 3),
    ("a % b", 1),
    ("2 ** 10", 1024),
    ("2 ** -1", 0.5),
    ("-a + +b", -5),
    ("x * 2", 3.0),
    ("amount + budget", Decimal("3234.50")),
    ("amount / budget", Decimal("0.61725")),
    ("amount * 2 - budget", Decimal("469.00")),
    ("amount * 0.1", Decimal("123.450")),
    ("amount == 1234.5", True),
    ("budget - amount > 500", True),
    ("1 < a <= 7 < 10", True),
    ("1 < a < 5", False),
    ("a == 7 and b != 7", True),
    ("a > 10 or 'fallback'", "fallback"),
    ("0 and 1 / 0", 0),
    ("not missing", True),
    ("not (a > b)", False),
    ("'finance' in levels", True),
    ("'mayor' not in levels", True),
    ("'Bureau' in name", True),
    ("'urgent' in tags", True),
    ("report['rows'][0]['actual']", Decimal("80.5")),
    ("report['rows'][-1]['actual'] >= report['rows'][-1]['target']", True),
    ("levels[1:3]", ["finance", "director"]),
    ("name[:5]", "Water"),
    ("items[::-1]", [2, 1, 3]),
    ("'high' if score >= 90 else 'low'", "high"),
    ("abs(-a)", 7),
    ("all(flags)", False),
    ("any(flags)", True),
    ("bool(0)", False),
    ("float('2.5')", 2.5),
    ("int('42')", 42),
    ("len(levels)", 3),
    ("max(a, b)", 7),
    ("min(items)", 1),
    ("round(x)", 2),
    ("round(amount, 1)", Decimal("1234.5")),
    ("sorted(items)", [1, 2, 3]),
    ("sorted(tags)", ["urgent"]),
    ("str(a) + '%'", "7%"),
    ("sum(items)", 6),
    ("sum(items, 10)", 16),
    ("sum([amount, budget])", Decimal("3234.50")),
    ("missing is None", True),
    ("amount is not None", True),
    ("[a, b, 3]", [7, 2, 3]),
    ("{'total': a + b, 'parts': [a, b]}", {"total": 9, "parts": [7, 2]}),
    ("(1, 'two')", (1, "two")),
    ("{1, 2, 2}", {1, 2}),
    ("(score) >= 90", True),
    ('"P14D"', "P14D"),
    ("review_outcome == 'approved' and level < len(levels)", True),
    ("'-' * 10", "----------"),
    ("[0] * 3", [0, 0, 0]),
    ("None", None),
    ("len", len),
    ("\n    a > b\n  ", True),
]


@pytest.mark.parametrize(("source", "expected"), POSITIVE)
def test_evaluates_the_grammar(source, expected):
    names = copy.deepcopy(DATA)
    check_expression(source)
    result = evaluate(source, names)
    assert result == expected
    assert type(result) is type(expected)
    assert names == DATA


def test_allowed_functions_are_fixed_and_read_only():
    assert sorted(ALLOWED_FUNCTIONS) == [
        "abs",
        "all",
        "any",
        "bool",
        "float",
        "int",
        "len",
        "max",
        "min",
        "round",
        "sorted",
        "str",
        "sum",
    ]
    with pytest.raises(TypeError):
        ALLOWED_FUNCTIONS["open"] = abs


RUNTIME_FAILURES = [
    ("a ** b", {"a": 10, "b": 1000}, "exponent too large"),
    ("a ** 2", {"a": 10**7}, "base of ** too large"),
    ("a ** s", {"a": 2, "s": "3"}, "exponent must be a number"),
    ("a ** b", {"a": -8, "b": 0.5}, "not a real number"),
    ("s * n", {"s": "ab", "n": 10**6}, "too long"),
    ("n * s", {"s": "ab", "n": 10**6}, "too long"),
    ("items * n", {"items": [1, 2], "n": 10**6}, "too long"),
    ("rows * 200", {"rows": [[0] * 100]}, "too long"),
    ("s * 2.5", {"s": "ab"}, "whole number of times"),
    ("s + s", {"s": "x" * 6000}, "too long"),
    ("items + [1]", {"items": list(range(10_000))}, "too long"),
    ("[s, s]", {"s": "x" * 6000}, "too long"),
    ("a * a", {"a": 10**20}, "number too large"),
    ("a + 1", {"a": 10**30}, "number too large"),
    ("int(s)", {"s": "9" * 40}, "number too large"),
    ("a / b", {"a": 1, "b": 0}, "division by zero in 'a / b'"),
    ("a // b", {"a": 1, "b": 0}, "division by zero"),
    ("a % b", {"a": 1, "b": 0}, "division by zero"),
    ("amount / zero", {"amount": Decimal("1"), "zero": Decimal("0")}, "division by zero"),
    ("nope + 1", {}, "unknown name 'nope'"),
    ("report['nope']", {"report": {"title": "Q3"}}, "no key 'nope' in 'report'"),
    ("items[5]", {"items": [1]}, "index 5 is out of range for 'items'"),
    ("name['x']", {"name": "Water"}, "cannot look up 'x' in text"),
    ("'a' + 1", {}, "cannot use '+' on text and number"),
    ("-s", {"s": "a"}, "cannot use '-' on text"),
    ("a < s", {"a": 1, "s": "a"}, "cannot compare number and text with '<'"),
    ("fmt % n", {"fmt": "%1000000000d", "n": 1}, "formatting text with % is not allowed"),
    ("round(a, n)", {"a": 1, "n": -(10**9)}, "round() takes at most 100 digits"),
    ("sum(rows, start)", {"rows": [[1], [2]], "start": []}, "start value must be a number"),
    ("sorted(big)", {"big": list(range(10_001))}, "sorted() takes at most 10,000 items"),
    ("min(empty)", {"empty": []}, "min() failed"),
    ("int('x')", {}, "int() failed"),
    ("{items: 1}", {"items": [1]}, "cannot build"),
]


@pytest.mark.parametrize(("source", "names", "message"), RUNTIME_FAILURES)
def test_runtime_failures_are_expression_failed(source, names, message):
    check_expression(source)
    with pytest.raises(ExpressionFailed) as failed:
        evaluate(source, names)
    assert type(failed.value) is ExpressionFailed
    assert message in str(failed.value)


class ExplodingMapping(Mapping):
    def __getitem__(self, key):
        raise RuntimeError("the database went away")

    def __iter__(self):
        return iter(())

    def __len__(self):
        return 0


class Grumpy:
    def __eq__(self, other):
        raise RuntimeError("no comparisons today")

    __hash__ = object.__hash__


@pytest.mark.parametrize(
    ("source", "names"),
    [
        ("a", ExplodingMapping()),
        ("a == 1", {"a": Grumpy()}),
        ("a in items", {"a": 1, "items": [Grumpy()]}),
        ("a", None),
    ],
)
def test_no_raw_python_exception_escapes(source, names):
    with pytest.raises(ExpressionFailed):
        evaluate(source, names)


def test_cyclic_values_fail_cleanly():
    loop: list[object] = []
    loop.append(loop)
    other: list[object] = []
    other.append(other)
    with pytest.raises(ExpressionFailed):
        evaluate("a == b", {"a": loop, "b": other})


def test_scripts_assign_in_order_into_the_data():
    data = {"a": 1, "b": 3, "items": [0, 0]}
    execute("total = a + b\nratio = total / 2\nitems[0] = 5", data)
    assert data == {"a": 1, "b": 3, "items": [5, 0], "total": 4, "ratio": 2.0}


@pytest.mark.parametrize(
    ("script", "data", "expected"),
    [
        ("x += 1", {"x": 1}, {"x": 2}),
        ("x -= 1\ny *= 3\nz /= 2", {"x": 1, "y": 2, "z": 5}, {"x": 0, "y": 6, "z": 2.5}),
        ("a, b = 1, 2", {}, {"a": 1, "b": 2}),
        ("a, b = b, a", {"a": 1, "b": 2}, {"a": 2, "b": 1}),
        ("[a, b] = items", {"items": [1, 2]}, {"items": [1, 2], "a": 1, "b": 2}),
        ("a = b = 5", {}, {"a": 5, "b": 5}),
        ("counts['x'] += 2", {"counts": {"x": 1}}, {"counts": {"x": 3}}),
        ("r['rows'][0]['ok'] = True", {"r": {"rows": [{}]}}, {"r": {"rows": [{"ok": True}]}}),
        ("names += ['c']", {"names": ["a"]}, {"names": ["a", "c"]}),
        ("total = amount * 0.5", {"amount": Decimal("10")}, {"amount": 10, "total": 5}),
        ("pass", {"x": 1}, {"x": 1}),
        ("", {"x": 1}, {"x": 1}),
        ("\n    x = 1\n    y = x + 1\n", {}, {"x": 1, "y": 2}),
        ("x = 1; y = x * 2", {}, {"x": 1, "y": 2}),
    ],
)
def test_scripts(script, data, expected):
    check_script(script)
    execute(script, data)
    assert data == expected


@pytest.mark.parametrize(
    ("script", "data", "message"),
    [
        ("x += 1", {}, "unknown name 'x'"),
        ("a, b = items", {"items": [1, 2, 3]}, "needs exactly 2 values"),
        ("items[5] = 1", {"items": [1]}, "index 5 is out of range"),
        ("s[0] = 'x'", {"s": "abc"}, "cannot assign into text"),
        ("items[0] = items", {"items": [1]}, "cannot contain itself"),
        ("s = 'x' * 10000\ny = s + s", {}, "too long"),
        ("a = [0]\n" + "a = [a, a]\n" * 20, {}, "too long"),
        ("a = [0] * 5000\n" + "b = [0, 0]\nb[0] = a\nb[1] = a\na = b\n" * 2, {}, "too long"),
        ("x = 1 / 0", {}, "division by zero in '1 / 0'"),
    ],
)
def test_script_failures(script, data, message):
    with pytest.raises(ExpressionFailed) as failed:
        execute(script, data)
    assert type(failed.value) is ExpressionFailed
    assert message in str(failed.value)


def test_sources_must_be_text():
    with pytest.raises(UnsafeExpression, match="must be text"):
        evaluate(b"1", {})


def test_checked_sources_are_cached():
    source = "cached_probe + 1 > 2"
    evaluate(source, {"cached_probe": 1})
    hits = parsing.checked.cache_info().hits
    evaluate(source, {"cached_probe": 5})
    check_expression(source)
    assert parsing.checked.cache_info().hits == hits + 2
