"""A plain `bpmn:task` passes through when reached, as Camunda and Flowable run it (issue 9,
item 7): it never becomes a work item (it was one that no role could see, waiting for ever),
the audit log records that the instance went through it, and a spec restored from the database
behaves the same as a freshly parsed one. And a user task without a form takes only a comment:
it accepted any data, process variables included.
"""

from __future__ import annotations

import pytest
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select

from bpmn.xml import Source
from engine.composition import build_engine
from engine.errors import InvalidInput
from engine.models import AuditEvent, HumanTask, ProcessInstance
from engine.review.tasks import complete
from engine.workflow.definitions import deploy, problems_of
from tests.engine.workflow.conftest import OPERATOR
from tests.support.snapshot import snapshot

PROCESS = "plain_then_user"


def _plain(element: str, incoming: str, outgoing: str) -> str:
    return (
        f'<bpmn:task id="{element}" name="登记"><bpmn:incoming>{incoming}</bpmn:incoming>'
        f"<bpmn:outgoing>{outgoing}</bpmn:outgoing></bpmn:task>"
    )


def _user(element: str, incoming: str, outgoing: str) -> str:
    return (
        f'<bpmn:userTask id="{element}" name="填报"><bpmn:extensionElements>'
        '<spiffworkflow:properties><spiffworkflow:property name="role" value="unit" />'
        "</spiffworkflow:properties></bpmn:extensionElements>"
        f"<bpmn:incoming>{incoming}</bpmn:incoming><bpmn:outgoing>{outgoing}</bpmn:outgoing>"
        "</bpmn:userTask>"
    )


# start → Task_Plain → Task_Fill (user) → Task_PlainAgain → Task_Check (user) → end
BPMN = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
    'xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" '
    'id="Definitions_plain" targetNamespace="http://budgetloop/bpmn">\n'
    f'<bpmn:process id="{PROCESS}" isExecutable="true">\n'
    '<bpmn:startEvent id="Start_1"><bpmn:outgoing>Flow_1</bpmn:outgoing></bpmn:startEvent>\n'
    + _plain("Task_Plain", "Flow_1", "Flow_2")
    + _user("Task_Fill", "Flow_2", "Flow_3")
    + _plain("Task_PlainAgain", "Flow_3", "Flow_4")
    + _user("Task_Check", "Flow_4", "Flow_5")
    + '<bpmn:endEvent id="End_1"><bpmn:incoming>Flow_5</bpmn:incoming></bpmn:endEvent>\n'
    '<bpmn:sequenceFlow id="Flow_1" sourceRef="Start_1" targetRef="Task_Plain" />\n'
    '<bpmn:sequenceFlow id="Flow_2" sourceRef="Task_Plain" targetRef="Task_Fill" />\n'
    '<bpmn:sequenceFlow id="Flow_3" sourceRef="Task_Fill" targetRef="Task_PlainAgain" />\n'
    '<bpmn:sequenceFlow id="Flow_4" sourceRef="Task_PlainAgain" targetRef="Task_Check" />\n'
    '<bpmn:sequenceFlow id="Flow_5" sourceRef="Task_Check" targetRef="End_1" />\n'
    "</bpmn:process>\n</bpmn:definitions>\n"
)


def _rows(session, instance_id: int) -> list[tuple[str, str]]:
    return [
        (row.element_id, row.status)
        for row in session.scalars(
            select(HumanTask).where(HumanTask.instance_id == instance_id).order_by(HumanTask.id)
        )
    ]


def _passes(session, instance_id: int) -> list[dict]:
    return [
        event.payload
        for event in session.scalars(
            select(AuditEvent)
            .where(AuditEvent.action == "task.pass", AuditEvent.object_id == str(instance_id))
            .order_by(AuditEvent.seq)
        )
    ]


def _state_of(wf, session, instance_id: int, element: str):
    workflow = wf.load(session, session.get(ProcessInstance, instance_id), OPERATOR)
    (task,) = [t for t in workflow.get_tasks() if t.task_spec.bpmn_id == element]
    return task.state


