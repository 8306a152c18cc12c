"""The composition root builds every registry from the list of areas; importing registers nothing.

The worked examples of docs/architecture.md live here, so they stay true: a new area with a
service operation and a form, added through its `register` and its line in `AREAS` only.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from marshmallow import Schema, fields
from sqlalchemy import select

from bpmn.xml import Source
from engine import composition
from engine.composition import build_engine
from engine.errors import DefinitionRejected, InvalidInput
from engine.forms import FORMS, validate_form
from engine.forms.registry import register_forms
from engine.models import ProcessInstance
from engine.workflow.definitions import deploy
from tests.engine.workflow.conftest import OPERATOR, ready_tasks
from tests.support.fresh_python import run_fresh


def test_importing_every_engine_module_registers_nothing_and_building_registers_all():
    run_fresh(
        """
        import importlib, pkgutil, re
        import engine
        for module in pkgutil.walk_packages(engine.__path__, "engine."):
            if ".migrations" not in module.name:
                importlib.import_module(module.name)

        from bpmn import role_aliases
        from engine.forms import FORMS
        from engine.monitoring.families import registered_families

        assert not FORMS, sorted(FORMS)
        assert not registered_families(), list(registered_families())
        assert not role_aliases.ALIASES, role_aliases.ALIASES

        from engine.composition import build_engine, shipped_sources

        workflow = build_engine()
        text = "".join(source.text for source in shipped_sources())
        forms = set(re.findall(r'name="form" value="([a-z_]+)"', text))
        operations = set(re.findall(r'serviceTaskOperator id="([a-z_]+)"', text))
        assert forms <= set(FORMS), forms - set(FORMS)
        assert operations <= set(workflow.operations.names()), operations
        assert role_aliases.role_for("主管部门") == "department"
        """
    )


def test_every_area_is_listed_once_and_has_a_register_function():
    names = [area.__name__ for area in composition.AREAS]
    assert len(names) == len(set(names))
    assert all(callable(getattr(area, "register", None)) for area in composition.AREAS)
    assert {name.removeprefix("engine.") for name in names} >= {
        "identity",
        "targets",
        "review",
        "monitoring",
        "evaluation",
        "rectification",
        "results",
    }


# ---- worked example: a new area with a service operation and a form -----------------------


class StampForm(Schema):
    """The toy area's form: what its user task takes."""

    note = fields.String(required=True)


STAMPED: list[str] = []


def stamp(call) -> dict:
    """The toy area's service operation: it sees what the form put into the task data."""
    STAMPED.append(call.data["note"])
    return {"stamped": True}


def register_stamp_area(operations) -> None:
    operations.register("stamp", stamp)
    register_forms({"stamp_form": StampForm})


STAMP_PROCESS = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"
    id="Definitions_stamp" targetNamespace="http://budgetloop/tests">
  <bpmn:process id="stamp_process" name="盖章" isExecutable="true">
    <bpmn:startEvent id="StartEvent_Stamp"><bpmn:outgoing>F1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:userTask id="Task_Note" name="填写说明">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="role" value="unit" />
        <spiffworkflow:property name="form" value="stamp_form" />
      </spiffworkflow:properties></bpmn:extensionElements>
      <bpmn:incoming>F1</bpmn:incoming><bpmn:outgoing>F2</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:serviceTask id="Service_Stamp" name="盖章">
      <bpmn:extensionElements>
        <spiffworkflow:serviceTaskOperator id="stamp" resultVariable="stamp_result">
          <spiffworkflow:parameters />
        </spiffworkflow:serviceTaskOperator>
      </bpmn:extensionElements>
      <bpmn:incoming>F2</bpmn:incoming><bpmn:outgoing>F3</bpmn:outgoing>
    </bpmn:serviceTask>
    <bpmn:endEvent id="EndEvent_Stamp"><bpmn:incoming>F3</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="F1" sourceRef="StartEvent_Stamp" targetRef="Task_Note" />
    <bpmn:sequenceFlow id="F2" sourceRef="Task_Note" targetRef="Service_Stamp" />
    <bpmn:sequenceFlow id="F3" sourceRef="Service_Stamp" targetRef="EndEvent_Stamp" />
  </bpmn:process>
</bpmn:definitions>
"""


@pytest.fixture
def stamp_area(monkeypatch):
    area = SimpleNamespace(__name__="tests.stamp", register=register_stamp_area)
    monkeypatch.setattr(composition, "AREAS", (*composition.AREAS, area))
    STAMPED.clear()
    yield area
    FORMS.pop("stamp_form", None)  # the form registry outlives the test


def test_a_new_area_is_its_register_function_and_its_line_in_areas(
    stamp_area, sessions, clock, province
):
    workflow = build_engine(clock)
    assert "stamp" in workflow.operations.names()
    with sessions() as session, session.begin():
        deploy(
            session,
            [Source("stamp.bpmn", STAMP_PROCESS)],
            OPERATOR,
            workflow.operations.names(),
        )
        started = workflow.start(session, "stamp_process", "stamp:1", {}, OPERATOR)
    task = ready_tasks(sessions, started.instance_id)[0]
    assert task.form == "stamp_form" and task.role == "unit"
    with pytest.raises(InvalidInput):
        validate_form("stamp_form", {"note": "ok", "amount": 1})  # unknown fields refused
    with sessions() as session, session.begin():
        data = validate_form("stamp_form", {"note": "已盖章"})
        workflow.complete_task(session, task.id, data, OPERATOR)
    assert STAMPED == ["已盖章"]
    with sessions() as session:
        instance = session.scalars(
            select(ProcessInstance).where(ProcessInstance.id == started.instance_id)
        ).one()
        assert instance.status == "completed"


def test_without_its_line_in_areas_a_process_calling_it_does_not_deploy(sessions, clock, shipped):
    workflow = build_engine(clock)
    assert "stamp" not in workflow.operations.names()
    assert "stamp_form" not in FORMS
    with sessions() as session, pytest.raises(DefinitionRejected) as refused:
        deploy(
            session,
            [Source("stamp.bpmn", STAMP_PROCESS)],
            OPERATOR,
            workflow.operations.names(),
        )
    assert "stamp" in str(refused.value)
