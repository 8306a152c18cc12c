"""The overlaps found agree with the engine's own evaluation of the cells, and with what
SpiffWorkflow's conformance tables say about their rules."""

from __future__ import annotations

import ast
import os
import xml.etree.ElementTree as ET
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import pytest

from bpmn.decisions import FeelDMNEngine
from bpmn.dmn_overlap import find_overlaps, has_catch_all
from bpmn.script_engine import SafeScriptEngine

# --- Agreement with the engine's own evaluation -----------------------------------------------

_SCRIPT_ENGINE = SafeScriptEngine()
_SAMPLE_CELLS = [
    '"a", "b"',
    "[1..5]",
    "(1..5)",
    "]85..90[",
    "[0..0.3[",
    "not(1, 2)",
    'not("a")',
    "not(< 5)",
    "true",
    "false",
    "null",
    "2, > 100",
    ">= 90",
    "80 <= ? < 90",
    "<= 90",
    "< 0.3",
    ">= 0.3",
    "0.3",
    "-5",
    "> -5",
    "!= 5",
    "in [1, 2, 'a']",
    "not in (1, 2)",
    "'a'",
    '"b"',
    "!= 'a'",
    "True",
    "False",
    "is None",
    "? > 5 and ? < 10",
    "not ? > 5",
    "? == 'a' or ? > 100",
]
_SAMPLE_VALUES = [
    -10,
    -5,
    -4.5,
    0,
    0.3,
    Decimal("0.3"),
    1,
    2.0,
    5,
    7,
    85,
    89.99,
    90,
    95,
    150,
    True,
    False,
    None,
    "a",
    "b",
    "c",
    Decimal("0.30000000000000001"),
    Decimal("89.5"),
    4.999,
]


def _engine_matches(cell: str, value: object) -> bool:
    """Whether the engine's decision-table evaluation matches `value` against `cell`."""
    if cell.strip() in ("", "-"):  # the parser turns these into "no test"
        return True
    task = SimpleNamespace(
        data={"v": value}, workflow=SimpleNamespace(script_engine=_SCRIPT_ENGINE)
    )
    try:
        # "(v)" as the input expression so that cells like "in [...]" concatenate validly.
        return bool(FeelDMNEngine(None).evaluate("(v)", cell, task))
    except Exception:  # the engine raises for e.g. "a" > 5: that rule does not match
        return False


def _example_value(text: str) -> object:
    """An example from a message as the input value it names (FEEL or Python spelling)."""
    words = {"true": True, "false": False, "null": None}
    if text in words:
        return words[text]
    value = ast.literal_eval(text)
    # Numbers as exact decimals: 0.30000000000000001 is no float.
    return (
        Decimal(text) if isinstance(value, int | float) and not isinstance(value, bool) else value
    )


def test_every_overlap_the_engine_finds_is_reported():
    matches = {
        cell: {i for i, v in enumerate(_SAMPLE_VALUES) if _engine_matches(cell, v)}
        for cell in _SAMPLE_CELLS
    }
    reported = {
        (o.first, o.second)
        for o in find_overlaps(["v"], [[cell] for cell in _SAMPLE_CELLS], limit=10_000)
    }
    for i, first in enumerate(_SAMPLE_CELLS):
        for j in range(i + 1, len(_SAMPLE_CELLS)):
            second = _SAMPLE_CELLS[j]
            if matches[first] & matches[second]:
                assert (i + 1, j + 1) in reported, (first, second)


def test_every_example_value_matches_both_rules_in_the_engine():
    rules = [[cell] for cell in _SAMPLE_CELLS]
    overlaps = find_overlaps(["v"], rules, limit=10_000)

    assert len(overlaps) > 50
    for overlap in overlaps:
        example = overlap.reason.split(" both match v = ", 1)[1].split(" (column 'v'", 1)[0]
        value = _example_value(example)
        assert _engine_matches(_SAMPLE_CELLS[overlap.first - 1], value), overlap.reason
        assert _engine_matches(_SAMPLE_CELLS[overlap.second - 1], value), overlap.reason


# --- SpiffWorkflow's conformance tables ------------------------------------------------------


def _dmn_data() -> Path:
    shared = os.environ.get("BUDGETLOOP_SHARED")
    root = Path(shared) if shared else Path(__file__).resolve().parents[3] / "shared"
    data = root / "conformance" / "spiffworkflow" / "dmn" / "data"
    if not data.is_dir():
        pytest.skip(f"SpiffWorkflow conformance data not found at {data}")
    return data


def _read_table(path: Path) -> tuple[str, list[str], list[list[str | None]]]:
    table = ET.parse(path).getroot().find(".//{*}decisionTable")
    assert table is not None
    columns = [
        element.findtext("{*}inputExpression/{*}text") or element.get("label") or ""
        for element in table.findall("{*}input")
    ]
    rules = [
        [entry.findtext("{*}text") for entry in rule.findall("{*}inputEntry")]
        for rule in table.findall("{*}rule")
    ]
    return table.get("hitPolicy", "UNIQUE").upper(), columns, rules


def test_conformance_unique_hit_has_no_overlaps():
    hit_policy, columns, rules = _read_table(_dmn_data() / "unique_hit.dmn")

    assert hit_policy == "UNIQUE"
    assert len(rules) == 4
    assert find_overlaps(columns, rules) == []
    assert not has_catch_all(rules)


def test_conformance_collect_hit_rules_overlap():
    hit_policy, columns, rules = _read_table(_dmn_data() / "collect_hit.dmn")

    overlaps = find_overlaps(columns, rules)

    assert hit_policy == "COLLECT"
    assert [(o.first, o.second) for o in overlaps] == [
        (1, 2),
        (1, 3),
        (1, 4),
        (2, 3),
        (2, 4),
        (3, 4),
    ]
    assert "type = 'stooge'" in overlaps[0].reason
