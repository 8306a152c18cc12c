"""Deploying decision tables: FEEL cells deploy; misread ones are refused by rule and column."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from xml.sax.saxutils import escape

import pytest
from flask import Flask, g

from bpmn.xml import Source
from engine.actors import Actor
from engine.composition import build_engine
from engine.errors import DefinitionRejected
from engine.workflow.clock import ManualClock
from engine.workflow.definitions import deploy
from web.workflow.definition_problems import say

OPERATOR = Actor.system("test")


def _table(
    rules: list[tuple[list[str], str]],
    *,
    hit_policy: str = "UNIQUE",
    columns: tuple[str, ...] = ("isAffordable",),
) -> Source:
    """A DMN 1.3 file with decision 'approval': one rule per (input cells, output cell)."""
    inputs = "".join(
        f'<input id="Input_{n}" label="{name}"><inputExpression id="InputExpression_{n}">'
        f"<text>{name}</text></inputExpression></input>"
        for n, name in enumerate(columns, start=1)
    )
    body = "".join(
        f'<rule id="Rule_{r}">'
        + "".join(
            f'<inputEntry id="In_{r}_{c}"><text>{escape(cell)}</text></inputEntry>'
            for c, cell in enumerate(cells, start=1)
        )
        + f'<outputEntry id="Out_{r}"><text>{escape(output)}</text></outputEntry></rule>'
        for r, (cells, output) in enumerate(rules, start=1)
    )
    text = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="Defs_approval" '
        'name="approval" namespace="http://budgetloop/dmn">'
        '<decision id="approval" name="审批">'
        f'<decisionTable id="Table_approval" hitPolicy="{hit_policy}">{inputs}'
        '<output id="Output_1" name="status" typeRef="string" />'
        f"{body}</decisionTable></decision></definitions>"
    )
    return Source("approval.dmn", text)


@pytest.fixture
def operations():
    return build_engine(ManualClock(datetime(2026, 1, 5, tzinfo=UTC))).operations.names()


def _problems(sessions, operations, source: Source) -> list:
    with sessions() as session, session.begin():
        try:
            deploy(session, [source], OPERATOR, operations)
        except DefinitionRejected as rejected:
            return rejected.problems
    return []


def test_true_and_false_rows_of_a_unique_table_deploy(sessions, operations):
    """They used to be refused as 'cannot be shown to exclude each other: … 'true' is not a
    comparison', and when deployed as COLLECT raised 'unknown name' at run time."""
    source = _table([(["true"], '"yes"'), (["false"], '"no"')])

    assert _problems(sessions, operations, source) == []


def test_overlapping_boolean_rows_are_named_with_the_value_both_match(sessions, operations):
    source = _table([(["true"], '"yes"'), (["-"], '"maybe"')])

    (problem,) = _problems(sessions, operations, source)

    assert problem.element == "approval"
    assert problem.reason == (
        "UNIQUE rules overlap: rules 1 and 2 both match isAffordable = true "
        "(column 'isAffordable': 'true' and '-')"
    )


def test_feel_lists_in_a_unique_table_deploy(sessions, operations):
    source = _table(
        [(['"Medium","Low"'], '"Basic"'), (['"High"'], '"Standard"'), (["null"], '"none"')],
        columns=("RiskCategory",),
    )

    assert _problems(sessions, operations, source) == []


def test_a_misread_cell_is_refused_naming_decision_rule_and_column(sessions, operations):
    """'"Low", level' would have been compared as one tuple: it deployed and never matched."""
    source = _table(
        [(['"High"', "> 5"], '"a"'), (['"Low", level', "-"], '"b"')],
        hit_policy="COLLECT",
        columns=("RiskCategory", "Age"),
    )

    (problem,) = _problems(sessions, operations, source)

    assert problem.file == "approval.dmn"
    assert problem.element == "Rule_2"
    assert problem.reason.startswith(
        "decision table of 'approval', rule 2, input column 'RiskCategory': cell '\"Low\", level' "
        "a comma list is FEEL"
    )
    assert problem.code == "dmn_cell_list"
    assert problem.params["rule"] == 2 and problem.params["column"] == "RiskCategory"


def test_an_unsupported_feel_cell_is_refused(sessions, operations):
    source = _table([(['> date("2026-01-01")'], '"late"')], columns=("due",))

    (problem,) = _problems(sessions, operations, source)

    assert problem.element == "Rule_1"
    assert "input column 'due'" in problem.reason
    assert "is neither a FEEL test ('date' is a name or function" in problem.reason


def test_an_output_using_feel_words_inside_an_expression_is_refused(sessions, operations):
    source = _table([(["true"], "[true]")], hit_policy="COLLECT")

    (problem,) = _problems(sessions, operations, source)

    assert problem.element == "Rule_1"
    assert "output column 'status'" in problem.reason
    assert "'true' is FEEL" in problem.reason


