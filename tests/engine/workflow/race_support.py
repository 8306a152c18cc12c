"""What the race tests share: racers released together, their outcomes sorted into winners
and losers, and the rows and events an instance left behind."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

from sqlalchemy import event, select

from engine.errors import Conflict
from engine.models import AuditEvent, HumanTask, ProcessInstance
from engine.workflow.definitions import deploy
from engine.workflow.runtime import Outcome
from tests.engine.workflow.conftest import OPERATOR, source

WAIT = 60  # seconds any thread may wait for another before the test fails instead of hanging


def _deploy(sessions, wf, *names: str) -> None:
    with sessions() as session, session.begin():
        deploy(session, [source(name) for name in names], OPERATOR, wf.operations.names())


def _start(sessions, wf, process_key: str, count: int, data: dict | None = None) -> list[int]:
    with sessions() as session, session.begin():
        ids = []
        for n in range(count):
            outcome = wf.start(session, process_key, f"{process_key}:{n}", data or {}, OPERATOR)
            assert outcome.ok, outcome.error
            ids.append(outcome.instance_id)
        return ids


def _together(*calls: Callable[[], object]) -> list[object]:
    """Run each call in its own thread, released at the same moment; results or exceptions."""
    barrier = threading.Barrier(len(calls))

    def run(call):
        barrier.wait(timeout=WAIT)
        try:
            return call()
        except Exception as error:  # collected and asserted on by the caller
            return error

    with ThreadPoolExecutor(len(calls)) as pool:
        futures = [pool.submit(run, call) for call in calls]
        return [future.result(timeout=WAIT) for future in futures]


def _complete(sessions, wf, task_id: int, data: dict, expected_version: int | None = None):
    def call() -> Outcome:
        with sessions() as session, session.begin():
            return wf.complete_task(session, task_id, data, OPERATOR, expected_version)

    return call


def _split(results: list[object]) -> tuple[list[int], list[int]]:
    """Indexes of the successful racers and of those that got a Conflict (nothing else allowed)."""
    unexpected = [r for r in results if not isinstance(r, Outcome | Conflict)]
    assert not unexpected, unexpected
    won = [i for i, r in enumerate(results) if isinstance(r, Outcome)]
    assert all(results[i].ok for i in won), results
    lost = [i for i, r in enumerate(results) if isinstance(r, Conflict)]
    return won, lost


def _conflict_kind(error: Conflict) -> str:
    if error.errors.get("version") == "stale":
        return "stale version"
    if error.errors.get("task") == "done":
        return "task already done"
    return error.message


def _version(sessions, instance_id: int) -> int:
    with sessions() as session:
        return session.get(ProcessInstance, instance_id).version


def _rows(session, instance_id: int, status: str | None = None) -> list[HumanTask]:
    query = select(HumanTask).where(HumanTask.instance_id == instance_id)
    if status:
        query = query.where(HumanTask.status == status)
    return list(session.scalars(query.order_by(HumanTask.id)))


def _events(session, action: str, instance_id: int) -> list[AuditEvent]:
    return list(
        session.scalars(
            select(AuditEvent)
            .where(AuditEvent.action == action, AuditEvent.object_id == str(instance_id))
            .order_by(AuditEvent.seq)
        )
    )


def _data(session, wf, instance_id: int) -> dict:
    """The workflow data the instance's next ready task sees."""
    workflow = wf.load(session, session.get(ProcessInstance, instance_id), OPERATOR)
    [ready] = [t for t in workflow.get_tasks() if t.task_spec.bpmn_id == "Task_After"]
    return dict(ready.data)


_INSTANCE_WRITE = re.compile(r"^\s*UPDATE\s+\"?process_instance\"?\s", re.IGNORECASE)


@contextmanager
def _writes_held(engine, barrier: threading.Barrier) -> Iterator[threading.local]:
    """Threads that set `held.on` wait at `barrier` just before they write a process instance
    (once each): so every racer has loaded the instance before any of them writes it."""
    held = threading.local()

    def before_cursor_execute(_conn, _cursor, statement, *_args) -> None:
        if getattr(held, "on", False) and _INSTANCE_WRITE.match(statement):
            held.on = False
            barrier.wait(timeout=WAIT)

    event.listen(engine, "before_cursor_execute", before_cursor_execute)
    try:
        yield held
    finally:
        event.remove(engine, "before_cursor_execute", before_cursor_execute)
