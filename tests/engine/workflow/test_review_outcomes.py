"""A review step added after the finance review must honour 退回修改 (issue 9, item 1).

The step is added the way the modeller adds it (a user task for 预算绩效管理处 with the
`review` form on the approving flow). Without a return path, deployment refuses the flow,
naming the step and the outcome; with the path the modeller now draws, a return at the step
sends the target table back to the unit instead of approving it.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree
from sqlalchemy import select

from bpmn.xml import BPMN_NS, Source
from engine.errors import DefinitionRejected
from engine.models import HumanTask, TargetTable
from engine.models.enums import DocumentStatus
from engine.review.tasks import complete
from engine.workflow.definitions import deploy
from tests.engine.workflow.conftest import OPERATOR, ready_tasks
from tests.support.snapshot import snapshot

REVIEW = Path(__file__).resolve().parents[3] / "bpmn" / "definitions" / "review.bpmn"
SPIFF = "http://spiffworkflow.org/bpmn/schema/1.0/core"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
STEP = "Activity_PerformanceCheck"
COMMENT = "满意度指标口径与上年不一致，请修改"


def _q(tag: str, ns: str = BPMN_NS) -> str:
    return f"{{{ns}}}{tag}"


def _review_with_step(return_path: bool) -> Source:
    """review.bpmn with a performance step on the finance desk's approving flow."""
    root = etree.fromstring(REVIEW.read_bytes())
    process = root.find(_q("process"))
    approve = process.find(f"{_q('sequenceFlow')}[@id='Flow_FinanceApprove']")
    approve.set("targetRef", STEP)
    step = etree.SubElement(process, _q("userTask"), id=STEP, name="预算绩效管理处复核")
    properties = etree.SubElement(
        etree.SubElement(step, _q("extensionElements")), _q("properties", SPIFF)
    )
    etree.SubElement(properties, _q("property", SPIFF), name="role", value="performance")
    etree.SubElement(properties, _q("property", SPIFF), name="form", value="review")
    etree.SubElement(step, _q("incoming")).text = "Flow_FinanceApprove"
    etree.SubElement(step, _q("outgoing")).text = "Flow_StepOut"
    out_target = "Gateway_StepOutcome" if return_path else "Service_MarkApproved"
    etree.SubElement(
        process, _q("sequenceFlow"), id="Flow_StepOut", sourceRef=STEP, targetRef=out_target
    )
    if return_path:
        gateway = etree.SubElement(
            process, _q("exclusiveGateway"), id="Gateway_StepOutcome", default="Flow_StepApprove"
        )
        etree.SubElement(gateway, _q("incoming")).text = "Flow_StepOut"
        etree.SubElement(gateway, _q("outgoing")).text = "Flow_StepApprove"
        etree.SubElement(gateway, _q("outgoing")).text = "Flow_StepReturn"
        etree.SubElement(
            process,
            _q("sequenceFlow"),
            id="Flow_StepApprove",
            sourceRef="Gateway_StepOutcome",
            targetRef="Service_MarkApproved",
        )
        back = etree.SubElement(
            process,
            _q("sequenceFlow"),
            id="Flow_StepReturn",
            name="退回",
            sourceRef="Gateway_StepOutcome",
            targetRef="Service_MarkReturned",
        )
        condition = etree.SubElement(back, _q("conditionExpression"))
        condition.set(_q("type", XSI), "bpmn:tFormalExpression")
        condition.text = "outcome == 'return'"
        # The returned document's service task gains the new incoming flow.
        returned = process.find(f"{_q('serviceTask')}[@id='Service_MarkReturned']")
        returned.find(_q("outgoing")).addprevious(_incoming("Flow_StepReturn"))
    approved = process.find(f"{_q('serviceTask')}[@id='Service_MarkApproved']")
    approved.find(_q("incoming")).text = "Flow_StepApprove" if return_path else "Flow_StepOut"
    # Flow elements must come before the diagram-free end of the process: XSD order is free.
    return Source("review.bpmn", etree.tostring(root, encoding="unicode"))


def _incoming(flow: str):
    node = etree.Element(_q("incoming"))
    node.text = flow
    return node


def _deploy(sessions, wf, source: Source):
    with sessions() as session, session.begin():
        return deploy(session, [source], OPERATOR, wf.operations.names())


