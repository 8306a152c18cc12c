"""Decision tables written in FEEL decide as the DMN TCK says, deployed and run by the engine.

tests/bpmn/data/tck_0119_multi_collect_hitpolicy.dmn and its test cases
tck_0119_multi_collect_hitpolicy_test_01.xml are the DMN TCK's
TestCases/compliance-level-2/0119-multi-collect-hitpolicy, at commit 968cd1ea (the DMN 1.3
version, the one the engine reads) of https://github.com/dmn-tck/tck, Apache License 2.0,
copied unchanged. tck_0119_approval.bpmn is ours: it runs the decision as a business rule task.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from bpmn.xml import Source
from engine.actors import Actor
from engine.composition import build_engine
from engine.errors import DefinitionRejected
from engine.models import HumanTask, Incident, ProcessInstance
from engine.workflow.clock import ManualClock
from engine.workflow.definitions import deploy

DATA = Path(__file__).resolve().parent / "data"
OPERATOR = Actor.system("test")
TCK_DMN = "tck_0119_multi_collect_hitpolicy.dmn"
TCK_CASES = DATA / "tck_0119_multi_collect_hitpolicy_test_01.xml"
TESTCASE_NS = "{http://www.omg.org/spec/DMN/20160719/testcase}"
XSI_TYPE = "{http://www.w3.org/2001/XMLSchema-instance}type"


def _source(name: str, text: str | None = None) -> Source:
    return Source(name, text if text is not None else (DATA / name).read_text(encoding="utf-8"))


def _typed(value: ET.Element) -> object:
    text = value.text or ""
    kind = value.get(XSI_TYPE, "")
    if kind.endswith("decimal"):
        return Decimal(text)
    if kind.endswith("boolean"):
        return text == "true"
    return text


def _tck_cases() -> list[tuple[str, dict, dict]]:
    """(id, inputs, expected outputs as one list per output column) from the TCK's test file."""
    cases = []
    for case in ET.parse(TCK_CASES).getroot().iter(f"{TESTCASE_NS}testCase"):
        inputs = {
            node.get("name"): _typed(node.find(f"{TESTCASE_NS}value"))
            for node in case.findall(f"{TESTCASE_NS}inputNode")
        }
        expected: dict[str, list] = {}
        for item in case.iter(f"{TESTCASE_NS}item"):
            for component in item.findall(f"{TESTCASE_NS}component"):
                value = _typed(component.find(f"{TESTCASE_NS}value"))
                expected.setdefault(component.get("name"), []).append(value)
        cases.append((case.get("id"), inputs, expected))
    return cases


@pytest.fixture
def wf():
    return build_engine(ManualClock(datetime(2026, 1, 5, 9, 0, tzinfo=UTC)))


def _run(sessions, wf, process_key: str, data: dict):
    """Start `process_key` with `data`; the outcome and the instance's final data."""
    with sessions() as session, session.begin():
        outcome = wf.start(session, process_key, f"tck:{json.dumps(data)}"[:100], data, OPERATOR)
    with sessions() as session:
        instance = session.get(ProcessInstance, outcome.instance_id)
        workflow = wf.load(session, instance, OPERATOR)
        return outcome, instance.status, workflow.data


def test_the_tck_cases_are_read():
    cases = _tck_cases()

    assert [case_id for case_id, _, _ in cases] == ["001", "002", "003"]
    assert cases[1][1] == {"Age": Decimal(19), "RiskCategory": "Low", "isAffordable": True}
    assert cases[1][2] == {"Approved/Declined": ["Approved"], "Rate": ["Basic"]}


