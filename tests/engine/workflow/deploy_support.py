"""What the deploy tests share: deploying in a transaction of its own, checking a rejection
names what it should and stored nothing, and definitions generated around one piece of text."""

from __future__ import annotations

from xml.sax.saxutils import escape, quoteattr

import pytest

from engine.errors import DefinitionRejected
from engine.workflow.definitions import Deployed, deploy
from tests.engine.workflow.conftest import OPERATOR
from tests.support.snapshot import snapshot

# A payload that ever ran would append to this list (see _payloads in test_deploy_hostile.py).
RAN: list[str] = []


# Imported by every deploy test module, so that it is autouse in each of them.
@pytest.fixture(autouse=True)
def _nothing_ran_yet():
    RAN.clear()
    yield
    assert RAN == [], f"a payload ran: {RAN}"


def _deploy(sessions, wf, sources) -> list[Deployed]:
    with sessions() as session, session.begin():
        return deploy(session, list(sources), OPERATOR, wf.operations.names())


def _rejected(sessions, wf, engine, sources) -> DefinitionRejected:
    """Deploy `sources`, expect a rejection, and check that the database did not change."""
    before = snapshot(engine)
    with pytest.raises(DefinitionRejected) as rejected:
        _deploy(sessions, wf, sources)
    assert snapshot(engine) == before
    return rejected.value


def _problems(rejected: DefinitionRejected) -> list[tuple[str, str | None, str]]:
    return [(p.file, p.element, p.reason) for p in rejected.problems]


def _assert_names(
    rejected: DefinitionRejected, file: str, elements: set[str | None], reasons: tuple[str, ...]
) -> None:
    """Some problem names `file`, one of `elements` and every fragment of `reasons`."""
    found = [
        (f, e, r)
        for f, e, r in _problems(rejected)
        if f == file and e in elements and all(fragment in r for fragment in reasons)
    ]
    assert found, _problems(rejected)
    # The message the CLI and the API show says the same.
    file, element, reason = found[0]
    assert file in rejected.message and reason in rejected.message
    if element is not None:
        assert f"element '{element}'" in rejected.message
    assert {"file": file, "element": element, "reason": reason} in rejected.errors["problems"]


# ---- generated definitions ---------------------------------------------------------------------

_BPMN_HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
    'xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
    'id="Definitions_generated" targetNamespace="http://budgetloop/bpmn">\n'
)


def _process(pid: str, middle: str, suffix: str = "") -> str:
    """One executable process: start → `middle` (ids Flow_In{suffix}/Flow_Out{suffix}) → end."""
    middle_id = middle.split('id="', 1)[1].split('"', 1)[0]
    return (
        f'<bpmn:process id="{pid}" isExecutable="true">\n'
        f'<bpmn:startEvent id="StartEvent_Gen{suffix}">'
        f"<bpmn:outgoing>Flow_In{suffix}</bpmn:outgoing></bpmn:startEvent>\n"
        f"{middle}\n"
        f'<bpmn:endEvent id="EndEvent_Gen{suffix}">'
        f"<bpmn:incoming>Flow_Out{suffix}</bpmn:incoming></bpmn:endEvent>\n"
        f'<bpmn:sequenceFlow id="Flow_In{suffix}" sourceRef="StartEvent_Gen{suffix}" '
        f'targetRef="{middle_id}" />\n'
        f'<bpmn:sequenceFlow id="Flow_Out{suffix}" sourceRef="{middle_id}" '
        f'targetRef="EndEvent_Gen{suffix}" />\n'
        "</bpmn:process>\n"
    )


def _bpmn(*processes: str) -> str:
    return _BPMN_HEAD + "".join(processes) + "</bpmn:definitions>\n"


def _flows(suffix: str = "") -> str:
    return (
        f"<bpmn:incoming>Flow_In{suffix}</bpmn:incoming>"
        f"<bpmn:outgoing>Flow_Out{suffix}</bpmn:outgoing>"
    )


