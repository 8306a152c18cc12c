"""Validation does bounded work (issue 10, item 3): hostile tables and timers are refused before
the work they would cause.

Unbounded, an 8,000-rule UNIQUE table made the pairwise overlap check run past 60 s, and the
timers 'R/P99999999Y' and 'P99999999Y' made the library count a billion months one by one. The
refusals here come before that work; the checks run in a child process with a 20 s timeout, so a
regression fails (TimeoutExpired) instead of hanging the suite.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from xml.sax.saxutils import escape

import pytest
from flask import Flask, g

from bpmn import dmn_overlap, timers
from bpmn.dmn_overlap import MAX_COMPARISONS, MAX_RULES, TooManyComparisons, find_overlaps
from bpmn.errors import DefinitionError
from bpmn.timers import MAX_REPETITIONS, TimerOutOfBounds, check_iso8601, due_time, parse_cycle
from bpmn.xml import Source
from tests.bpmn.test_dmn_cells_deploy import _table
from web.workflow.definition_problems import say

ROOT = Path(__file__).resolve().parents[2]
CHILD_TIMEOUT = 20

# Runs bpmn-level validation of one file (no database) and prints its problems as JSON.
_CHILD = """
import json, sys
from pathlib import Path
from bpmn.catalogue import Catalogue
from bpmn.validation import check_file
from bpmn.xml import Source
path = Path(sys.argv[1])
source = Source(path.name, path.read_text(encoding="utf-8"))
problems = []
catalogue = Catalogue([source], problems)  # a file refused while read is not checked further
if source.name in catalogue.files:
    problems += check_file(
        catalogue,
        catalogue.files[source.name],
        roles={"unit", "department", "finance", "performance", "third_party"},
        operations=set(),
        available=catalogue.process_ids,
    )
