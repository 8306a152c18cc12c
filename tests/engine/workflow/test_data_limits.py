"""Task data is bounded per step and per instance (issue 10, item 2).

The state stores every task with the values its step added or changed, in full, so a gateway
loop whose script adds 48 entries of 9,999 characters to one value per pass grew the stored
state quadratically (110 MB after 20 passes in one start; 2.4 GB after 100). Each step is now
measured as it completes: past a limit the command is rolled back and becomes an incident naming
the element whose step grew the data, the size and the setting to change.
"""

from __future__ import annotations

import json
import re
from enum import Enum
from uuid import UUID

import pytest
from sqlalchemy import func, select

from bpmn.xml import Source
from engine.composition import build_engine
from engine.errors import ConfigurationError
from engine.models import AuditEvent, HumanTask, Incident, ProcessInstance
from engine.workflow.data_limits import (
    DEFAULT_INSTANCE_BYTES,
    DEFAULT_STEP_BYTES,
    INSTANCE_VAR,
    STEP_VAR,
    DataLimits,
    Unstorable,
    data_limits,
    data_size,
)
from engine.workflow.definitions import deploy
from tests.engine.workflow.conftest import OPERATOR, ready_tasks

KEYS, CHARS = 48, 9_999
# What one pass of Script_Grow adds to the data: 48 entries "<n>_<kk>": "xxx…".
PASS_BYTES = KEYS * (CHARS + 2 + len('"1_00"') + 2)


def _growing_loop(key: str, with_form: bool) -> Source:
    """Start → init → (join → [fill in] → count → grow → more passes?) → end.

    The grow script is the issue's: 48 new keys of 9,999 characters each per pass, within the
    scripts' grammar (each value and statement is bounded; how many a loop piles up is not).
    """
    grow = "\n".join(
        ['s = "x" * 9999', "k = str(n)"] + [f'd[k + "_{index:02d}"] = s' for index in range(KEYS)]
    )
    fill = (
        """
    <bpmn:userTask id="Task_Fill" name="填报">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="role" value="unit" />
      </spiffworkflow:properties></bpmn:extensionElements>
      <bpmn:incoming>Flow_ToFill</bpmn:incoming><bpmn:outgoing>Flow_ToCount</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:sequenceFlow id="Flow_ToFill" sourceRef="Gateway_Join" targetRef="Task_Fill" />
    <bpmn:sequenceFlow id="Flow_ToCount" sourceRef="Task_Fill" targetRef="Script_Count" />"""
        if with_form
        else """
    <bpmn:sequenceFlow id="Flow_ToCount" sourceRef="Gateway_Join" targetRef="Script_Count" />"""
    )
    join_out = "Flow_ToFill" if with_form else "Flow_ToCount"
    text = f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
    id="Definitions_{key}" targetNamespace="http://budgetloop/bpmn">
  <bpmn:process id="{key}" name="数据增长循环" isExecutable="true">
    <bpmn:startEvent id="StartEvent_Grow">
      <bpmn:outgoing>Flow_ToInit</bpmn:outgoing>
    </bpmn:startEvent>
    <bpmn:scriptTask id="Script_Init" name="初始化">
      <bpmn:incoming>Flow_ToInit</bpmn:incoming><bpmn:outgoing>Flow_ToJoin</bpmn:outgoing>
      <bpmn:script>d = {{}}
n = 0</bpmn:script>
    </bpmn:scriptTask>
    <bpmn:exclusiveGateway id="Gateway_Join">
      <bpmn:incoming>Flow_ToJoin</bpmn:incoming><bpmn:incoming>Flow_Again</bpmn:incoming>
      <bpmn:outgoing>{join_out}</bpmn:outgoing>
    </bpmn:exclusiveGateway>{fill}
    <bpmn:scriptTask id="Script_Count" name="计数">
      <bpmn:incoming>Flow_ToCount</bpmn:incoming><bpmn:outgoing>Flow_ToGrow</bpmn:outgoing>
      <bpmn:script>n += 1</bpmn:script>
    </bpmn:scriptTask>
    <bpmn:scriptTask id="Script_Grow" name="加数据">
      <bpmn:incoming>Flow_ToGrow</bpmn:incoming><bpmn:outgoing>Flow_ToMore</bpmn:outgoing>
      <bpmn:script>{grow}</bpmn:script>
    </bpmn:scriptTask>
    <bpmn:exclusiveGateway id="Gateway_More" default="Flow_Done">
      <bpmn:incoming>Flow_ToMore</bpmn:incoming>
      <bpmn:outgoing>Flow_Again</bpmn:outgoing><bpmn:outgoing>Flow_Done</bpmn:outgoing>
    </bpmn:exclusiveGateway>
    <bpmn:endEvent id="EndEvent_Grow"><bpmn:incoming>Flow_Done</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="Flow_ToInit" sourceRef="StartEvent_Grow" targetRef="Script_Init" />
    <bpmn:sequenceFlow id="Flow_ToJoin" sourceRef="Script_Init" targetRef="Gateway_Join" />
    <bpmn:sequenceFlow id="Flow_ToGrow" sourceRef="Script_Count" targetRef="Script_Grow" />
    <bpmn:sequenceFlow id="Flow_ToMore" sourceRef="Script_Grow" targetRef="Gateway_More" />
    <bpmn:sequenceFlow id="Flow_Again" sourceRef="Gateway_More" targetRef="Gateway_Join">
      <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">
        n &lt; passes
      </bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="Flow_Done" sourceRef="Gateway_More" targetRef="EndEvent_Grow" />
  </bpmn:process>
