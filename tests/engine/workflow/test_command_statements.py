"""What a command sends to the database (issue 12: at most eight statements for a user task's
completion): BEGIN, one read of the task with its instance, the state, the task done, the next
task, the audit tip, the event (the database moves the tip), COMMIT. A command that fails
before it has written opens its incident without a savepoint, and the caller's own work in the
same transaction stays; one whose service task wrote has a savepoint to undo that."""

from __future__ import annotations

import pytest
from sqlalchemy import event, func, select

from engine import audit
from engine.errors import InvalidInput
from engine.models import AuditEvent, AuditHead, HumanTask, Incident, ProcessInstance
from engine.workflow.definitions import deploy
from tests.engine.workflow.conftest import OPERATOR, ready_tasks, source


class Statements:
    """Every statement and transaction boundary the engine sends while `on`."""

    def __init__(self, engine) -> None:
        self.sent: list[str] = []
        self.on = False
        event.listen(engine, "before_cursor_execute", self._cursor)
        event.listen(engine, "commit", lambda _c: self._note("COMMIT"))
        if engine.dialect.name != "sqlite":  # SQLite's BEGIN IMMEDIATE goes through a cursor
            event.listen(engine, "begin", lambda _c: self._note("BEGIN"))

    def _cursor(self, _conn, _cursor, statement, *_args) -> None:
        self._note(" ".join(statement.split()))

    def _note(self, what: str) -> None:
        if self.on:
            self.sent.append(what)


@pytest.fixture
def statements(engine):
    return Statements(engine)


@pytest.fixture
def instance_id(sessions, wf, province):
    with sessions() as session, session.begin():
        deploy(session, [source("task_then_script.bpmn")], OPERATOR, wf.operations.names())
        outcome = wf.start(session, "task_then_script", "share:1", {}, OPERATOR)
    assert outcome.ok, outcome.error
    return outcome.instance_id


def test_a_user_task_completion_is_eight_statements(sessions, wf, instance_id, statements):
    (task,) = ready_tasks(sessions, instance_id)
    statements.on = True
    with sessions() as session, session.begin():
        outcome = wf.complete_task(session, task.id, {"count": 4}, OPERATOR)
    statements.on = False
    assert outcome.ok, outcome.error
    sent = statements.sent
    assert len(sent) == 8, [statement[:70] for statement in sent]
    assert sent[0].startswith("BEGIN") and sent[-1] == "COMMIT"
    assert sent[1].startswith("SELECT human_task.id") and "process_instance" in sent[1]
    assert not any("SAVEPOINT" in statement for statement in sent)
    assert not any(statement.startswith("UPDATE audit_head") for statement in sent)
    with sessions() as session:
        last = session.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc())).first()
        head = session.get(AuditHead, 1)
        assert last.action == "task.complete"
        assert (head.seq, head.hash) == (last.seq, last.hash)  # moved by the database
    (confirm,) = ready_tasks(sessions, instance_id)
    assert confirm.element_id == "Task_Confirm"


def test_a_failure_before_any_write_keeps_the_callers_work(sessions, wf, instance_id, statements):
    (task,) = ready_tasks(sessions, instance_id)
    with sessions() as session:
        before = session.get(ProcessInstance, instance_id).state
    statements.on = True
    with sessions() as session, session.begin():
        audit.append(session, actor="test", action="caller.before", object_type="test", object_id=1)
        outcome = wf.complete_task(session, task.id, {"count": 0}, OPERATOR)  # 1000 / 0
    statements.on = False
    assert not outcome.ok and outcome.status == "incident"
    assert not any("SAVEPOINT" in statement for statement in statements.sent)
    with sessions() as session:
        incident = session.get(Incident, outcome.incident_id)
        assert incident.element_id == "Script_Share"
        instance = session.get(ProcessInstance, instance_id)
        assert instance.status == "incident" and instance.state == before
        assert session.get(HumanTask, task.id).status == "ready"
        actions = session.scalars(select(AuditEvent.action).order_by(AuditEvent.seq)).all()
        assert actions[-2:] == ["caller.before", "incident.open"]
        assert "task.complete" not in actions
    # The instance's next command starts from the row, not from the workflow that failed.
    with sessions() as session, session.begin():
        retried = wf.retry_incident(session, outcome.incident_id, OPERATOR)
    assert not retried.ok  # the same data divides by zero again
    with sessions() as session:
        assert session.scalar(select(func.count(Incident.id))) == 1


def test_a_step_that_makes_a_number_infinite_becomes_an_incident(sessions, wf, instance_id):
    """JSON has no infinity: a state would store null (orjson) or text other readers refuse."""
    (task,) = ready_tasks(sessions, instance_id)
    with sessions() as session, session.begin():
        outcome = wf.complete_task(session, task.id, {"count": 1e-308}, OPERATOR)  # 1000 / …
    assert not outcome.ok and outcome.status == "incident"
    assert "'Script_Share'" in outcome.error and "inf is not a finite number" in outcome.error
    with sessions() as session:
        assert session.get(Incident, outcome.incident_id).element_id == "Script_Share"
        assert session.get(HumanTask, task.id).status == "ready"


@pytest.mark.parametrize("number", [float("nan"), float("inf")])
def test_form_data_with_a_number_that_is_not_finite_is_refused(sessions, wf, instance_id, number):
    (task,) = ready_tasks(sessions, instance_id)
    with (
        sessions() as session,
        session.begin(),
        pytest.raises(InvalidInput, match="plain JSON values"),
    ):
        wf.complete_task(session, task.id, {"count": number}, OPERATOR)