@pytest.mark.parametrize(("case_id", "inputs", "expected"), _tck_cases(), ids=lambda v: v)
def test_tck_0119_decides_as_the_tck_expects(sessions, wf, case_id, inputs, expected):
    """Before FEEL cells were read, case 002 matched no rule (the '"Medium","Low"' tuple never
    equalled a text) and `true` was an unknown name: an incident instead of Approved/Basic."""
    with sessions() as session, session.begin():
        deploy(
            session,
            [_source(TCK_DMN), _source("tck_0119_approval.bpmn")],
            OPERATOR,
            wf.operations.names(),
        )
    # The TCK's decimals arrive as JSON numbers, as a form or an API call would send them.
    data = {k: int(v) if isinstance(v, Decimal) else v for k, v in inputs.items()}

    outcome, status, result = _run(sessions, wf, "tck_0119_approval", data)

    assert outcome.ok, outcome.error
    assert status == "completed"
    assert {name: result[name] for name in expected} == expected


def test_a_true_cell_does_not_match_one_or_false(sessions, wf):
    """`true` is FEEL's boolean: isAffordable = false leaves only rule 2 or 3 to match."""
    with sessions() as session, session.begin():
        deploy(
            session,
            [_source(TCK_DMN), _source("tck_0119_approval.bpmn")],
            OPERATOR,
            wf.operations.names(),
        )

    for affordable, expected in ((True, ["Approved"]), (False, []), (1, [])):
        data = {"Age": 30, "RiskCategory": "Low", "isAffordable": affordable}
        outcome, _, result = _run(sessions, wf, "tck_0119_approval", data)
        assert outcome.ok, outcome.error
        # COLLECT with no matching rule sets no output at all.
        assert result.get("Approved/Declined", []) == expected


def test_a_text_against_a_number_range_is_an_incident_not_a_quiet_no(sessions, wf):
    with sessions() as session, session.begin():
        deploy(
            session,
            [_source(TCK_DMN), _source("tck_0119_approval.bpmn")],
            OPERATOR,
            wf.operations.names(),
        )

    data = {"Age": "nineteen", "RiskCategory": "Low", "isAffordable": True}
    with sessions() as session, session.begin():
        outcome = wf.start(session, "tck_0119_approval", "tck:text-age", data, OPERATOR)

    assert not outcome.ok
    with sessions() as session:
        incident = session.scalars(select(Incident)).one()
    assert "compares numbers, but the input is text 'nineteen'" in incident.error


def test_the_shipped_grade_decision_still_grades(sessions, wf):
    grade_process = (DATA / "tck_0119_approval.bpmn").read_text(encoding="utf-8")
    grade_process = grade_process.replace(
        "_3b2953a3-745f-4d2e-b55d-75c8c5ae653c", "grade_decision"
    ).replace("tck_0119_approval", "grade_probe")
    shipped = Path(__file__).resolve().parents[2] / "bpmn" / "definitions" / "grade.dmn"
    with sessions() as session, session.begin():
        deploy(
            session,
            [
                _source("grade.dmn", shipped.read_text(encoding="utf-8")),
                _source("g.bpmn", grade_process),
            ],
            OPERATOR,
            wf.operations.names(),
        )

    grades = {}
    for score in (95, 90, 89.99, 80, 60, 59.5, 0):
        outcome, _, result = _run(sessions, wf, "grade_probe", {"result": {"score": score}})
        assert outcome.ok, outcome.error
        grades[score] = result["grade"]

    assert grades == {95: "A", 90: "A", 89.99: "B", 80: "B", 60: "C", 59.5: "D", 0: "D"}


def test_a_decision_table_without_ids_deploys_and_decides(sessions, wf):
    """DMN 1.3 lets a decisionTable, an input and a rule go without an id; the library looked
    them up by id and the deployment said `cannot be checked: KeyError: 'id'`."""
    probe = (DATA / "tck_0119_approval.bpmn").read_text(encoding="utf-8")
    probe = probe.replace("_3b2953a3-745f-4d2e-b55d-75c8c5ae653c", "grade_no_table_id").replace(
        "tck_0119_approval", "grade_no_ids_probe"
    )
    with sessions() as session, session.begin():
        deploy(
            session,
            [_source("grade_table_without_ids.dmn"), _source("probe.bpmn", probe)],
            OPERATOR,
            wf.operations.names(),
        )

    outcome, _, result = _run(sessions, wf, "grade_no_ids_probe", {"result": {"score": 85}})

    assert outcome.ok, outcome.error
    assert result["grade"] == "B"