def gateway_bpmn(pid: str, condition: str) -> str:
    """An exclusive gateway whose one conditional flow carries `condition`."""
    return _bpmn(
        f'<bpmn:process id="{pid}" isExecutable="true">\n'
        '<bpmn:startEvent id="StartEvent_Gen"><bpmn:outgoing>Flow_In</bpmn:outgoing>'
        "</bpmn:startEvent>\n"
        '<bpmn:exclusiveGateway id="Gateway_Check" default="Flow_Otherwise">'
        "<bpmn:incoming>Flow_In</bpmn:incoming><bpmn:outgoing>Flow_When</bpmn:outgoing>"
        "<bpmn:outgoing>Flow_Otherwise</bpmn:outgoing></bpmn:exclusiveGateway>\n"
        '<bpmn:endEvent id="EndEvent_When"><bpmn:incoming>Flow_When</bpmn:incoming>'
        "</bpmn:endEvent>\n"
        '<bpmn:endEvent id="EndEvent_Otherwise"><bpmn:incoming>Flow_Otherwise</bpmn:incoming>'
        "</bpmn:endEvent>\n"
        '<bpmn:sequenceFlow id="Flow_In" sourceRef="StartEvent_Gen" targetRef="Gateway_Check" />\n'
        '<bpmn:sequenceFlow id="Flow_When" sourceRef="Gateway_Check" targetRef="EndEvent_When">'
        '<bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">'
        f"{escape(condition)}</bpmn:conditionExpression></bpmn:sequenceFlow>\n"
        '<bpmn:sequenceFlow id="Flow_Otherwise" sourceRef="Gateway_Check" '
        'targetRef="EndEvent_Otherwise" />\n'
        "</bpmn:process>\n"
    )


TIMER_KINDS = ("timeDuration", "timeDate", "timeCycle")


def timer_bpmn(pid: str, expression: str, kind: str = "timeDuration") -> str:
    """An intermediate timer event whose `kind` expression is `expression`."""
    return _bpmn(
        _process(
            pid,
            f'<bpmn:intermediateCatchEvent id="Timer_Wait">{_flows()}'
            '<bpmn:timerEventDefinition id="TimerEventDefinition_Wait">'
            f'<bpmn:{kind} xsi:type="bpmn:tFormalExpression">{escape(expression)}</bpmn:{kind}>'
            "</bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>",
        )
    )


def service_bpmn(pid: str, value: str) -> str:
    """A service task calling a registered operation with `value` as a parameter."""
    return _bpmn(
        _process(
            pid,
            '<bpmn:serviceTask id="Service_SetStatus"><bpmn:extensionElements>'
            '<spiffworkflow:serviceTaskOperator id="set_document_status" '
            'resultVariable="document_status"><spiffworkflow:parameters>'
            f'<spiffworkflow:parameter id="status" type="str" value={quoteattr(value)} />'
            "</spiffworkflow:parameters></spiffworkflow:serviceTaskOperator>"
            f"</bpmn:extensionElements>{_flows()}</bpmn:serviceTask>",
        )
    )


def script_bpmn(pid: str, script: str) -> str:
    """A script task running `script`."""
    return _bpmn(
        _process(
            pid,
            f'<bpmn:scriptTask id="Script_Run">{_flows()}'
            f"<bpmn:script>{escape(script)}</bpmn:script></bpmn:scriptTask>",
        )
    )


def decision_dmn(did: str, cell: str) -> str:
    """A UNIQUE decision table whose only rule's input cell is `cell`."""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" '
        f'id="Definitions_{did}" name="generated" namespace="http://budgetloop/dmn">\n'
        f'<decision id="{did}" name="generated"><decisionTable id="DecisionTable_{did}" '
        'hitPolicy="UNIQUE"><input id="Input_Score" label="score">'
        '<inputExpression id="InputExpression_Score" typeRef="number"><text>score</text>'
        '</inputExpression></input><output id="Output_Grade" name="grade" typeRef="string" />'
        f'<rule id="Rule_Only"><inputEntry id="InputEntry_Only"><text>{escape(cell)}</text>'
        '</inputEntry><outputEntry id="OutputEntry_Only"><text>"A"</text></outputEntry></rule>'
        "</decisionTable></decision>\n</definitions>\n"
    )
