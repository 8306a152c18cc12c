"""Odd files are rejected with file, element and reason, never crash the deployment: decision
files without a decision or with a taken id, DMN 1.2, ids too long for the tables, and a new
version that would drop a process other definitions call."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from bpmn.xml import Source
from engine.composition import shipped_sources
from engine.errors import DefinitionRejected
from tests.engine.workflow.conftest import source
from tests.engine.workflow.deploy_support import (
    _assert_names,
    _bpmn,
    _deploy,
    _flows,
    _nothing_ran_yet,  # noqa: F401  (autouse)
    _problems,
    _process,
    _rejected,
    gateway_bpmn,
)
from tests.support.snapshot import snapshot

# ---- odd files must be rejected, never crash the deployment ----------------------------------

ODD_FILES: list[tuple[str, Callable[[], list[Source]], str, set, tuple[str, ...]]] = [
    (
        "DMN without a decision",
        lambda: [source("bad_dmn_no_decision.dmn")],
        "bad_dmn_no_decision.dmn",
        {None},
        ("decision",),
    ),
    (
        "two DMN files with the same decision id",
        lambda: [
            Source("grade_a.dmn", source_text("grade.dmn")),
            Source("grade_b.dmn", source_text("grade.dmn")),
        ],
        "grade_b.dmn",
        {"grade_decision"},
        ("grade_decision",),
    ),
]


def source_text(shipped_name: str) -> str:
    return next(s.text for s in shipped_sources() if s.name == shipped_name)


@pytest.mark.parametrize(
    ("sources", "file", "elements", "reasons"),
    [case[1:] for case in ODD_FILES],
    ids=[case[0] for case in ODD_FILES],
)
def test_odd_decision_files_are_rejected_not_crashing(
    sessions, wf, engine, sources, file, elements, reasons
):
    rejected = _rejected(sessions, wf, engine, sources())
    _assert_names(rejected, file, elements, reasons)


def test_a_dmn_1_2_file_is_deployed_or_rejected_never_a_crash(sessions, wf, engine):
    # bpmn/xml.py lists the DMN 1.2 namespace as supported; the library has no usable schema
    # for it. Either outcome is fine, an exception from deep inside lxml is not.
    before = snapshot(engine)
    try:
        result = _deploy(sessions, wf, [source("grade_dmn12.dmn")])
    except DefinitionRejected as rejected:
        _assert_names(rejected, "grade_dmn12.dmn", {None, "grade_dmn12"}, ("DMN",))
        assert snapshot(engine) == before
    else:
        assert [(d.key, d.version) for d in result] == [("grade_dmn12", 1)]


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(gateway_bpmn("p" * 101, "x == 1"), id="process id of 101 characters"),
        pytest.param(
            _bpmn(
                _process(
                    "long_task_id",
                    f'<bpmn:userTask id="{"Task_" + "x" * 96}"><bpmn:extensionElements>'
                    '<spiffworkflow:properties><spiffworkflow:property name="role" '
                    'value="unit" /></spiffworkflow:properties></bpmn:extensionElements>'
                    f"{_flows()}</bpmn:userTask>",
                )
            ),
            id="user task id of 101 characters",
        ),
    ],
)
def test_ids_too_long_for_the_tables_are_rejected_on_every_backend(sessions, wf, engine, text):
    # process_definition.key and human_task.element_id hold 100 characters: PostgreSQL fails
    # with a database error (or later, at run time), SQLite silently stores the longer text.
    rejected = _rejected(sessions, wf, engine, [Source("long_ids.bpmn", text)])
    assert [p.file for p in rejected.problems] == ["long_ids.bpmn"]


def test_a_new_version_cannot_drop_a_process_that_deployed_definitions_call(sessions, wf, engine):
    task = '<bpmn:scriptTask id="Task_Work{0}"><bpmn:incoming>Flow_In{0}</bpmn:incoming>'
    task += "<bpmn:outgoing>Flow_Out{0}</bpmn:outgoing>"
    task += "<bpmn:script>worked = True</bpmn:script></bpmn:scriptTask>"
    both = _bpmn(
        _process("shared_main", task.format("")), _process("shared_helper", task.format("H"), "H")
    )
    caller = _bpmn(
        _process(
            "helper_caller",
            f'<bpmn:callActivity id="Call_Helper" calledElement="shared_helper">{_flows()}'
            "</bpmn:callActivity>",
        )
    )
    _deploy(sessions, wf, [Source("shared.bpmn", both), Source("caller.bpmn", caller)])
    # Version 2 of `shared_main` no longer provides `shared_helper`, which `helper_caller` calls.
    only_main = _bpmn(_process("shared_main", task.format("")))
    rejected = _rejected(sessions, wf, engine, [Source("shared.bpmn", only_main)])
    assert any("shared_helper" in p.reason for p in rejected.problems), _problems(rejected)