def test_a_plain_task_deploys_without_a_problem(sessions, wf):
    with sessions() as session:
        assert problems_of(session, [Source("plain.bpmn", BPMN)], wf.operations.names()) == []


def test_a_plain_task_passes_and_never_becomes_a_work_item(sessions, wf):
    with sessions() as session, session.begin():
        deploy(session, [Source("plain.bpmn", BPMN)], OPERATOR, wf.operations.names())
    with sessions() as session, session.begin():
        outcome = wf.start(session, PROCESS, "plain:1", {}, OPERATOR)
    assert outcome.ok, outcome.error
    instance_id = outcome.instance_id

    with sessions() as session:
        # The instance ran through the plain task to the user task: one work item, the user's.
        assert _rows(session, instance_id) == [("Task_Fill", "ready")]
        assert _state_of(wf, session, instance_id, "Task_Plain") == TaskState.COMPLETED
        assert _passes(session, instance_id) == [
            {"element": "Task_Plain", "name": "登记", "process": PROCESS}
        ]
        (fill,) = session.scalars(
            select(HumanTask.id).where(HumanTask.instance_id == instance_id)
        ).all()

    # A second engine restores the spec bundle from the database: the plain task after the
    # user task passes there too (the restored spec is the pass-through one, not NoneTask).
    restored = build_engine(wf.clock)
    with sessions() as session, session.begin():
        outcome = restored.complete_task(session, fill, {}, OPERATOR)
    assert outcome.ok, outcome.error
    with sessions() as session:
        assert _rows(session, instance_id) == [
            ("Task_Fill", "completed"),
            ("Task_Check", "ready"),
        ]
        assert _state_of(restored, session, instance_id, "Task_PlainAgain") == TaskState.COMPLETED
        assert [step["element"] for step in _passes(session, instance_id)] == [
            "Task_Plain",
            "Task_PlainAgain",
        ]
        # Never, at any point, a work item for a plain task.
        assert not session.scalars(
            select(HumanTask).where(HumanTask.element_id.in_(["Task_Plain", "Task_PlainAgain"]))
        ).all()


# ---- a user task without a form (the modeller's 通用表单) takes a comment and nothing else ----


def test_a_formless_user_task_takes_only_a_comment(sessions, wf, engine):
    with sessions() as session, session.begin():
        deploy(session, [Source("plain.bpmn", BPMN)], OPERATOR, wf.operations.names())
        outcome = wf.start(session, PROCESS, "plain:2", {"amount": 100}, OPERATOR)
    assert outcome.ok, outcome.error
    with sessions() as session:
        (fill,) = session.scalars(
            select(HumanTask.id).where(HumanTask.instance_id == outcome.instance_id)
        ).all()

    # Process variables sent with the task are refused, each named; nothing changes.
    before = snapshot(engine)
    with pytest.raises(InvalidInput) as refused:
        with sessions() as session, session.begin():
            complete(session, wf, fill, {"amount": 1, "outcome": "approve"}, OPERATOR)
    assert set(refused.value.errors) == {"amount", "outcome"}
    assert snapshot(engine) == before
    with pytest.raises(InvalidInput) as refused:
        with sessions() as session, session.begin():
            complete(session, wf, fill, {"comment": "长" * 2001}, OPERATOR)
    assert set(refused.value.errors) == {"comment"}
    assert snapshot(engine) == before

    with sessions() as session, session.begin():
        done = complete(session, wf, fill, {"comment": "已核对"}, OPERATOR)
    assert done.ok, done.error
    with sessions() as session:
        workflow = wf.load(session, session.get(ProcessInstance, outcome.instance_id), OPERATOR)
        (check,) = [t for t in workflow.get_tasks() if t.task_spec.bpmn_id == "Task_Check"]
        assert check.data["amount"] == 100 and check.data["comment"] == "已核对"
        assert "outcome" not in check.data
