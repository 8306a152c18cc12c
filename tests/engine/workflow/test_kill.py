"""A process killed (SIGKILL) in the middle of a command leaves the database as it was before the
command, and the instance then goes on normally.

The command runs in a child process (tests/support/kill_child.py) that stops inside it with work
sent to the database but not committed: right after its first write (the instance's `UPDATE …
WHERE version`), right after its last (the audit event), or at its first ORM flush. The test checks
the child really holds that unfinished write, kills it, and compares the whole database with the
snapshot taken before the child started.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import Engine, select, text
from sqlalchemy.exc import OperationalError

from engine import audit
from engine.cli import run
from engine.models import AuditEvent, HumanTask, ProcessInstance, Timer
from engine.workflow.definitions import deploy
from tests.engine.workflow.conftest import OPERATOR, source
from tests.support.snapshot import snapshot
from web.cli import cli

ROOT = Path(__file__).resolve().parents[3]
CHILD = ROOT / "tests" / "support" / "kill_child.py"
WAIT = 60


def _held_by_another(engine: Engine, instance_id: int | None = None) -> bool:
    """Whether another transaction holds an unfinished write (on the instance, if given)."""
    if engine.dialect.name == "sqlite":
        connection = sqlite3.connect(engine.url.database, timeout=0, isolation_level=None)
        try:
            connection.execute("BEGIN IMMEDIATE")
            connection.execute("ROLLBACK")
            return False
        except sqlite3.OperationalError as error:
            assert "locked" in str(error), error
            return True
        finally:
            connection.close()
    with engine.connect() as connection:
        if instance_id is None:
            return bool(
                connection.scalar(
                    text(
                        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                        " AND pid <> pg_backend_pid() AND state = 'idle in transaction'"
                    )
                )
            )
        try:
            connection.execute(
                text("SELECT id FROM process_instance WHERE id = :id FOR UPDATE NOWAIT"),
                {"id": instance_id},
            )
            return False
        except OperationalError as error:
            assert "could not obtain lock" in str(error.orig), error
            return True
        finally:
            connection.rollback()


@contextmanager
def _stopped_child(tmp_path: Path, stop: str, *args: str, env=None) -> Iterator[None]:
    """Run the child until it stops inside the command; SIGKILL it when the block ends."""
    marker, log = tmp_path / "stopped", tmp_path / "child.log"
    environment = {**os.environ, **(env or {}), "PYTHONPATH": str(ROOT)}
    with log.open("w") as output:
        child = subprocess.Popen(
            [sys.executable, str(CHILD), str(marker), stop, *args],
            cwd=ROOT,
            env=environment,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + WAIT
        while not marker.exists():
            if child.poll() is not None:
                pytest.fail(f"the child exited ({child.returncode}) early:\n{log.read_text()}")
            if time.monotonic() > deadline:
                pytest.fail(f"the child did not reach the command's flush:\n{log.read_text()}")
            time.sleep(0.02)
        yield
    finally:
        if child.poll() is None:
            os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=WAIT)
    assert child.returncode == -signal.SIGKILL, log.read_text()


def _wait_until_released(engine: Engine, instance_id: int | None = None) -> None:
    # The server notices the dead client's closed socket and rolls its transaction back.
    deadline = time.monotonic() + WAIT
    while _held_by_another(engine, instance_id):
        assert time.monotonic() < deadline, "the killed transaction still holds its locks"
        time.sleep(0.05)


def _events(session, action: str, instance_id: int) -> list[AuditEvent]:
    return list(
        session.scalars(
            select(AuditEvent).where(
                AuditEvent.action == action, AuditEvent.object_id == str(instance_id)
            )
        )
    )


def _rows(session, instance_id: int) -> list[tuple[str, str, str | None]]:
    return [
        (row.element_id, row.status, row.completed_by)
        for row in session.scalars(
            select(HumanTask).where(HumanTask.instance_id == instance_id).order_by(HumanTask.id)
        )
    ]


def _start(sessions, wf, file_name: str, process_key: str, data: dict) -> int:
    with sessions() as session, session.begin():
        deploy(session, [source(file_name)], OPERATOR, wf.operations.names())
        outcome = wf.start(session, process_key, f"{process_key}:kill", data, OPERATOR)
    assert outcome.ok, outcome.error
    return outcome.instance_id


@pytest.mark.parametrize("stop", ["instance", "audit"], ids=["after first write", "before commit"])
def test_killed_while_completing_a_task(database_url, engine, sessions, wf, tmp_path, stop):
    instance_id = _start(sessions, wf, "two_step.bpmn", "two_step", {})
    with sessions() as session:
        [task_id] = session.scalars(
            select(HumanTask.id).where(HumanTask.instance_id == instance_id)
        ).all()
        version = session.get(ProcessInstance, instance_id).version
    before = snapshot(engine)

    with _stopped_child(tmp_path, stop, "complete", database_url, str(task_id)):
        assert _held_by_another(engine, instance_id)
    _wait_until_released(engine, instance_id)

    assert snapshot(engine) == before
    # The instance is still in its last wait state: the same task completes normally.
    with sessions() as session, session.begin():
        outcome = wf.complete_task(session, task_id, {"by": "parent"}, OPERATOR)
    assert outcome.ok and outcome.status == "running"
    with sessions() as session:
        assert session.get(ProcessInstance, instance_id).version == version + 1
        assert _rows(session, instance_id) == [
            ("Task_First", "completed", OPERATOR.name),
            ("Task_Second", "ready", None),
        ]
        [done] = _events(session, "task.complete", instance_id)
        assert done.actor == OPERATOR.name and done.payload["data"] == {"by": "parent"}
        report = audit.verify(session)
        assert report.ok, report.problem


def test_killed_while_ticking(database_url, engine, sessions, wf, tmp_path, monkeypatch, capsys):
    instance_id = _start(
        sessions, wf, "timer_then_task.bpmn", "timer_then_task", {"due": "2026-03-01T00:00:00Z"}
    )
    env = {
        "BUDGETLOOP_DATABASE_URL": database_url,
        "BUDGETLOOP_INSTANCE_DIR": str(tmp_path / "instance"),
    }
    now = "2026-03-01T08:00:00+08:00"
    before = snapshot(engine)

    # `budgetloop tick` itself, stopped after writing the audit event: only the commit is left.
    with _stopped_child(tmp_path, "audit", "cli", "tick", "--now", now, env=env):
        assert _held_by_another(engine, instance_id)
    _wait_until_released(engine, instance_id)

    assert snapshot(engine) == before
    # The next tick fires the timer as if the killed one had never run.
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    capsys.readouterr()
    assert run(cli, ["tick", "--now", now]) == 0
    assert capsys.readouterr().out == "fired timers on 1 instances; 0 incidents; 0 conflicts\n"
    with sessions() as session:
        [timer] = session.scalars(select(Timer).where(Timer.instance_id == instance_id)).all()
        assert timer.status == "fired"
        assert _rows(session, instance_id) == [("Task_AfterTimer", "ready", None)]
        assert len(_events(session, "timer.fire", instance_id)) == 1
        report = audit.verify(session)
        assert report.ok, report.problem


def test_killed_while_starting_an_instance(database_url, engine, sessions, wf, tmp_path):
    with sessions() as session, session.begin():
        deploy(session, [source("two_step.bpmn")], OPERATOR, wf.operations.names())
    before = snapshot(engine)

    # The first flush of a start writes the new process_instance row (to learn its id).
    with _stopped_child(tmp_path, "flush", "start", database_url, "two_step", "two_step:kill"):
        assert _held_by_another(engine)
    _wait_until_released(engine)

    assert snapshot(engine) == before
    with sessions() as session, session.begin():
        outcome = wf.start(session, "two_step", "two_step:kill", {}, OPERATOR)
    assert outcome.ok and outcome.status == "running"
    with sessions() as session:
        [instance] = session.scalars(select(ProcessInstance)).all()
        assert instance.id == outcome.instance_id and instance.business_key == "two_step:kill"
        assert _rows(session, instance.id) == [("Task_First", "ready", None)]
        assert len(_events(session, "instance.start", instance.id)) == 1
        report = audit.verify(session)
        assert report.ok, report.problem
