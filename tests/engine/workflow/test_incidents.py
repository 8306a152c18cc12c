"""A service operation that fails leaves nothing but an incident; retry and resolve it."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, func, select

from engine.composition import register_areas
from engine.errors import Conflict, InvalidInput
from engine.models import (
    AccountabilityAction,
    AuditEvent,
    HumanTask,
    Incident,
    Organisation,
    PolicySetting,
    ProcessInstance,
)
from engine.models.enums import AccountabilityKind
from engine.workflow.definitions import deploy
from engine.workflow.runtime import WorkflowEngine
from tests.engine.workflow.conftest import OPERATOR, ready_tasks, source


class Bank:
    """A payment interface that is down until it is repaired."""

    def __init__(self) -> None:
        self.down = True
        self.calls = 0

    def pay(self, call):
        self.calls += 1
        # Work the operation did before failing must vanish with the failed command.
        organisation = call.session.scalars(select(Organisation.id)).first()
        call.session.add(
            AccountabilityAction(
                project_id=call.data["project_id"],
                organisation_id=organisation,
                kind=AccountabilityKind.REMINDER,
                note="written before the failure",
            )
        )
        call.session.flush()
        if self.down:
            raise RuntimeError("国库支付接口无响应 (bank interface down)")
        return {"paid": call.params["amount"]}


@pytest.fixture
def bank():
    return Bank()


@pytest.fixture
def flaky_engine(clock, bank):
    registry = register_areas()
    registry.register("flaky", bank.pay)
    return WorkflowEngine(registry, clock)


@pytest.fixture
def instance_id(sessions, flaky_engine, province):
    with sessions() as session, session.begin():
        deploy(session, [source("flaky_service.bpmn")], OPERATOR, flaky_engine.operations.names())
        outcome = flaky_engine.start(
            session,
            "flaky_service",
            "payment:1",
            {"project_id": province[0], "amount": "1250.00"},
            OPERATOR,
        )
    return outcome.instance_id


def _complete_first(sessions, flaky_engine, instance_id, data=None):
    task = ready_tasks(sessions, instance_id)[0]
    with sessions() as session, session.begin():
        return task, flaky_engine.complete_task(session, task.id, data or {}, OPERATOR)


def test_a_failing_operation_writes_nothing_but_an_incident(sessions, flaky_engine, instance_id):
    with sessions() as session:
        before = session.get(ProcessInstance, instance_id).state
    task, outcome = _complete_first(sessions, flaky_engine, instance_id, {"note": "urgent"})
    assert not outcome.ok and outcome.status == "incident"
    assert "bank interface down" in outcome.error
    with sessions() as session:
        incident = session.get(Incident, outcome.incident_id)
        assert incident.instance_id == instance_id
        assert incident.element_id == "Service_Flaky"
        assert incident.command["kind"] == "complete_task"
        assert incident.command["data"] == {"note": "urgent"}
        instance = session.get(ProcessInstance, instance_id)
        assert instance.state == before and instance.status == "incident"
        # The task is still waiting where it was; the operation's own write is gone.
        assert session.get(HumanTask, task.id).status == "ready"
        assert session.scalar(select(func.count(AccountabilityAction.id))) == 0
        actions = session.scalars(select(AuditEvent.action).order_by(AuditEvent.seq)).all()
        assert actions[-1] == "incident.open" and "task.complete" not in actions


def test_an_instance_with_an_incident_takes_no_other_command(sessions, flaky_engine, instance_id):
    task, outcome = _complete_first(sessions, flaky_engine, instance_id)
    assert not outcome.ok
    with sessions() as session, session.begin(), pytest.raises(Conflict, match="open incident"):
        flaky_engine.complete_task(session, task.id, {}, OPERATOR)
    with sessions() as session, session.begin(), pytest.raises(Conflict, match="open incident"):
        flaky_engine.fire_timers(session, instance_id, OPERATOR)


def test_retry_fails_again_then_succeeds_once_repaired(sessions, flaky_engine, instance_id, bank):
    _, outcome = _complete_first(sessions, flaky_engine, instance_id, {"note": "urgent"})
    with sessions() as session, session.begin():
        again = flaky_engine.retry_incident(session, outcome.incident_id, OPERATOR)
    assert not again.ok and again.incident_id == outcome.incident_id
    with sessions() as session:
        incident = session.get(Incident, outcome.incident_id)
        assert incident.attempts == 2 and incident.resolved_at is None
        assert session.scalar(select(func.count(Incident.id))) == 1
    bank.down = False
    with sessions() as session, session.begin():
        fixed = flaky_engine.retry_incident(session, outcome.incident_id, OPERATOR)
    assert fixed.ok and fixed.status == "running"
    with sessions() as session:
        incident = session.get(Incident, outcome.incident_id)
        assert incident.resolution == "retried" and incident.resolved_by == OPERATOR.name
        assert session.get(ProcessInstance, instance_id).status == "running"
        assert session.scalar(select(func.count(AccountabilityAction.id))) == 1
    # The replay used the original form data and moved on to the next task.
    [next_task] = ready_tasks(sessions, instance_id)
    assert next_task.element_id == "Task_Confirm"
    with sessions() as session, session.begin(), pytest.raises(Conflict, match="already"):
        flaky_engine.retry_incident(session, outcome.incident_id, OPERATOR)


def test_resolve_leaves_the_instance_in_its_last_wait_state(sessions, flaky_engine, instance_id):
    task, outcome = _complete_first(sessions, flaky_engine, instance_id)
    with sessions() as session, session.begin(), pytest.raises(InvalidInput, match="note"):
        flaky_engine.resolve_incident(session, outcome.incident_id, OPERATOR, "  ")
    with sessions() as session, session.begin():
        flaky_engine.resolve_incident(session, outcome.incident_id, OPERATOR, "支付改为线下办理")
    with sessions() as session:
        assert session.get(ProcessInstance, instance_id).status == "running"
        assert session.get(Incident, outcome.incident_id).resolution == "dismissed"
    assert [t.id for t in ready_tasks(sessions, instance_id)] == [task.id]


def test_incident_commands_on_the_cli(
    sessions, wf, province, start, simulation, database_url, monkeypatch, tmp_path, capsys, clock
):
    """A shipped process whose configuration is missing: list, retry (fails), repair, retry."""
    from engine.cli import run
    from web.cli import cli

    monkeypatch.setenv("BUDGETLOOP_DATABASE_URL", database_url)
    monkeypatch.setenv("BUDGETLOOP_INSTANCE_DIR", str(tmp_path))
    instance = start(province[0])
    with sessions() as session, session.begin():
        saved = session.scalars(select(PolicySetting).where(PolicySetting.key == "alerts")).one()
        saved = {c.key: getattr(saved, c.key) for c in PolicySetting.__table__.columns}
        session.execute(delete(PolicySetting).where(PolicySetting.key == "alerts"))
    # File and approve targets, reach monitoring, fill the report: compute_alerts fails.
    for _ in range(10):
        for task in ready_tasks(sessions, instance):
            simulation.complete_one(sessions, task.id)
    clock.advance(days=220)
    assert run(cli, ["tick", "--now", clock().isoformat()]) == 0
    report = ready_tasks(sessions, instance)[0]
    assert report.form == "monitoring_report"
    outcome = simulation.complete_one(sessions, report.id)
    assert not outcome.ok and "no policy setting 'alerts'" in outcome.error
    capsys.readouterr()
    assert run(cli, ["incident", "list"]) == 0
    listed = capsys.readouterr().out
    assert f"#{outcome.incident_id} open" in listed and "Service_ComputeAlerts" in listed
    assert run(cli, ["incident", "retry", str(outcome.incident_id)]) != 0
    assert "failed again" in capsys.readouterr().err
    with sessions() as session, session.begin():
        session.add(PolicySetting(**saved))
    assert run(cli, ["incident", "retry", str(outcome.incident_id)]) == 0
    assert "retried" in capsys.readouterr().out
    assert run(cli, ["incident", "list"]) == 0
    assert "no incidents" in capsys.readouterr().out