def test_a_review_step_whose_return_reaches_no_path_of_its_own_is_refused(
    sessions, wf, engine, shipped
):
    before = snapshot(engine)
    with pytest.raises(DefinitionRejected) as rejected:
        _deploy(sessions, wf, _review_with_step(return_path=False))
    assert snapshot(engine) == before
    problems = [p for p in rejected.value.problems if p.element == STEP]
    assert [p.code for p in problems] == ["outcome_ignored"], rejected.value.problems
    (problem,) = problems
    assert problem.params["outcome"] == "return" and problem.params["form"] == "review"
    assert "outcome 'return'" in problem.reason and "outcome == 'return'" in problem.reason
    assert f"element '{STEP}'" in rejected.value.message


def test_a_gateway_that_routes_only_return_and_has_no_default_is_refused_for_approve(
    sessions, wf, engine, shipped
):
    text = _review_with_step(return_path=True).text.replace(' default="Flow_StepApprove"', "")
    text = text.replace(
        'id="Flow_StepApprove" sourceRef="Gateway_StepOutcome" targetRef="Service_MarkApproved"/>',
        'id="Flow_StepApprove" sourceRef="Gateway_StepOutcome" targetRef="Service_MarkApproved">'
        '<bpmn:conditionExpression xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        "xsi:type=\"bpmn:tFormalExpression\">outcome == 'accept'</bpmn:conditionExpression>"
        "</bpmn:sequenceFlow>",
    )
    assert "outcome == 'accept'" in text
    with pytest.raises(DefinitionRejected) as rejected:
        _deploy(sessions, wf, Source("review.bpmn", text))
    (problem,) = [p for p in rejected.value.problems if p.element == STEP]
    assert problem.code == "outcome_unrouted" and problem.params["outcome"] == "approve"
    assert problem.params["gateway"] == "Gateway_StepOutcome"


def _finish(sessions, wf, simulation, task_id: int, data: dict) -> None:
    with sessions() as session, session.begin():
        task = session.get(HumanTask, task_id)
        outcome = complete(session, wf, task_id, data, simulation.actor_for(session, task))
    assert outcome.ok, outcome


def test_a_return_at_the_added_step_sends_the_table_back_to_the_unit(
    sessions, wf, province, start, simulation
):
    (deployed,) = _deploy(sessions, wf, _review_with_step(return_path=True))
    assert (deployed.key, deployed.version) == ("review", 2)
    instance = start(province[0])
    (fill,) = ready_tasks(sessions, instance)
    assert simulation.complete_one(sessions, fill.id).ok
    for element in ("Task_DepartmentReview", "Task_FinanceReview"):
        (task,) = ready_tasks(sessions, instance)
        assert task.element_id == element
        _finish(sessions, wf, simulation, task.id, {"outcome": "approve", "comment": ""})

    (step,) = ready_tasks(sessions, instance)
    assert (step.element_id, step.role, step.form) == (STEP, "performance", "review")
    _finish(sessions, wf, simulation, step.id, {"outcome": "return", "comment": COMMENT})

    (revise,) = ready_tasks(sessions, instance)
    assert (revise.element_id, revise.role) == ("Task_Revise", "unit")
    with sessions() as session:
        table = session.scalars(
            select(TargetTable)
            .where(TargetTable.project_id == province[0])
            .order_by(TargetTable.revision.desc())
        ).first()
        assert table.status == DocumentStatus.RETURNED
        assert table.status != DocumentStatus.APPROVED


def test_a_gateway_that_routes_on_other_data_does_not_route_the_outcome(
    sessions, wf, engine, shipped
):
    # The step's gateway asks about the amount, not the outcome: a return carries on like an
    # approval whenever the amount is small.
    text = _review_with_step(return_path=True).text
    head, tail = text.rsplit("outcome == 'return'", 1)
    assert "Flow_StepReturn" in head[-600:]
    with pytest.raises(DefinitionRejected) as rejected:
        _deploy(sessions, wf, Source("review.bpmn", head + "amount &gt; 1000" + tail))
    (problem,) = [p for p in rejected.value.problems if p.element == STEP]
    assert problem.code == "outcome_ignored" and problem.params["outcome"] == "return"
