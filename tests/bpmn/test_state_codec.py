"""The saved state is the library's own format, written by orjson (issue 12): what it stores of
a workflow is what the library's serializer stores, typed values included, and it reads back
the same; text the codec cannot write with orjson, and states written before it, still work.
(Values orjson would write differently — a UUID, an enumeration member, a number that is not
finite — never reach the codec: the step that makes one is refused, test_data_limits.py.)"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bpmn.catalogue import Catalogue
from bpmn.script_engine import SafeScriptEngine
from bpmn.serializer import WorkflowCodec
from bpmn.xml import Source

DATA = Path(__file__).parent / "data"
WHEN = datetime(2026, 3, 31, 16, 0, tzinfo=UTC)
TYPED = {
    "submitted_at": WHEN,
    "allowed": timedelta(days=15, seconds=30),
    "nested": {"at": [WHEN, {"ids": (1, 2)}], 7: "integer key"},
    "comment": "同意，报财政复核",
    "amount": 1250.5,
}


@pytest.fixture
def codec():
    return WorkflowCodec()


def _workflow(codec: WorkflowCodec, data: dict):
    path = DATA / "two_step.bpmn"
    catalogue = Catalogue([Source(path.name, path.read_text(encoding="utf-8"))])
    bundle = codec.bundle(*catalogue.bundle_specs("two_step"))
    workflow = codec.new_workflow(bundle, SafeScriptEngine(clock=lambda: WHEN))
    workflow.task_tree.data.update(data)
    workflow.do_engine_steps()
    return workflow, bundle


def _library_state(codec: WorkflowCodec, workflow) -> dict:
    """What the library's own serializer stores, less the spec it embeds."""
    full = json.loads(codec.dump_full(workflow))
    for key in ("spec", "subprocess_specs", "typename"):
        full.pop(key)
    return full


def test_the_state_is_what_the_library_stores(codec):
    workflow, _ = _workflow(codec, TYPED)
    text = codec.dump_state(workflow)
    assert json.loads(text) == _library_state(codec, workflow)
    assert "同意，报财政复核" in text  # UTF-8, not \u escapes: a smaller row


def test_typed_values_read_back_as_they_were(codec):
    workflow, bundle = _workflow(codec, TYPED)
    again = codec.load_state(codec.dump_state(workflow), bundle, SafeScriptEngine())
    data = again.task_tree.data
    assert data["submitted_at"] == WHEN and data["allowed"] == TYPED["allowed"]
    assert data["nested"]["at"][0] == WHEN
    assert data["nested"]["7"] == "integer key"  # JSON keys are text, as json wrote them
    assert codec.dump_state(again) == codec.dump_state(workflow)


def test_an_integer_beyond_64_bits_goes_through_the_librarys_encoder(codec):
    workflow, bundle = _workflow(codec, {"huge": 2**70})
    text = codec.dump_state(workflow)
    assert json.loads(text) == _library_state(codec, workflow)
    again = codec.load_state(text, bundle, SafeScriptEngine())
    assert again.task_tree.data["huge"] == 2**70


def test_a_state_written_by_json_before_reads_the_same(codec):
    workflow, bundle = _workflow(codec, {**TYPED, "ratio": float("inf")})
    # As revision 0012's code wrote states: json, ASCII with escapes, Infinity as a word.
    old = json.dumps(codec.dump_full(workflow) and _library_state(codec, workflow))
    assert "Infinity" in old and "\\u540c" in old
    again = codec.load_state(old, bundle, SafeScriptEngine())
    assert again.task_tree.data["ratio"] == float("inf")
    assert again.task_tree.data["comment"] == "同意，报财政复核"