</bpmn:definitions>
"""
    return Source(f"{key}.bpmn", text)


@pytest.fixture
def deployed(sessions, wf):
    with sessions() as session, session.begin():
        deploy(
            session,
            [_growing_loop("growing_loop", False), _growing_loop("growing_form_loop", True)],
            OPERATOR,
            wf.operations.names(),
        )


def _start(sessions, wf, key: str, passes: int):
    with sessions() as session, session.begin():
        return wf.start(session, key, f"grow:{passes}", {"passes": passes}, OPERATOR)


def _state_bytes(sessions, instance_id: int) -> int:
    with sessions() as session:
        return session.scalar(
            select(func.length(ProcessInstance.state)).where(ProcessInstance.id == instance_id)
        )


def _passes(error: str) -> int:
    """How many passes of Script_Grow the failed command ran, by what the error says the step
    stored: pass p stores `d` again with p × 48 entries, so n passes store n(n+1)/2 × 48."""
    match = re.search(r"step 'Script_Grow' \(加数据\) added or changed ([\d,]+) bytes", error)
    assert match, error
    units = round(int(match.group(1).replace(",", "")) / PASS_BYTES)
    passes = next(n for n in range(1, 100) if n * (n + 1) // 2 >= units)
    assert passes * (passes + 1) // 2 == units, error
    return passes


def test_a_loop_growing_its_data_stops_at_the_instance_limit_naming_the_script(
    sessions, wf, deployed, monkeypatch
):
    # Unbounded, these ten passes stored a 31 MB state row in one start.
    monkeypatch.setenv(STEP_VAR, "10000000")
    monkeypatch.setenv(INSTANCE_VAR, "2000000")
    outcome = _start(sessions, wf, "growing_loop", passes=10)

    assert not outcome.ok and outcome.status == "incident"
    with sessions() as session:
        incident = session.get(Incident, outcome.incident_id)
        # The step that grew the data (the last element the engine passed is the gateway).
        assert incident.element_id == "Script_Grow"
        assert incident.error.startswith(
            "TaskDataTooLarge: instance data too large: the process state would be more than "
            "2,000,000 bytes (the limit per instance; set BUDGETLOOP_INSTANCE_DATA_MAX_BYTES "
            "to change it); step 'Script_Grow' (加数据) added or changed "
        ), incident.error
        # Measured after every step: the loop stopped at its third pass (0.5 + 1 + 1.5 MB),
        # not after ten.
        assert _passes(incident.error) == 3
        # A start that fails stores nothing but the incident (and its audit event).
        assert session.scalars(select(ProcessInstance)).all() == []
        event = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "incident.open")
        ).one()
        assert event.payload["element"] == "Script_Grow"
        assert event.payload["error"] == incident.error


def test_a_step_adding_more_than_the_step_limit_is_an_incident(sessions, wf, deployed, monkeypatch):
    monkeypatch.setenv(STEP_VAR, "100000")
    outcome = _start(sessions, wf, "growing_loop", passes=1)

    assert not outcome.ok
    with sessions() as session:
        incident = session.get(Incident, outcome.incident_id)
        assert incident.element_id == "Script_Grow"
        assert incident.error == (
            "TaskDataTooLarge: task data too large: step 'Script_Grow' (加数据) adds or changes "
            "more than 100,000 bytes of process data (the limit per step; set "
            "BUDGETLOOP_TASK_DATA_MAX_STEP_BYTES to change it)"
        )


def test_the_default_limits_stop_the_issue_loop_at_its_third_pass(sessions, wf, deployed):
    # The issue's loop (ten passes here, 31 MB unbounded; a hundred made 2.4 GB). By default its
    # third pass changes a 1.4 MB value, past the 1 MiB a step may store.
    outcome = _start(sessions, wf, "growing_loop", passes=10)

    assert not outcome.ok
    with sessions() as session:
        incident = session.get(Incident, outcome.incident_id)
    assert incident.element_id == "Script_Grow"
    assert "adds or changes more than 1,048,576 bytes" in incident.error
    # Two passes fit: the limits are on what is stored, not on the loop.
    assert _start(sessions, wf, "growing_loop", passes=2).ok


def test_a_form_loop_stops_at_the_limit_and_goes_on_once_the_operator_raises_it(
    sessions, wf, deployed, monkeypatch
):
    limit = 2_000_000
    monkeypatch.setenv(STEP_VAR, "10000000")
    monkeypatch.setenv(INSTANCE_VAR, str(limit))
    started = _start(sessions, wf, "growing_form_loop", passes=100)
    assert started.ok, started.error
    instance_id = started.instance_id

    outcomes, sizes = [], []
    for _ in range(8):  # unbounded, each pass only made the state row larger
        (task,) = ready_tasks(sessions, instance_id)
        with sessions() as session, session.begin():
            outcome = wf.complete_task(session, task.id, {"note": "第二轮"}, OPERATOR)
        outcomes.append(outcome)
        if not outcome.ok:
            break
        sizes.append(_state_bytes(sessions, instance_id))

    assert [outcome.ok for outcome in outcomes] == [True, True, False]
    assert max(sizes) <= limit < sizes[-1] + 3 * PASS_BYTES
    failed = outcomes[-1]
    with sessions() as session:
        incident = session.get(Incident, failed.incident_id)
        assert (incident.instance_id, incident.element_id) == (instance_id, "Script_Grow")
        assert "the process state would be more than 2,000,000 bytes" in incident.error
        instance = session.get(ProcessInstance, instance_id)
        assert instance.status == "incident"
        # The failed completion was rolled back: the task is still to do, the state as it was.
        assert session.get(HumanTask, task.id).status == "ready"
    assert _state_bytes(sessions, instance_id) == sizes[-1]

    # The operator raises the limit (the error says which setting) and retries.
    monkeypatch.setenv(INSTANCE_VAR, str(4 * limit))
    with sessions() as session, session.begin():
        retried = wf.retry_incident(session, failed.incident_id, OPERATOR)
    assert retried.ok, retried.error
    with sessions() as session:
        incident = session.get(Incident, failed.incident_id)
        assert incident.resolution == "retried"
        assert session.get(ProcessInstance, instance_id).status == "running"
    assert sizes[-1] < _state_bytes(sessions, instance_id) <= 4 * limit


def test_the_saved_state_is_checked_even_when_no_step_ran(sessions, wf, deployed, monkeypatch):
    started = _start(sessions, wf, "growing_form_loop", passes=3)
    assert started.ok
    size = _state_bytes(sessions, started.instance_id)
    # Lowered below what the instance already stores: its next command cannot save.
    monkeypatch.setenv(INSTANCE_VAR, str(size - 1))

    with sessions() as session, session.begin():
        outcome = wf.fire_timers(session, started.instance_id, OPERATOR)

    assert not outcome.ok
    with sessions() as session:
        incident = session.get(Incident, outcome.incident_id)
    assert incident.element_id is None
    assert incident.error == (
        f"TaskDataTooLarge: instance data too large: the process state is {size + 0:,} bytes; "
        f"at most {size - 1:,} bytes (the limit per instance; set "
        "BUDGETLOOP_INSTANCE_DATA_MAX_BYTES to change it)"
    )


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"a": 1, "b": [1, 2.5, None, True, False, 'x"y', "中文", "\n\t"], "c": {"d": {}}, "e": []},
        {"k": "x" * 9999, "n": -(10**25), "f": 1e300, "z": 0.1, "rows": [{"a": "审核"}] * 50},
    ],
)
def test_data_is_measured_as_the_state_stores_it(data):
    assert data_size(data, 10**9) == len(json.dumps(data, separators=(",", ":")))


def test_measuring_stops_past_the_cap_however_often_a_value_is_repeated():
    shared = {str(index): "x" * 9_999 for index in range(100)}  # 1 MB, bound to 48 names
    data = {f"alias{index}": shared for index in range(48)}
    assert data_size(data, 2_000_000) == 2_000_001
    assert data_size({"ok": "x" * 10}, 10) == 11


def test_the_limits_come_from_the_environment():
    assert data_limits({}) == DataLimits(DEFAULT_STEP_BYTES, DEFAULT_INSTANCE_BYTES)
    assert (DEFAULT_STEP_BYTES, DEFAULT_INSTANCE_BYTES) == (1_048_576, 8_388_608)
    assert data_limits({STEP_VAR: "4096", INSTANCE_VAR: " 65536 "}) == DataLimits(4096, 65536)
    assert data_limits({STEP_VAR: "", INSTANCE_VAR: " "}) == DataLimits()


@pytest.mark.parametrize("bad", ["0", "-5", "many", "1e6", "١٢٣", "9" * 40])
def test_a_wrong_limit_stops_the_engine_from_being_built(monkeypatch, bad):
    """Not a silent default: an operator who set a limit learns it was not taken."""
    monkeypatch.setenv(STEP_VAR, bad)
    with pytest.raises(ConfigurationError, match=f"{STEP_VAR}=.* is not a positive whole number"):
        build_engine()


class Stage(Enum):
    FILING = 1


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (float("inf"), "inf is not a finite number"),
        ([1, {"x": float("nan")}], "nan is not a finite number"),
        (UUID("12345678-1234-5678-1234-567812345678"), "is a UUID, not a plain value"),
        ({"stage": Stage.FILING}, "is a Stage, not a plain value"),
    ],
)
def test_a_value_the_state_cannot_store_is_refused_when_measured(value, reason):
    """orjson would write these as null, as text or as their value: they would read back as
    something else, so no step may store one."""
    with pytest.raises(Unstorable, match=reason):
        data_size({"value": value}, 10**9)
