"""FEEL unary tests: every supported form matched as FEEL says, and the rest refused by name."""

from __future__ import annotations

from decimal import Decimal
from types import SimpleNamespace

import pytest

from bpmn import decisions, feel
from bpmn.decisions import FeelDMNEngine
from bpmn.errors import ExpressionFailed
from bpmn.script_engine import SafeScriptEngine

# (cell, input value, whether the cell matches it)
MATCHES = [
    # - (any)
    ("-", 5, True),
    ("-", None, True),
    (" - ", "x", True),
    # texts
    ('"Low"', "Low", True),
    ('"Low"', "low", False),
    ('"Low"', None, False),
    ('"5"', 5, False),
    ('"say \\"hi\\""', 'say "hi"', True),
    ('"预算"', "预算", True),
    # numbers
    ("5", 5, True),
    ("5", 5.0, True),
    ("5", Decimal("5.00"), True),
    ("5", "5", False),
    ("5", True, False),
    ("-2.5", -2.5, True),
    (".5", 0.5, True),
    ("0.7", 0.7, True),  # a float input is the decimal it is written as
    ("0.1", Decimal("0.1000000000000000001"), False),
    # booleans and null
    ("true", True, True),
    ("true", 1, False),
    ("true", "true", False),
    ("false", False, True),
    ("false", 0, False),
    ("false", None, False),
    ("null", None, True),
    ("null", 0, False),
    ("null", "", False),
    # comparisons
    ("< 5", 4.999, True),
    ("< 5", 5, False),
    ("<= 5", 5, True),
    ("> 5", 5, False),
    (">5", 6, True),
    (">= 3", 3, True),
    (">= 3", Decimal("2.99"), False),
    (">=18", 19, True),
    ("<18", 17, True),
    ("< 5", None, False),  # null is never ordered
    ('< "m"', "a", True),
    ('< "m"', "z", False),
    ("< -1", -1.5, True),
    ("<= 0.7", 0.7, True),
    # ranges
    ("[1..5]", 1, True),
    ("[1..5]", 5, True),
    ("[1..5]", 5.01, False),
    ("(1..5)", 1, False),
    ("(1..5)", 4.9, True),
    ("]1..5[", 5, False),
    ("]1..5[", 1.1, True),
    ("[1..5)", 5, False),
    ("(1..5]", 5, True),
    ("[-5..-1]", -3, True),
    ("[0.5..1.5]", 1.5, True),
    ('["a".."c"]', "b", True),
    ('["a".."c"]', "d", False),
    ("[1..5]", None, False),
    # lists: one test holding is enough
    ('"Medium","Low"', "Low", True),
    ('"Medium","Low"', "Medium", True),
    ('"Medium","Low"', "High", False),
    ('"Medium", "Low"', "Low", True),
    ("1, 2, 3", 2, True),
    ("< 0, > 100", 101, True),
    ("< 0, > 100", 50, False),
    ("[1..2], [5..6], 9", 5.5, True),
    ("null, 0", None, True),
    ("true, false", False, True),
    # not(…): no test may hold
    ('not("High")', "Low", True),
    ('not("High")', "High", False),
    ('not("High")', None, True),  # null = "High" is false, so not(…) holds
    ('not("Medium","Low")', "High", True),
    ('not("Medium","Low")', "Low", False),
    ("not([1..5])", 6, True),
    ("not([1..5])", 3, False),
    ("not(< 5)", 7, True),
    ("not(< 5)", None, False),  # null < 5 is null, and so is its negation
    ("not(null)", 0, True),
    ("not(true)", False, True),
    ("not(true)", True, False),
    ("not ( 1 , 2 )", 3, True),
]


def _engine_decides(cell: str, value: object) -> bool:
    task = SimpleNamespace(
        data={"v": value}, workflow=SimpleNamespace(script_engine=SafeScriptEngine())
    )
    return FeelDMNEngine(None).evaluate("v", cell, task)


@pytest.mark.parametrize(("cell", "value", "expected"), MATCHES)
def test_unary_tests_match_as_feel_says(cell, value, expected):
    assert feel.parse(cell).matches(value) is expected
    # And the engine, given the cell and the input expression, decides the same.
    assert _engine_decides(cell, value) is expected


