"""Deploying a file of the conformance corpus and driving its primary process: every problem
must name the file and a reason, every run must end, wait or stop for missing data."""

from __future__ import annotations

import re
import signal
from contextlib import contextmanager

import pytest
from SpiffWorkflow.bpmn.specs.event_definitions.conditional import ConditionalEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.item_aware_event import (
    ErrorEventDefinition,
    EscalationEventDefinition,
    SignalEventDefinition,
)
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.multiple import MultipleEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import func, select

from engine.db import unit_of_work
from engine.errors import DefinitionRejected
from engine.models import HumanTask, Incident, ProcessInstance, Timer
from engine.workflow.definitions import deploy
from engine.workflow.ticker import fire_due_timers
from tests.engine.workflow.conformance_corpus import CorpusFile, source
from tests.engine.workflow.conformance_report import FileResult
from tests.engine.workflow.conftest import OPERATOR

MAX_TASKS = 25  # human tasks completed per instance before we call it "still waiting"
MAX_TIMERS = 10  # timer firings per instance (a cycle timer would go on for ever)
COMMAND_SECONDS = 5  # a command that takes longer is hung (commands take milliseconds)

# Problems that concern a whole file may name no element.
FILE_LEVEL = re.compile(
    r"not well-formed XML|no executable process|has no decision|not a BPMN 2\.0 or DMN document|"
    r"DMN version .* is not supported|cannot be parsed|DOCTYPE|larger than|"
    r"same file name appears twice|must be in the default namespace"
)
# Incidents that mean "the file's tasks needed data we did not give": the safe evaluator's
# words, and the library's for data objects and multi-instance inputs and outputs.
MISSING_DATA = re.compile(
    r"unknown name '|no key |could not be set; '[^']+' not exist|"
    r"Missing data input for multiinstance|Expected an output item"
)

WAIT_KINDS = [
    (MessageEventDefinition, "message"),
    (SignalEventDefinition, "signal"),
    (TimerEventDefinition, "timer"),
    (ConditionalEventDefinition, "condition"),
    (ErrorEventDefinition, "error"),
    (EscalationEventDefinition, "escalation"),
]


# ---- deploying -------------------------------------------------------------------------------


def _attempt(sessions, wf, files: list[CorpusFile]) -> DefinitionRejected | None:
    """One deployment in a fresh transaction, committed when accepted."""
    try:
        with sessions() as session, session.begin():
            deploy(session, [source(f) for f in files], OPERATOR, wf.operations.names())
    except DefinitionRejected as rejected:
        return rejected
    except Exception as error:  # the acceptance: nothing but DefinitionRejected
        pytest.fail(
            f"{files[0].name}: deploy raised {type(error).__name__}: {error}", pytrace=False
        )
    return None


def _check_problems(name: str, rejected: DefinitionRejected) -> None:
    if not rejected.problems:
        pytest.fail(f"{name}: rejected without a single problem", pytrace=False)
    for problem in rejected.problems:
        if not problem.file or not (problem.reason or "").strip():
            pytest.fail(f"{name}: a problem names no file or no reason: {problem}", pytrace=False)
        if problem.element is None and not (
            FILE_LEVEL.search(problem.reason) or re.search(r"\(line \d+\)", problem.reason)
        ):
            pytest.fail(
                f"{name}: a problem names no element but is not about the whole file: "
                f"{problem.reason!r}",
                pytrace=False,
            )


# ---- running ---------------------------------------------------------------------------------


class Hung(BaseException):
    """A command ran past its deadline (a BaseException, so the engine cannot file it away)."""


@contextmanager
def deadline(result: FileResult, what: str):
    """Fail, instead of hanging the whole run, when one command runs away."""

    def expire(_signum, _frame):
        raise Hung

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(COMMAND_SECONDS)
    hung = False
    try:
        yield
    except Hung:
        hung = True
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    if hung:
        result.outcome = "hung"
        result.detail = f"{what} did not return within {COMMAND_SECONDS} s"
        # Raised from None: the alarm that interrupted the engine is noise in the report.
        raise pytest.fail.Exception(f"{result.name}: {result.detail}", pytrace=False) from None


def _fire_due(sessions, wf) -> int:
    stats = fire_due_timers(wf, lambda: unit_of_work(sessions), OPERATOR)
    return stats.fired + stats.incidents


def _kind(definition) -> str:
    for base, kind in WAIT_KINDS:
        if isinstance(definition, base):
            return kind
    return type(definition).__name__


def _waiting_for(sessions, wf, instance_id: int) -> str:
    """What a running instance with no ready task and no timer row waits for."""
    with sessions() as session:
        instance = session.get(ProcessInstance, instance_id)
        workflow = wf.load(session, instance, OPERATOR)
    kinds = set()
    for task in workflow.get_tasks(state=TaskState.WAITING):
        definition = getattr(task.task_spec, "event_definition", None)
        if isinstance(definition, MultipleEventDefinition):
            kinds |= {_kind(d) for d in definition.event_definitions}
        elif definition is not None:
            kinds.add(_kind(definition))
    return " or ".join(sorted(kinds)) or "nothing"


def _incident(result: FileResult, error: str) -> None:
    missing = MISSING_DATA.search(error)
    result.outcome = "incident: data missing" if missing else "incident: other"
    result.detail = f"incident: {error}"


def _drive(sessions, wf, clock, result: FileResult, key: str) -> None:
    """Start the process with no data and drive it to its end or a wait it cannot pass."""
    with deadline(result, "start"), sessions() as session, session.begin():
        outcome = wf.start(session, key, f"conformance:{result.name}"[:100], {}, OPERATOR)
    if not outcome.ok:
        _incident(result, outcome.error or "")
        return
    instance_id = outcome.instance_id
    while True:
        with sessions() as session:
            status = session.scalar(
                select(ProcessInstance.status).where(ProcessInstance.id == instance_id)
            )
            ready = session.scalars(
                select(HumanTask.id)
                .where(HumanTask.instance_id == instance_id, HumanTask.status == "ready")
                .order_by(HumanTask.id)
            ).all()
            next_due = session.scalar(
                select(func.min(Timer.due_at)).where(
                    Timer.instance_id == instance_id, Timer.status == "waiting"
                )
            )
            error = session.scalar(
                select(Incident.error)
                .where(Incident.instance_id == instance_id, Incident.resolved_at.is_(None))
                .order_by(Incident.id.desc())
                .limit(1)
            )
        if status == "completed":
            result.outcome = "completed"
            return
        if status == "incident":
            _incident(result, error or "")
            return
        if ready and result.tasks < MAX_TASKS:
            with deadline(result, "complete_task"), sessions() as session, session.begin():
                wf.complete_task(session, ready[0], {}, OPERATOR)
            result.tasks += 1
            continue
        if ready:
            result.outcome = "waiting: user task"
            result.detail = f"still asking for user tasks after {MAX_TASKS}"
            return
        if next_due is not None and result.timers < MAX_TIMERS:
            clock.set(max(clock(), next_due))
            with deadline(result, "fire_timers"):
                fired = _fire_due(sessions, wf)
            if not fired:
                result.outcome = "timer did not fire"
                result.detail = f"a timer due at {next_due} did not fire at {clock()}"
                pytest.fail(f"{result.name}: {result.detail}", pytrace=False)
            result.timers += fired
            continue
        if next_due is not None:
            result.outcome = "waiting: timer"
            result.detail = f"a timer is still due after {MAX_TIMERS} firings"
            return
        result.outcome = f"waiting: {_waiting_for(sessions, wf, instance_id)}"
        return