def test_a_rule_task_without_a_decision_says_what_to_add(sessions, wf):
    with sessions() as session, session.begin(), pytest.raises(DefinitionRejected) as caught:
        deploy(
            session,
            [_source(TCK_DMN), _source("bad_rule_task_no_decision.bpmn")],
            OPERATOR,
            wf.operations.names(),
        )

    (problem,) = caught.value.problems
    assert problem.file == "bad_rule_task_no_decision.bpmn"
    assert problem.element == "Rule_ApprovalStatus"
    assert 'No DMN Diagram available with id "None"' not in problem.reason
    assert "names no decision" in problem.reason
    assert "camunda/flowable decisionRef 'approval'" in problem.reason
    assert "<spiffworkflow:calledDecisionId>" in problem.reason
    assert "_3b2953a3-745f-4d2e-b55d-75c8c5ae653c" in problem.reason  # what it could name


def test_a_decision_restored_from_the_database_reads_feel_too(sessions, wf):
    """A business rule task that runs after a wait runs on the spec bundle as stored and
    restored (bpmn/serializer.py), not as parsed at start: it must decide the same."""
    process = (DATA / "tck_0119_approval.bpmn").read_text(encoding="utf-8")
    process = process.replace("tck_0119_approval", "tck_0119_after_wait")
    process = process.replace(
        'targetRef="Rule_ApprovalStatus" />',
        'targetRef="Task_Wait" />\n'
        '    <bpmn:sequenceFlow id="Flow_ToRule" sourceRef="Task_Wait" '
        'targetRef="Rule_ApprovalStatus" />',
    ).replace(
        "<bpmn:incoming>Flow_ToDecide</bpmn:incoming>\n      <bpmn:outgoing>Flow_ToDone",
        "<bpmn:incoming>Flow_ToRule</bpmn:incoming>\n      <bpmn:outgoing>Flow_ToDone",
    )
    process = process.replace(
        "    <bpmn:endEvent",
        '    <bpmn:userTask id="Task_Wait" name="wait"><bpmn:extensionElements>'
        '<spiffworkflow:properties><spiffworkflow:property name="role" value="unit" />'
        "</spiffworkflow:properties></bpmn:extensionElements>"
        "<bpmn:incoming>Flow_ToDecide</bpmn:incoming><bpmn:outgoing>Flow_ToRule</bpmn:outgoing>"
        "</bpmn:userTask>\n    <bpmn:endEvent",
        1,
    )
    with sessions() as session, session.begin():
        deploy(
            session,
            [_source(TCK_DMN), _source("after_wait.bpmn", process)],
            OPERATOR,
            wf.operations.names(),
        )
    data = {"Age": 19, "RiskCategory": "Low", "isAffordable": True}
    with sessions() as session, session.begin():
        started = wf.start(session, "tck_0119_after_wait", "tck:after-wait", data, OPERATOR)
    assert started.ok, started.error
    with sessions() as session:
        (task_id,) = session.scalars(
            select(HumanTask.id).where(HumanTask.instance_id == started.instance_id)
        ).all()

    # A second engine, as another worker: nothing cached, the bundle comes from the database.
    other = build_engine(ManualClock(datetime(2026, 1, 6, tzinfo=UTC)))
    with sessions() as session, session.begin():
        done = other.complete_task(session, task_id, {}, OPERATOR)
    assert done.ok, done.error
    with sessions() as session:
        instance = session.get(ProcessInstance, started.instance_id)
        result = other.load(session, instance, OPERATOR).data

    assert instance.status == "completed"
    assert result["Approved/Declined"] == ["Approved"]
    assert result["Rate"] == ["Basic"]
