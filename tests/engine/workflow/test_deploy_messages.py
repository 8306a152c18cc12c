"""Deploy refusals say what is wrong with which element and what would fix it (issue 9, items
7 and 10): work items nobody can do, and files written by other tools (Camunda, Flowable,
Activiti, bpmn-moddle fixtures) whose library messages used to show internal text.

Each case is a small BPMN written here; every refusal names the element and carries a code the
pages translate (web/workflow/messages/deploy.json).
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bpmn.xml import Source
from engine.errors import DefinitionRejected
from engine.models import HumanTask
from engine.workflow.definitions import deploy
from tests.engine.workflow.conftest import OPERATOR
from tests.support.snapshot import snapshot

HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
    'xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" '
    'xmlns:camunda="http://camunda.org/schema/1.0/bpmn" '
    'xmlns:flowable="http://flowable.org/bpmn" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
    'id="Definitions_messages" targetNamespace="http://budgetloop/bpmn">\n'
)


def _bpmn(body: str, pid: str = "messages", executable: str = ' isExecutable="true"') -> str:
    process = f'<bpmn:process id="{pid}"{executable}>\n{body}\n</bpmn:process>\n'
    return f"{HEAD}{process}</bpmn:definitions>\n"


def _line(middle: str, element: str) -> str:
    """start → `middle` (whose id is `element`) → end."""
    return (
        '<bpmn:startEvent id="Start_1"><bpmn:outgoing>Flow_In</bpmn:outgoing></bpmn:startEvent>\n'
        f"{middle}\n"
        '<bpmn:endEvent id="End_1"><bpmn:incoming>Flow_Out</bpmn:incoming></bpmn:endEvent>\n'
        f'<bpmn:sequenceFlow id="Flow_In" sourceRef="Start_1" targetRef="{element}" />\n'
        f'<bpmn:sequenceFlow id="Flow_Out" sourceRef="{element}" targetRef="End_1" />'
    )


FLOWS = "<bpmn:incoming>Flow_In</bpmn:incoming><bpmn:outgoing>Flow_Out</bpmn:outgoing>"


def _properties(**values: str) -> str:
    items = "".join(
        f'<spiffworkflow:property name="{name}" value="{value}" />'
        for name, value in values.items()
    )
    return (
        f"<bpmn:extensionElements><spiffworkflow:properties>{items}"
        "</spiffworkflow:properties></bpmn:extensionElements>"
    )


def _deploy(sessions, wf, text: str, name: str = "messages.bpmn"):
    with sessions() as session, session.begin():
        return deploy(session, [Source(name, text)], OPERATOR, wf.operations.names())


def _refused(sessions, wf, engine, text: str):
    """The one problem deploying `text` meets; the database is unchanged."""
    before = snapshot(engine)
    with pytest.raises(DefinitionRejected) as rejected:
        _deploy(sessions, wf, text)
    assert snapshot(engine) == before
    problems = rejected.value.problems
    assert len(problems) == 1, [str(p) for p in problems]
    return problems[0]


# ---- item 7: work items nobody can do --------------------------------------------------------


# A plain task is no longer refused: it passes through (test_plain_task.py).


def test_a_user_task_with_an_unregistered_form_is_refused(sessions, wf, engine):
    task = (
        f'<bpmn:userTask id="Task_Free">{_properties(role="unit", form="anything_goes")}'
        f"{FLOWS}</bpmn:userTask>"
    )
    problem = _refused(sessions, wf, engine, _bpmn(_line(task, "Task_Free")))
    assert (problem.element, problem.code) == ("Task_Free", "unknown_form")
    assert problem.params["form"] == "anything_goes"
    assert "accept any data" in problem.reason and "review" in problem.params["forms"]


def test_a_script_task_without_a_script_is_refused(sessions, wf, engine):
    task = f'<bpmn:scriptTask id="Script_Empty">{FLOWS}</bpmn:scriptTask>'
    problem = _refused(sessions, wf, engine, _bpmn(_line(task, "Script_Empty")))
    assert (problem.element, problem.code) == ("Script_Empty", "no_script")
    assert "can never run" in problem.reason


# ---- item 10: messages of files written elsewhere ----------------------------------------------


def test_an_unresolvable_data_output_association_names_its_target(sessions, wf, engine):
    task = (
        f'<bpmn:scriptTask id="Script_Writes">{FLOWS}'
        '<bpmn:dataOutputAssociation id="Assoc_1"><bpmn:targetRef>Nowhere_1</bpmn:targetRef>'
        "</bpmn:dataOutputAssociation><bpmn:script>x = 1</bpmn:script></bpmn:scriptTask>"
    )
    problem = _refused(sessions, wf, engine, _bpmn(_line(task, "Script_Writes")))
    assert (problem.element, problem.code) == ("Script_Writes", "data_association")
    assert "'Nowhere_1'" in problem.reason and "dataObjectReference" in problem.reason
    assert "<Element" not in problem.reason and "0x" not in problem.reason


def test_two_outgoing_flows_from_a_task_say_what_to_use_instead(sessions, wf, engine):
    body = (
        '<bpmn:startEvent id="Start_1"><bpmn:outgoing>Flow_In</bpmn:outgoing></bpmn:startEvent>'
        '<bpmn:scriptTask id="Script_Fork"><bpmn:incoming>Flow_In</bpmn:incoming>'
        "<bpmn:outgoing>Flow_A</bpmn:outgoing><bpmn:outgoing>Flow_B</bpmn:outgoing>"
        "<bpmn:script>x = 1</bpmn:script></bpmn:scriptTask>"
        '<bpmn:endEvent id="End_A"><bpmn:incoming>Flow_A</bpmn:incoming></bpmn:endEvent>'
        '<bpmn:endEvent id="End_B"><bpmn:incoming>Flow_B</bpmn:incoming></bpmn:endEvent>'
        '<bpmn:sequenceFlow id="Flow_In" sourceRef="Start_1" targetRef="Script_Fork" />'
        '<bpmn:sequenceFlow id="Flow_A" sourceRef="Script_Fork" targetRef="End_A" />'
        '<bpmn:sequenceFlow id="Flow_B" sourceRef="Script_Fork" targetRef="End_B" />'
    )
    problem = _refused(sessions, wf, engine, _bpmn(body))
    assert (problem.element, problem.code) == ("Script_Fork", "multiple_outgoing")
    assert "bpmn:scriptTask 'Script_Fork' has more than one outgoing" in problem.reason
    assert "exclusive gateway" in problem.reason and "parallel gateway" in problem.reason


def test_template_text_in_an_id_is_shown_as_written(sessions, wf, engine):
    # bpmn-moddle's fixtures hold ids such as Process_{{ ID:process }}; the message used to
    # lose the braces' content ('Process_}') with the XSD's namespaces.
    problem = _refused(
        sessions,
        wf,
        engine,
        _bpmn(
            _line(
                f'<bpmn:scriptTask id="Script_1">{FLOWS}<bpmn:script>x = 1</bpmn:script>'
                "</bpmn:scriptTask>",
                "Script_1",
            ),
            pid="Process_{{ ID:process }}",
        ),
    )
    assert "'Process_{{ ID:process }}'" in problem.reason, problem.reason
    assert "{http" not in problem.reason and "(line " in problem.reason


def test_a_process_without_is_executable_says_so(sessions, wf, engine):
    task = (
        f'<bpmn:scriptTask id="Script_1">{FLOWS}<bpmn:script>x = 1</bpmn:script></bpmn:scriptTask>'
    )
    problem = _refused(
        sessions, wf, engine, _bpmn(_line(task, "Script_1"), pid="Process_Camunda", executable="")
    )
    assert (problem.element, problem.code) == ("Process_Camunda", "not_executable")
    assert 'isExecutable="true"' in problem.reason


def test_a_service_task_without_an_operation_lists_the_operations(sessions, wf, engine):
    task = f'<bpmn:serviceTask id="Service_Bare">{FLOWS}</bpmn:serviceTask>'
    problem = _refused(sessions, wf, engine, _bpmn(_line(task, "Service_Bare")))
    assert (problem.element, problem.code) == ("Service_Bare", "no_operation")
    for operation in sorted(wf.operations.names()):
        assert operation in problem.params["operations"] and operation in problem.reason


def test_a_juel_condition_is_named_with_its_safe_grammar_equivalent(sessions, wf, engine):
    body = (
        '<bpmn:startEvent id="Start_1"><bpmn:outgoing>Flow_In</bpmn:outgoing></bpmn:startEvent>'
        '<bpmn:exclusiveGateway id="Gateway_Amount" default="Flow_Small">'
        "<bpmn:incoming>Flow_In</bpmn:incoming><bpmn:outgoing>Flow_Large</bpmn:outgoing>"
        "<bpmn:outgoing>Flow_Small</bpmn:outgoing></bpmn:exclusiveGateway>"
        '<bpmn:endEvent id="End_Large"><bpmn:incoming>Flow_Large</bpmn:incoming></bpmn:endEvent>'
        '<bpmn:endEvent id="End_Small"><bpmn:incoming>Flow_Small</bpmn:incoming></bpmn:endEvent>'
        '<bpmn:sequenceFlow id="Flow_In" sourceRef="Start_1" targetRef="Gateway_Amount" />'
        '<bpmn:sequenceFlow id="Flow_Large" sourceRef="Gateway_Amount" targetRef="End_Large">'
        '<bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">'
        "${amount &gt; 1000 &amp;&amp; !urgent}</bpmn:conditionExpression></bpmn:sequenceFlow>"
        '<bpmn:sequenceFlow id="Flow_Small" sourceRef="Gateway_Amount" targetRef="End_Small" />'
    )
    problem = _refused(sessions, wf, engine, _bpmn(body))
    assert (problem.element, problem.code) == ("Gateway_Amount", "juel")
    assert "JUEL" in problem.reason and "not allowed" in problem.reason
    assert problem.params["suggestion"] == "amount > 1000 and not urgent"


# ---- lanes and candidate groups name roles ----------------------------------------------------


def _laned(lane: str) -> str:
    task = f'<bpmn:userTask id="Task_Laned">{_properties(form="revise")}{FLOWS}</bpmn:userTask>'
    lanes = (
        '<bpmn:laneSet id="LaneSet_1">'
        f'<bpmn:lane id="Lane_1" name="{lane}"><bpmn:flowNodeRef>Start_1</bpmn:flowNodeRef>'
        "<bpmn:flowNodeRef>Task_Laned</bpmn:flowNodeRef><bpmn:flowNodeRef>End_1</bpmn:flowNodeRef>"
        "</bpmn:lane></bpmn:laneSet>\n"
    )
    return _bpmn(lanes + _line(task, "Task_Laned"), pid="laned")


def _candidates(attribute: str) -> str:
    task = (
        f'<bpmn:userTask id="Task_Grouped" {attribute}>{_properties(form="revise")}{FLOWS}'
        "</bpmn:userTask>"
    )
    return _bpmn(_line(task, "Task_Grouped"), pid="grouped")


def _started_role(sessions, wf, key: str) -> str:
    with sessions() as session, session.begin():
        outcome = wf.start(session, key, f"{key}:1", {}, OPERATOR)
    assert outcome.ok, outcome
    with sessions() as session:
        return session.scalars(
            select(HumanTask.role).where(HumanTask.instance_id == outcome.instance_id)
        ).one()


@pytest.mark.parametrize(
    ("lane", "role"),
    [("主管部门", "department"), ("预算绩效管理处", "performance"), ("Finance desk", "finance")],
)
def test_a_lane_named_with_a_role_label_gives_the_role(sessions, wf, lane, role):
    _deploy(sessions, wf, _laned(lane))
    assert _started_role(sessions, wf, "laned") == role


@pytest.mark.parametrize(
    ("attribute", "role"),
    [
        ('camunda:candidateGroups="accounting, department"', "department"),
        ('flowable:candidateGroups="财政业务处室"', "finance"),
    ],
)
def test_candidate_groups_that_match_a_role_give_the_role(sessions, wf, attribute, role):
    _deploy(sessions, wf, _candidates(attribute))
    assert _started_role(sessions, wf, "grouped") == role


def test_a_lane_that_names_no_role_is_refused_with_the_labels(sessions, wf, engine):
    problem = _refused(sessions, wf, engine, _laned("市长办公室"))
    assert (problem.element, problem.code) == ("Task_Laned", "unknown_role")
    assert problem.params["role"] == "市长办公室" and "主管部门" in problem.reason
