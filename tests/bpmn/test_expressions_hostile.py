"""The safe expression grammar's refusals: hostile expressions and scripts are refused, never
run, and each refusal says specifically why."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from bpmn.errors import UnsafeExpression
from bpmn.expressions import check_expression, check_script, evaluate, execute
from tests.bpmn.hostile_expressions import HOSTILE, HOSTILE_SCRIPTS

# Anything a refused payload touches lands here; it must stay empty.
TOUCHED: list[str] = []


class Canary:
    """A value that records every use a payload could make of it."""

    def __getattr__(self, name):
        TOUCHED.append(f"getattr {name}")
        return self

    def __call__(self, *args, **kwargs):
        TOUCHED.append("call")
        return self

    def __getitem__(self, key):
        TOUCHED.append(f"getitem {key!r}")
        return self

    def __setitem__(self, key, value):
        TOUCHED.append(f"setitem {key!r}")

    def __iter__(self) -> Iterator[object]:
        TOUCHED.append("iter")
        return iter(())


def canary_function(*args, **kwargs):
    TOUCHED.append("function")


@pytest.fixture
def canary(tmp_path):
    path = tmp_path / "canary.txt"
    path.write_text("intact")
    TOUCHED.clear()
    return path


def _hostile_names() -> dict[str, object]:
    return {
        name: Canary() for name in ("x", "y", "a", "b", "items", "values", "data", "report")
    } | {
        "f": canary_function,
        "os": os,
        "eval": canary_function,
        "open": canary_function,
        "print": canary_function,
        "type": canary_function,
    }


def _short_id(source: str) -> str:
    return source if len(source) <= 40 else f"{source[:30]}…({len(source)} chars)"


@pytest.mark.parametrize("payload", HOSTILE, ids=_short_id)
def test_hostile_expressions_are_refused_and_never_run(payload, canary):
    source = payload.replace("{canary}", repr(str(canary)))
    with pytest.raises(UnsafeExpression) as refused:
        check_expression(source)
    assert refused.value.reason
    assert refused.value.source == source
    names = _hostile_names()
    before = dict(names)
    with pytest.raises(UnsafeExpression):
        evaluate(source, names)
    assert names == before
    assert TOUCHED == []
    assert canary.read_text() == "intact"


@pytest.mark.parametrize("payload", HOSTILE_SCRIPTS, ids=_short_id)
def test_hostile_scripts_are_refused_and_never_run(payload, canary):
    source = payload.replace("{canary}", repr(str(canary)))
    with pytest.raises(UnsafeExpression) as refused:
        check_script(source)
    assert refused.value.reason
    data = _hostile_names()
    before = dict(data)
    with pytest.raises(UnsafeExpression):
        execute(source, data)
    assert data == before
    assert TOUCHED == []
    assert canary.read_text() == "intact"


def test_the_hostile_corpus_is_large():
    assert len(HOSTILE) >= 35
    assert len(HOSTILE_SCRIPTS) >= 35


def test_calls_never_reach_callables_in_the_names(canary):
    names = {"len": canary_function, "max": Canary(), "items": [1, 2]}
    assert evaluate("len(items)", names) == 2
    assert evaluate("max(items)", names) == 2
    # The name itself still reads the task data: data comes before the built-ins.
    assert evaluate("len", names) is canary_function


@pytest.mark.parametrize(
    ("source", "reason"),
    [
        ("a.b", "attribute access (x.y) is not allowed"),
        ("open('f')", "calls to 'open' are not allowed; allowed functions: abs, all, any,"),
        ("lambda: 1", "lambda is not allowed"),
        ("__import__('os')", "names starting with '_' are not allowed"),
        ("_x + 1", "names starting with '_' are not allowed"),
        ("1 + " * 1003 + "1", "expression too long (4,013 characters; at most 2,000)"),
        ("not " * 300 + "x", "nesting too deep (more than 40 levels)"),
        ("(" * 200 + "1" + ")" * 200, "nesting too deep (more than 40 levels)"),
        ("2 ** 1000", "exponent too large"),
        ("'x' * 100000", "text or list too long"),
        ("f'{x}'", "f-strings are not allowed"),
        ("[x for x in y]", "comprehensions"),
        ("(x for x in y)", "generator expressions"),
        ("(y := 1)", "assignment expressions (:=) are not allowed"),
        ("x is 1", "'is' may only compare with None"),
        ("max(key=abs)", "keyword arguments (name=value) are not allowed"),
        ("min(*x)", "unpacking with * is not allowed"),
        ("1 << 2", "bit shifts (<<, >>) are not allowed"),
        ("x | y", "bitwise operators (|, &, ^) are not allowed"),
        ("b'x'", "bytes literals"),
        ("1j", "complex numbers"),
        ("+".join(["a"] * 300), "expression too complex (600 parts; at most 500)"),
        ("x = 1", "this is a statement, not an expression"),
        ("a +", "not a valid expression"),
        ("", "the expression is empty"),
    ],
)
def test_expression_reasons_are_specific(source, reason):
    with pytest.raises(UnsafeExpression) as refused:
        check_expression(source)
    assert reason in refused.value.reason


@pytest.mark.parametrize(
    ("script", "reason"),
    [
        ("import os", "import is not allowed"),
        ("def f(): pass", "defining functions (def) is not allowed"),
        ("for i in y: pass", "loops (for, while) are not allowed"),
        ("if a:\n    b = 1", "use 'a if condition else b'"),
        ("del x", "del is not allowed"),
        ("x.y = 1", "attribute access (x.y) is not allowed"),
        ("x[1:2] = y", "assigning to a slice"),
        ("x //= 2", "only +=, -=, *= and /= are allowed, not //="),
        ("print(1)", "a script may only assign values"),
        ("x = 1\n" * 51, "too many statements (51; at most 50)"),
        ("x = 1 # " + "a" * 5000, "script too long (5,008 characters; at most 5,000)"),
    ],
)
def test_script_reasons_are_specific(script, reason):
    with pytest.raises(UnsafeExpression) as refused:
        check_script(script)
    assert reason in refused.value.reason