@pytest.mark.parametrize(
    ("cell", "value", "message"),
    [
        ("< 5", "abc", "cell '< 5' compares numbers, but the input is text 'abc'"),
        ("[1..5]", True, "compares numbers, but the input is true/false"),
        ('["a".."c"]', 2, "compares text, but the input is a number"),
    ],
)
def test_ordering_a_value_of_another_type_fails_loudly(cell, value, message):
    with pytest.raises(ExpressionFailed, match=message.replace("[", r"\[").replace("(", r"\(")):
        feel.parse(cell).matches(value)


@pytest.mark.parametrize(
    ("cell", "reason"),
    [
        ('date("2020-01-01")', "'date' is a name or function"),
        ("> limit", "'limit' is a name or function"),
        ("[1..x]", "'x' is a name or function"),
        ('"open', "not closed"),
        ("[1..5", "expected"),
        ("1..5", "unexpected '..'"),
        ('[1.."a"]', "both ends of a range"),
        ("1,", "a test is missing"),
        (",1", "a test cannot start with ','"),
        ('"a" "b"', "unexpected 'b'"),
        ("not(1), 2", "unexpected ','"),
        ("1, not(2)", "not(…) may only surround the whole cell"),
        ("1e5", "is not a number"),
        ("5 + 1", "'+' has no meaning"),
        ("'a'", "''' has no meaning"),
        ('"\\q"', "escape"),
        ("1" * 50, "more than 40 digits"),
        (", ".join(["1"] * 201), "more than 200 tests"),
        ("1" + " " * 2_000, None),  # stripped: short enough
        ('"' + "x" * 2_001 + '"', "longer than 2,000 characters"),
    ],
)
def test_what_is_not_feel_is_said_why(cell, reason):
    if reason is None:
        assert feel.parse(cell).matches(1)
        return
    with pytest.raises(feel.NotFeel) as caught:
        feel.parse(cell)
    assert reason in caught.value.reason


# (cell, input expression, refusal fragment or None when it deploys)
DEPLOYABLE = [
    ('"Medium","Low"', "RiskCategory", None),
    ("true", "isAffordable", None),
    ("[1..5]", "n", None),
    ("not(< 5)", "n", None),
    ("null", "n", None),
    # Python-style cells keep working
    ("80 <= ? < 90", "score", None),
    (">= 90", "score", None),
    ("in ['a', 'b']", "code", None),
    ("!= 'a'", "code", None),
    ("True", "flag", None),
    ("is None", "x", None),
    ("not ? in [1, 2]", "x", None),
    ('"PEANUTS" in ?', "allergies", None),
    ("> limit", "amount", None),  # a name from the process data, as before
    # refused: would decide otherwise than written
    ('"a", b', "x", "a comma list is FEEL"),
    ("not(flag)", "x", "not(…) may only hold FEEL tests"),
    ("!= null", "x", "'null' is FEEL"),
    ("in [true, false]", "x", "'true' is FEEL"),
    ("? == true", "x", "'true' is FEEL"),
    # refused: neither language
    ("[1..x]", "n", "is neither a FEEL test ('x' is a name or function"),
    ('> date("2020-01-01")', "d", "is neither a FEEL test"),
    ("__import__('os')", "x", "is neither a FEEL test"),
    ("? > " + "1" * 2_000, "x", "longer than 2,000 characters"),
]


@pytest.mark.parametrize(("cell", "input_expression", "refusal"), DEPLOYABLE)
def test_cells_deploy_only_when_they_decide_as_written(cell, input_expression, refusal):
    problem = decisions.cell_problem(cell, input_expression)

    if refusal is None:
        assert problem is None
    else:
        assert problem is not None and refusal in problem.reason


def test_a_refusal_lists_the_supported_forms():
    problem = decisions.cell_problem("[1..x]", "n")

    assert problem.code == "dmn_cell_unsupported"
    assert "[1..5]" in problem.reason and "not(…)" in problem.reason and "true" in problem.reason


@pytest.mark.parametrize(
    ("text", "refusal"),
    [
        ('"Approved"', None),
        ("true", None),
        ("null", None),
        ("0.5", None),
        ("amount * 0.9", None),
        ("[true]", "'true' is FEEL"),
        ('date("2020-01-01")', "output cells may be texts"),
    ],
)
def test_output_cells(text, refusal):
    problem = decisions.output_problem(text)

    assert (problem is None) if refusal is None else (refusal in problem.reason)


def test_a_cell_deployed_before_the_check_fails_loudly_at_run_time():
    """A stored spec may still hold a misread cell: the engine refuses it, never decides."""
    with pytest.raises(ExpressionFailed, match="a comma list is FEEL"):
        _engine_decides('"a", b', "a")
