"""Deploying definitions: all or nothing, every problem named.

Odd files: test_deploy_odd_files.py; hostile text never runs: test_deploy_hostile.py; the
command line: test_deploy_cli.py."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import pytest
from sqlalchemy import select

from bpmn.xml import Source
from engine.composition import shipped_sources
from engine.models import ProcessDefinition
from tests.engine.workflow.conftest import source
from tests.engine.workflow.deploy_support import (
    TIMER_KINDS,
    _assert_names,
    _deploy,
    _nothing_ran_yet,  # noqa: F401  (autouse)
    _rejected,
    timer_bpmn,
)
from tests.support.snapshot import snapshot

# ---- deploying the shipped definitions -----------------------------------------------------


def test_the_shipped_definitions_deploy_and_a_second_deploy_stores_nothing(sessions, wf, engine):
    sources = shipped_sources()
    first = _deploy(sessions, wf, sources)
    assert sorted(d.file_name for d in first) == sorted(s.name for s in sources)
    assert all(d.changed and d.version == 1 for d in first)
    assert {d.key for d in first} >= {"budget_cycle", "review", "target_filing", "grade_decision"}

    before = snapshot(engine)
    again = _deploy(sessions, wf, sources)
    assert again == [replace(d, changed=False) for d in first]
    assert snapshot(engine) == before


def test_a_deployment_stores_only_the_files_that_changed(sessions, wf, shipped):
    sources = [s for s in shipped_sources() if s.name != "review.bpmn"]
    result = _deploy(sessions, wf, [*sources, source("review_three_levels.bpmn")])
    changed = [(d.file_name, d.key, d.version) for d in result if d.changed]
    assert changed == [("review_three_levels.bpmn", "review", 2)]
    assert all(d.version == 1 for d in result if not d.changed)
    with sessions() as session:
        rows = session.execute(
            select(ProcessDefinition.key, ProcessDefinition.version).order_by(
                ProcessDefinition.key, ProcessDefinition.version
            )
        ).all()
    assert len(rows) == len(shipped_sources()) + 1


# ---- every rejection names the file, the element and the reason; nothing is stored ---------

REJECTIONS: list[tuple[str, Callable[[], list[Source]], str, set, tuple[str, ...]]] = [
    (
        "malformed XML",
        lambda: [source("bad_unclosed_tag.bpmn")],
        "bad_unclosed_tag.bpmn",
        {None},
        ("not well-formed XML", "userTask line 7", "line 10"),
    ),
    (
        "not BPMN",
        lambda: [source("bad_not_bpmn.bpmn")],
        "bad_not_bpmn.bpmn",
        {None},
        ("not a BPMN 2.0 or DMN document", "project"),
    ),
    (
        "unknown BPMN element",
        lambda: [source("bad_unknown_element.bpmn")],
        "bad_unknown_element.bpmn",
        {"Task_Foo"},
        ("fooTask", "not expected"),
    ),
    (
        "call to an undeployed process",
        lambda: [source("bad_call_undeployed.bpmn")],
        "bad_call_undeployed.bpmn",
        {"Call_Procurement"},
        ("calls process 'procurement_review', which is not deployed",),
    ),
    (
        "duplicate id",
        lambda: [source("bad_duplicate_id.bpmn")],
        "bad_duplicate_id.bpmn",
        {"Task_Fill"},
        ("duplicate id", "7", "16"),
    ),
    (
        "user task without a role",
        lambda: [source("review_bad_missing_role.bpmn")],
        "review_bad_missing_role.bpmn",
        {"Task_FinanceReview"},
        ("user task has no role",),
    ),
    (
        "unknown role",
        lambda: [source("bad_unknown_role.bpmn")],
        "bad_unknown_role.bpmn",
        {"Task_MayorApproval"},
        ("unknown role 'mayor'",),
    ),
    (
        "org property naming no organisation variable",
        lambda: [
            Source(
                "bad_org_property.bpmn",
                source("bad_unknown_role.bpmn").text.replace(
                    'value="mayor" />',
                    'value="evaluator" /><spiffworkflow:property name="org" value="mayor[0]" />',
                ),
            )
        ],
        "bad_org_property.bpmn",
        {"Task_MayorApproval"},
        ("property 'org' must name a variable ending in _org_id",),
    ),
    (
        "unknown service operation",
        lambda: [source("bad_unknown_operation.bpmn")],
        "bad_unknown_operation.bpmn",
        {"Service_Transfer"},
        ("unknown service operation 'transfer_funds'",),
    ),
    (
        "unsafe gateway condition",
        lambda: [source("bad_unsafe_condition.bpmn")],
        "bad_unsafe_condition.bpmn",
        {"Gateway_Amount", "Flow_Large"},
        ("__class__", "not allowed"),
    ),
    (
        "script with import",
        lambda: [source("bad_script_import.bpmn")],
        "bad_script_import.bpmn",
        {"Script_Compute"},
        ("import is not allowed",),
    ),
    (
        "script with attribute access",
        lambda: [source("bad_script_attribute.bpmn")],
        "bad_script_attribute.bpmn",
        {"Script_Compute"},
        ("attribute access",),
    ),
    (
        "UNIQUE rules overlap",
        lambda: [source("bad_unique_overlap.dmn")],
        "bad_unique_overlap.dmn",
        {"grade_overlap", "Rule_Good", "Rule_Excellent"},
        ("overlap", ">= 80", ">= 90"),
    ),
    (
        "unsupported hit policy",
        lambda: [source("bad_hit_policy_first.dmn")],
        "bad_hit_policy_first.dmn",
        {"grade_first", "DecisionTable_grade_first"},
        ("hit policy FIRST is not supported",),
    ),
    (
        "same file name twice",
        lambda: [
            source("small_valid.bpmn"),
            Source("small_valid.bpmn", source("tamper_probe.bpmn").text),
        ],
        "small_valid.bpmn",
        {None},
        ("the same file name appears twice",),
    ),
    (
        "process id provided by another deployed file",
        lambda: [source("bad_provides_review.bpmn")],
        "bad_provides_review.bpmn",
        {"review"},
        ("already provided by review.bpmn",),
    ),
]


@pytest.mark.parametrize(
    ("sources", "file", "elements", "reasons"),
    [case[1:] for case in REJECTIONS],
    ids=[case[0] for case in REJECTIONS],
)
def test_a_rejection_names_file_element_and_reason_and_stores_nothing(
    sessions, wf, engine, shipped, sources, file, elements, reasons
):
    rejected = _rejected(sessions, wf, engine, sources())
    _assert_names(rejected, file, elements, reasons)


BAD_TIMERS = [(kind, value) for kind in TIMER_KINDS for value in ("P1X", "next tuesday")]
GOOD_TIMERS = {
    "timeDuration": "P14D",
    "timeDate": "2026-03-01T00:00:00+08:00",
    "timeCycle": "R3/PT1H",
}


@pytest.mark.parametrize(("kind", "value"), BAD_TIMERS)
def test_a_timer_literal_must_be_iso_8601(sessions, wf, engine, kind, value):
    name = f"bad_timer_{kind}.bpmn"
    rejected = _rejected(
        sessions, wf, engine, [Source(name, timer_bpmn("timed", repr(value), kind))]
    )
    _assert_names(rejected, name, {"Timer_Wait"}, (f"'{value}'", "not a valid ISO 8601"))


@pytest.mark.parametrize("kind", TIMER_KINDS)
def test_a_timer_with_an_iso_8601_literal_deploys(sessions, wf, kind):
    # The control for the test above: the generated file is otherwise fine.
    text = timer_bpmn("timed", repr(GOOD_TIMERS[kind]), kind)
    assert _deploy(sessions, wf, [Source("timer.bpmn", text)])[0].changed


def test_one_bad_file_rejects_the_whole_deployment(sessions, wf, engine, shipped):
    sources = [
        source("small_valid.bpmn"),
        source("bad_unknown_role.bpmn"),
        source("tamper_probe.bpmn"),
        source("review_three_levels.bpmn"),
    ]
    rejected = _rejected(sessions, wf, engine, sources)
    assert {p.file for p in rejected.problems} == {"bad_unknown_role.bpmn"}
    with sessions() as session:
        keys = set(session.scalars(select(ProcessDefinition.key)))
        review = session.scalars(
            select(ProcessDefinition.version).where(ProcessDefinition.key == "review")
        ).all()
    assert not keys & {"small_valid", "tamper_probe"}
    assert review == [1]
    # The same files without the bad one are fine.
    good = [s for s in sources if s.name != "bad_unknown_role.bpmn"]
    assert [d.changed for d in _deploy(sessions, wf, good)] == [True, True, True]


def test_every_problem_of_every_file_is_reported(sessions, wf, engine, shipped):
    rejected = _rejected(
        sessions,
        wf,
        engine,
        [
            source("bad_unknown_role.bpmn"),
            source("bad_unknown_operation.bpmn"),
            source("review_bad_missing_role.bpmn"),
        ],
    )
    assert {(p.file, p.element) for p in rejected.problems} >= {
        ("bad_unknown_role.bpmn", "Task_MayorApproval"),
        ("bad_unknown_operation.bpmn", "Service_Transfer"),
        ("review_bad_missing_role.bpmn", "Task_FinanceReview"),
    }