def _data(name: str) -> Source:
    path = Path(__file__).resolve().parent / "data" / name
    return Source(path.name, path.read_text(encoding="utf-8"))


def _two_decisions() -> Source:
    """Two decisions in one file, as the DMN spec's dish example has (the library registered
    the first and failed on the second with `cannot be checked: KeyError`)."""
    text = _table([(["true"], '"a"')]).text
    decision = text[text.index("<decision ") : text.index("</definitions>")]
    second = decision.replace('id="approval"', 'id="season"').replace("Table_approval", "T2")
    second = second.replace('id="Input_', 'id="S_Input_').replace(
        'id="InputExpression_', 'id="S_IE_'
    )
    second = second.replace('id="Output_1"', 'id="S_Output_1"').replace('id="Rule_', 'id="S_Rule_')
    second = second.replace('id="In_', 'id="S_In_').replace('id="Out_', 'id="S_Out_')
    return Source("two.dmn", text.replace("</definitions>", second + "</definitions>"))


def test_a_file_with_two_decisions_is_refused_naming_them(sessions, operations):
    (problem,) = _problems(sessions, operations, _two_decisions())

    assert (problem.file, problem.element) == ("two.dmn", "season")
    assert "holds 2 decisions (approval, season)" in problem.reason
    assert "cannot be checked" not in problem.reason


def test_a_rule_with_more_cells_than_columns_is_refused_naming_it(sessions, operations):
    """The library indexed past the table's inputs: `cannot be checked: IndexError`."""
    source = _table([(["1"], '"a"'), (["1", "2"], '"b"')], hit_policy="COLLECT")

    (problem,) = _problems(sessions, operations, source)

    assert problem.element == "Rule_2"
    assert problem.reason == (
        "rule 2 has 2 input cells but the table has 1 input column: "
        "give the rule one inputEntry per input column"
    )


def _every_decision_refusal(sessions, operations) -> list:
    cases = [
        _table([(['"Low", level'], '"a"')], hit_policy="COLLECT"),
        _table([(["not(flag)"], '"a"')], hit_policy="COLLECT"),
        _table([(["!= null"], '"a"')], hit_policy="COLLECT"),
        _table([(["[1..x]"], '"a"')], hit_policy="COLLECT"),
        _table([(["-"], 'date("2026-01-01")')], hit_policy="COLLECT"),
        _table([(["true"], '"a"'), (["-"], '"b"')]),
        _table([(["-"], '"a"'), (["-"], '"b"')]),
        _table([(["> limit"], '"a"'), (["-"], '"b"')]),
        _table([(["-"], '"a"')], hit_policy="FIRST"),
        _data("bad_rule_task_no_decision.bpmn"),
        _data("tck_0119_approval.bpmn"),  # without its DMN file
        _two_decisions(),
        _table([(["1", "2"], '"a"')], hit_policy="COLLECT"),  # two cells, one column
    ]
    return [problem for case in cases for problem in _problems(sessions, operations, case)]


def test_every_decision_refusal_is_said_in_chinese_and_english(sessions, operations):
    problems = _every_decision_refusal(sessions, operations)
    codes = [problem.code for problem in problems]

    assert codes == [
        "dmn_cell_list",
        "dmn_cell_not",
        "dmn_cell_feel_word",
        "dmn_cell_unsupported",
        "dmn_output_unsupported",
        "unique_overlap",
        "unique_overlap_any",
        "unique_overlap_unknown",
        "hit_policy",
        "no_decision",
        "unknown_decision",
        "dmn_many_decisions",
        "dmn_rule_shape_input",
    ]
    app = Flask(__name__)
    for language in ("zh-CN", "en"):
        with app.app_context():
            g.lang = language
            for problem in problems:
                said = say(problem)
                assert said != problem.reason, problem.code  # the catalogue's, not the fallback
                assert "{" not in said.replace("{{", ""), said
                if language == "zh-CN":
                    assert re.search(r"[\u4e00-\u9fff]", said), said
                    # No English sentence from the engine inside the Chinese message.
                    assert not re.search(r"[a-z]+ [a-z]+ [a-z]+ [a-z]+", said), said


def test_an_output_the_library_cannot_parse_is_named_by_rule_and_column(sessions, operations):
    """It was the library's `Malformed Output Expression '…'. invalid syntax (<unknown>, …)`."""
    source = _table([(["true"], '"a" || "b"')], hit_policy="COLLECT")

    (problem,) = _problems(sessions, operations, source)

    assert problem.element == "Out_1"
    assert problem.code == "dmn_output_unsupported"
    assert problem.reason.startswith(
        "decision table of 'approval', rule 1, output column 'status': cell '\"a\" || \"b\"'"
    )
    assert "Malformed" not in problem.reason
