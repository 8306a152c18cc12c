"""The details deploy refusals quote are said in the user's language (issue 9, "one language").

Why an expression or script is outside the safe grammar (bpmn/expressions/), why a decision
cell is not FEEL (bpmn/feel.py), why a UNIQUE table's cells cannot be shown to exclude each
other (bpmn/dmn_overlap.py) and the DMN files the catalogue refuses each carry a code; the pages
say them from web/workflow/messages/deploy.json. The zh-CN modeller showed them in English.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from flask import Flask, g

from bpmn import expressions, feel
from bpmn.errors import UnsafeExpression
from bpmn.xml import Source
from engine.composition import build_engine
from engine.workflow.clock import ManualClock
from engine.workflow.definitions import problems_of
from tests.bpmn.test_dmn_cells_deploy import _table
from web.workflow.definition_problems import say

CATALOGUE = json.loads(
    (Path(__file__).resolve().parents[2] / "web/workflow/messages/deploy.json").read_text("utf-8")
)
CHINESE = re.compile(r"[\u4e00-\u9fff]")
ENGLISH_RUN = re.compile(r"[a-z]+ [a-z]+ [a-z]+ [a-z]+")

# Expressions, then scripts, each refused for the reason its code names.
EXPRESSIONS = {
    "too_deep": "(" * 45 + "1" + ")" * 45,
    "number_too_large": "1" + "0" * 31,
    "too_long": "[1] * 100000",
    "formatting": "'%d' % 1",
    "exponent": "2 ** 1000",
    "power_base": "10000000 ** 2",
    "attribute": "amount.__class__",
    "lambda": "lambda: 1",
    "comprehension": "[x for x in y]",
    "generator": "(x for x in y)",
    "fstring": "f'{a}'",
    "walrus": "(a := 1)",
    "await": "await x",
    "yield": "(yield 1)",
    "starred": "[*a]",
    "slice_outside": "a[1:2, 3]",
    "bit_shift": "1 << 2",
    "bitwise": "1 | 2",
    "matmul": "a @ b",
    "bytes_literal": "b'x'",
    "complex_literal": "1j",
    "ellipsis": "...",
    "underscore": "_secret",
    "unpacking": "{**a}",
    "is": "a is 1",
    "call_by_name": "a[0](1)",
    "call": "open('x')",
    "keywords": "abs(x=1)",
    "statement_not_expression": "a = 1",
    "syntax": "a +* 1",
    "syntax_nowhere": "x if",
    "text_too_long": "1 + " * 600 + "1",
    "empty": "  ",
    "too_complex": "+".join(["a"] * 300),
}
SCRIPTS = {
    "import": "import os",
    "def": "def f():\n    pass",
    "class": "class A:\n    pass",
    "loop": "for i in x:\n    pass",
    "if_statement": "if a:\n    b = 1",
    "with": "with a:\n    pass",
    "try": "try:\n    pass\nexcept Exception:\n    pass",
    "return": "return 1",
    "del": "del a",
    "global": "global a",
    "raise": "raise x",
    "assert": "assert a",
    "annotation": "x: int = 1",
    "match": "match a:\n    case 1:\n        pass",
    "bare_expression": "a",
    "assign_target": "(a, b)[0] = 1",
    "augmented": "x //= 2",
    "statement": "break",
    "slice_assignment": "a[1:2] = b",
    "too_many_statements": "\n".join(["a = 1"] * 51),
}
# Kept for constructs Python 3.11 does not have, or that its parser never gives us.
UNREACHABLE = {"not_allowed", "literal", "assignment_in_expression", "invalid_text", "not_text"}

FEEL_CELLS = {
    "name": 'date("2026-01-01")',
    "char": "@",
    "escape": '"\\q"',
    "unclosed_text": '"open',
    "long_number": "1" * 60,
    "not_number": "1a",
    "expected": "< ]",
    "expected_end": "<",
    "trailing": '"a" "b"',
    "many_tests": ",".join(["1"] * 300),
    "missing_test": "1,",
    "range_ends": '[1.."a"]',
    "inner_not": "1, not(2)",
    "test_start": ", 1",
}


def _refusal(text: str, script: bool) -> UnsafeExpression:
    with pytest.raises(UnsafeExpression) as refused:
        (expressions.check_script if script else expressions.check_expression)(text)
    return refused.value


def _said(key: str, language: str, params: dict) -> str:
    return CATALOGUE[key][language].format(**{k: str(v) for k, v in params.items()})


def _check_chinese(text: str) -> None:
    assert CHINESE.search(text), text
    assert not ENGLISH_RUN.search(text), text


def test_every_safe_grammar_refusal_has_a_code_said_in_both_languages():
    codes = {
        name[len("deploy.detail.") :] for name in CATALOGUE if name.startswith("deploy.detail.")
    }
    # Every message is for a refusal that happens (or one kept on purpose), and every refusal
    # has its message.
    assert codes - UNREACHABLE == set(EXPRESSIONS) | set(SCRIPTS)
    for samples, script in ((EXPRESSIONS, False), (SCRIPTS, True)):
        for code, text in samples.items():
            refused = _refusal(text, script)
            assert refused.code == code, (text, refused.code, refused.reason)
            chinese = _said(f"deploy.detail.{code}", "zh-CN", refused.params)
            _check_chinese(chinese)
            assert "{" not in _said(f"deploy.detail.{code}", "en", refused.params)


def test_every_feel_refusal_has_a_code_said_in_both_languages():
    codes = {name[len("deploy.feel.") :] for name in CATALOGUE if name.startswith("deploy.feel.")}
    assert codes - {"not_text", "too_long"} == set(FEEL_CELLS)  # those two: checked before
    for code, cell in FEEL_CELLS.items():
        with pytest.raises(feel.NotFeel) as refused:
            feel.parse(cell)
        reason = refused.value.reason
        assert reason.code == code, (cell, reason)
        _check_chinese(_said(f"deploy.feel.{code}", "zh-CN", reason.params))


@pytest.fixture
def operations():
    return build_engine(ManualClock(datetime(2026, 1, 5, tzinfo=UTC))).operations.names()


def _problems(sessions, operations, *sources: Source):
    with sessions() as session:
        return problems_of(session, list(sources), operations)


def _in(language: str, problem) -> str:
    with Flask(__name__).app_context():
        g.lang = language
        return say(problem)


BPMN = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
    'id="Definitions_details" targetNamespace="http://budgetloop/bpmn">\n'
    '<bpmn:process id="details" isExecutable="true">\n'
    '<bpmn:startEvent id="Start_1"><bpmn:outgoing>Flow_1</bpmn:outgoing></bpmn:startEvent>\n'
    '<bpmn:scriptTask id="Script_Import"><bpmn:incoming>Flow_1</bpmn:incoming>'
    "<bpmn:outgoing>Flow_2</bpmn:outgoing><bpmn:script>import os</bpmn:script>"
    "</bpmn:scriptTask>\n"
    '<bpmn:exclusiveGateway id="Gateway_1" default="Flow_3"><bpmn:incoming>Flow_2'
    "</bpmn:incoming><bpmn:outgoing>Flow_3</bpmn:outgoing><bpmn:outgoing>Flow_4"
    "</bpmn:outgoing></bpmn:exclusiveGateway>\n"
    '<bpmn:endEvent id="End_1"><bpmn:incoming>Flow_3</bpmn:incoming>'
    "<bpmn:incoming>Flow_4</bpmn:incoming></bpmn:endEvent>\n"
    '<bpmn:sequenceFlow id="Flow_1" sourceRef="Start_1" targetRef="Script_Import" />\n'
    '<bpmn:sequenceFlow id="Flow_2" sourceRef="Script_Import" targetRef="Gateway_1" />\n'
    '<bpmn:sequenceFlow id="Flow_3" sourceRef="Gateway_1" targetRef="End_1" />\n'
    '<bpmn:sequenceFlow id="Flow_4" sourceRef="Gateway_1" targetRef="End_1">'
    "<bpmn:conditionExpression>amount.__class__</bpmn:conditionExpression>"
    "</bpmn:sequenceFlow>\n"
    "</bpmn:process>\n</bpmn:definitions>\n"
)


def test_unsafe_expressions_and_scripts_are_explained_in_chinese(sessions, operations):
    problems = _problems(sessions, operations, Source("details.bpmn", BPMN))
    by_code = {problem.code: problem for problem in problems}
    assert set(by_code) == {"unsafe_script", "unsafe_expression"}

    script = _in("zh-CN", by_code["unsafe_script"])
    assert (
        script == "脚本超出安全语法（只允许赋值语句）：不允许 import"
    )  # was: import is not allowed
    condition = _in("zh-CN", by_code["unsafe_expression"])
    assert condition.endswith("：不允许访问属性（x.y）"), condition
    assert "attribute access" not in condition
    assert _in("en", by_code["unsafe_expression"]).endswith(
        ": attribute access (x.y) is not allowed"
    )


def test_decision_cells_are_explained_in_chinese(sessions, operations):
    (cell,) = _problems(
        sessions, operations, _table([(['date("2026-01-01")'], '"a"')], hit_policy="COLLECT")
    )
    assert cell.code == "dmn_cell_unsupported"
    chinese = _in("zh-CN", cell)
    # Both reasons, each in Chinese: not FEEL (a function), not the safe grammar (not allowed).
    assert "“date”是名称或函数" in chinese and "不允许调用“date”" in chinese, chinese
    _check_chinese(chinese)
    english = _in("en", cell)
    assert "'date' is a name or function" in english and "calls to 'date'" in english

    overlap = [
        problem
        for problem in _problems(
            sessions, operations, _table([(["> limit"], '"a"'), (['"A" in ?'], '"b"')])
        )
        if problem.code == "unique_overlap_unknown"
    ]
    (problem,) = overlap
    chinese = _in("zh-CN", problem)
    assert "“isAffordable”列的单元格 > limit 不是与输入的比较" in chinese, chinese
    assert "检验的是某值是否在输入之中" in chinese, chinese
    _check_chinese(chinese)
    assert "tests membership in the input" in _in("en", problem)


DMN_HEAD = '<?xml version="1.0" encoding="UTF-8"?>'
DMN_NS = "https://www.omg.org/spec/DMN/20191111/MODEL/"


@pytest.mark.parametrize(
    ("text", "code"),
    [
        (
            f'{DMN_HEAD}<definitions xmlns="{DMN_NS}" id="D" name="d" namespace="x" />',
            "dmn_no_decision",
        ),
        (
            f'{DMN_HEAD}<semantic:definitions xmlns:semantic="{DMN_NS}" id="D" name="d" '
            'namespace="x"><semantic:decision id="d1" name="d1" /></semantic:definitions>',
            "dmn_prefixed",
        ),
        (
            f'{DMN_HEAD}<definitions xmlns="{DMN_NS}" id="D" name="d" namespace="x">'
            '<decision id="d1" name="d1"><literalExpression id="L"><text>1</text>'
            "</literalExpression></decision></definitions>",
            "dmn_no_table",
        ),
    ],
)
def test_dmn_files_the_catalogue_refuses_have_codes(sessions, operations, text, code):
    (problem,) = _problems(sessions, operations, Source("d.dmn", text))
    assert problem.code == code
    _check_chinese(_in("zh-CN", problem))
    assert _in("en", problem) != problem.reason or code == "dmn_no_decision"


def test_a_decision_provided_twice_in_one_deployment_is_named(sessions, operations):
    first = _table([(["1"], '"a"')], hit_policy="COLLECT")
    second = Source("again.dmn", first.text)
    problems = _problems(sessions, operations, first, second)
    (problem,) = [p for p in problems if p.code == "decision_provided"]
    assert problem.params == {"decision": "approval", "other": "approval.dmn"}
    assert _in("zh-CN", problem).startswith("决策“approval”已由 approval.dmn 提供")