print(json.dumps([[p.element, p.code, p.reason, p.params] for p in problems], default=str))
"""


def _checked_in_child(tmp_path: Path, source: Source) -> list[DefinitionError]:
    path = tmp_path / source.name
    path.write_text(source.text, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, str(path)],
        capture_output=True,
        text=True,
        timeout=CHILD_TIMEOUT,
        cwd=ROOT,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return [
        DefinitionError(source.name, element, reason, code, params)
        for element, code, reason, params in json.loads(done.stdout)
    ]


def _in(language: str, problem: DefinitionError) -> str:
    with Flask(__name__).app_context():
        g.lang = language
        return say(problem)


def _disjoint_rules(count: int) -> list[tuple[list[str], str]]:
    """`count` rules on one numeric column, pairwise disjoint: no overlap to report."""
    return [([f"[{i}..{i + 1})"], f'"r{i}"') for i in range(count)]


# ---- DMN: rules per table and pair comparisons ---------------------------------------------


def test_a_table_of_eight_thousand_rules_is_refused_naming_the_decision(tmp_path):
    problems = _checked_in_child(tmp_path, _table(_disjoint_rules(8_000), columns=("score",)))

    assert [(p.element, p.code) for p in problems] == [("approval", "too_many_rules")]
    (problem,) = problems
    assert problem.reason == (
        f"the decision table has 8000 rules, more than the maximum of {MAX_RULES}; "
        "split it into several decisions"
    )
    assert _in("zh-CN", problem) == (
        f"决策表有 8000 条规则，超过上限 {MAX_RULES} 条：请把它拆分为几个决策。"
    )
    assert _in("en", problem).startswith("The decision table has 8000 rules")


def test_the_rule_maximum_holds_for_collect_tables_too(tmp_path):
    problems = _checked_in_child(
        tmp_path,
        _table(_disjoint_rules(MAX_RULES + 1), hit_policy="COLLECT", columns=("score",)),
    )
    assert [(p.element, p.code) for p in problems] == [("approval", "too_many_rules")]


def test_a_collect_table_at_the_maximum_is_accepted(tmp_path):
    rules = [([f">= {i}"], f'"r{i}"') for i in range(MAX_RULES)]
    problems = _checked_in_child(tmp_path, _table(rules, hit_policy="COLLECT", columns=("x",)))
    assert problems == []


def test_a_unique_table_needing_too_many_comparisons_is_refused(tmp_path):
    # 700 rules are 244,650 pairs: over MAX_COMPARISONS, under MAX_RULES.
    problems = _checked_in_child(tmp_path, _table(_disjoint_rules(700), columns=("score",)))

    assert [(p.element, p.code) for p in problems] == [("approval", "overlap_check_too_large")]
    (problem,) = problems
    assert "too many rules to check for overlaps" in problem.reason
    assert problem.reason.endswith("split the table or use COLLECT")
    assert problem.params == {"rules": 700, "comparisons": 244_650, "max": MAX_COMPARISONS}
    chinese = _in("zh-CN", problem)
    assert "规则太多" in chinese and "COLLECT" in chinese and "244650" in chinese, chinese
    assert _in("en", problem).startswith("Too many rules to check for overlaps (700 rules")


def test_a_unique_table_within_the_comparisons_is_still_checked(tmp_path):
    rules = _disjoint_rules(600)  # 179,700 pairs
    rules.append(([">= 10"], '"late"'))
    problems = _checked_in_child(tmp_path, _table(rules, columns=("score",)))
    assert {p.code for p in problems} == {"unique_overlap"}
    assert all(p.element == "approval" for p in problems)


def test_find_overlaps_refuses_before_comparing():
    rules = [[f"[{i}..{i + 1})"] for i in range(5_000)]  # 12.5 million pairs unbounded

    started = time.perf_counter()
    with pytest.raises(TooManyComparisons) as refused:
        find_overlaps(["score"], rules)
    took = time.perf_counter() - started

    assert (refused.value.rules, refused.value.maximum) == (5_000, MAX_COMPARISONS)
    assert str(refused.value).endswith("split the table or use COLLECT")
    # Reading 5,000 cells, no pair compared (unbounded this took minutes).
    assert took < 10, took


def test_the_comparison_count_is_of_rules_that_can_match():
    # Rules no input satisfies take part in no pair.
    dead = [["? > 5 and ? < 1"]] * 50
    live = [[f"[{i}..{i + 1})"] for i in range(20)]
    assert find_overlaps(["x"], dead + live, max_comparisons=190) == []
    with pytest.raises(TooManyComparisons):
        find_overlaps(["x"], dead + live, max_comparisons=189)


def test_the_maxima_are_documented_constants():
    assert MAX_RULES == 1_000 and MAX_COMPARISONS == 200_000
    assert "MAX_COMPARISONS" in (dmn_overlap.__doc__ or "") + Path(dmn_overlap.__file__).read_text(
        encoding="utf-8"
    )


# ---- timers --------------------------------------------------------------------------------


def _timer_bpmn(kind: str, value: str) -> Source:
    text = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" id="Definitions_timed" '
        'targetNamespace="http://budgetloop/bpmn">\n'
        '<bpmn:process id="timed" isExecutable="true">'
        '<bpmn:startEvent id="Start_1"><bpmn:outgoing>Flow_1</bpmn:outgoing></bpmn:startEvent>'
        '<bpmn:intermediateCatchEvent id="Timer_Wait"><bpmn:incoming>Flow_1</bpmn:incoming>'
        "<bpmn:outgoing>Flow_2</bpmn:outgoing>"
        '<bpmn:timerEventDefinition id="TimerEventDefinition_Wait">'
        f'<bpmn:{kind} xsi:type="bpmn:tFormalExpression">{escape(repr(value))}</bpmn:{kind}>'
        "</bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>"
        '<bpmn:endEvent id="End_1"><bpmn:incoming>Flow_2</bpmn:incoming></bpmn:endEvent>'
        '<bpmn:sequenceFlow id="Flow_1" sourceRef="Start_1" targetRef="Timer_Wait" />'
        '<bpmn:sequenceFlow id="Flow_2" sourceRef="Timer_Wait" targetRef="End_1" />'
        "</bpmn:process></bpmn:definitions>\n"
    )
    return Source(f"timed_{kind}.bpmn", text)


HOSTILE_TIMERS = [
    ("timeCycle", "R/P99999999Y", "timer_too_long"),
    ("timeDuration", "P99999999Y", "timer_too_long"),
    ("timeDuration", "P1000000000000M", "timer_too_long"),
    ("timeDuration", "P99999999999999999999.5Y", "timer_too_long"),
    ("timeDate", "P99999999Y", "timer_too_long"),
    ("timeCycle", "R/2026-01-01T00:00:00+08:00/P99999999Y", "timer_too_long"),
    ("timeCycle", "R/P99999999Y/2026-01-01T00:00:00+08:00", "timer_too_long"),
    ("timeDuration", "P11Y", "timer_too_long"),
    ("timeDuration", "P3661D", "timer_too_long"),
    ("timeCycle", "R1001/PT1H", "timer_too_many_repetitions"),
    ("timeCycle", "R" + "9" * 30 + "/PT1H", "timer_too_many_repetitions"),
]


@pytest.mark.parametrize(("kind", "value", "code"), HOSTILE_TIMERS, ids=lambda v: str(v)[:30])
def test_a_timer_beyond_the_maxima_is_refused_naming_the_element(tmp_path, kind, value, code):
    problems = _checked_in_child(tmp_path, _timer_bpmn(kind, value))

    assert [(p.element, p.code) for p in problems] == [("Timer_Wait", code)]
    (problem,) = problems
    assert len(problem.reason) < 200, problem.reason
    chinese = _in("zh-CN", problem)
    assert "上限" in chinese and "定时器" in chinese, chinese
    english = _in("en", problem)
    assert "maximum" in english, english


@pytest.mark.parametrize(
    ("kind", "value"),
    [
        ("timeDuration", "P10Y"),
        ("timeDuration", "P120M"),
        ("timeDuration", "P3660D"),
        ("timeCycle", f"R{MAX_REPETITIONS}/PT1H"),
        ("timeCycle", "R/P1D"),
        ("timeCycle", "R/2026-01-01T00:00:00+08:00/P10Y"),
        ("timeDate", "2030-01-01T00:00:00+08:00"),
    ],
)
def test_timers_within_the_maxima_are_accepted(tmp_path, kind, value):
    assert _checked_in_child(tmp_path, _timer_bpmn(kind, value)) == []


def test_the_timer_messages_name_the_maxima():
    with pytest.raises(TimerOutOfBounds) as refused:
        check_iso8601("cycle", "R/P99999999Y")
    assert str(refused.value) == "the duration 'P99999999Y' is longer than the maximum of 10 years"
    assert (refused.value.code, refused.value.params) == (
        "timer_too_long",
        {"value": "P99999999Y", "max": timers.MAX_DURATION_YEARS},
    )
    with pytest.raises(TimerOutOfBounds, match="repeats 1001 times, more than the maximum of 1000"):
        check_iso8601("cycle", "R1001/PT1H")


def test_run_time_timer_values_meet_the_same_maxima():
    """A timer whose value comes from a variable is parsed at run time by the same bounded code."""
    now = datetime(2026, 1, 5, tzinfo=UTC)
    with pytest.raises(TimerOutOfBounds):
        due_time("P99999999Y", now)
    with pytest.raises(TimerOutOfBounds):
        parse_cycle("R/P99999999Y", now)
    with pytest.raises(TimerOutOfBounds):
        parse_cycle("R5000/PT1H", now)
    assert due_time("P10Y", now) == datetime(2036, 1, 5, tzinfo=UTC)
    assert parse_cycle("R3/PT1H", now)[0] == 3
