"""How failures inside engine steps are told apart: the caller's error, a conflict, an incident."""

from __future__ import annotations

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import MultiInstanceTask
from SpiffWorkflow.util.task import TaskState
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm.exc import StaleDataError

from engine.errors import Conflict, Forbidden, InvalidInput
from engine.workflow.data_limits import TaskDataRefused


class EngineFailure(Exception):
    """Something failed inside engine steps; carries the element where it happened."""

    def __init__(self, error: BaseException, element_id: str | None) -> None:
        super().__init__(str(error))
        self.error = error
        self.element_id = element_id


def root_cause(error: BaseException, *, implicit: bool = False) -> BaseException:
    """The innermost error; with `implicit`, also through plain `raise` inside `except`."""
    seen = set()
    while id(error) not in seen:
        seen.add(id(error))
        inner = getattr(error, "exception", None) or error.__cause__
        if inner is None and implicit and not error.__suppress_context__:
            # SpiffWorkflow re-raises without `from`: the real error is the context.
            inner = error.__context__
        if not isinstance(inner, BaseException):
            break
        error = inner
    return error


def conflict_in(cause: BaseException) -> Conflict | None:
    """A concurrent change met inside engine steps is a conflict, not an incident."""
    if isinstance(cause, StaleDataError):
        return Conflict("the data changed meanwhile; reload and try again")
    if isinstance(cause, OperationalError):
        text = str(cause.orig).lower()
        if any(word in text for word in ("locked", "busy", "deadlock", "could not serialize")):
            return Conflict("the data is being changed right now; try again")
    return None


# What the caller did wrong (bad form data, a stale version, a missing right) goes back to the
# caller; anything else that fails inside the engine is an operator's problem: an incident.
CALLER_ERRORS = (InvalidInput, Conflict, Forbidden)


def classify(error: Exception, element_id: str | None) -> Exception:
    """The exception a failure inside engine steps becomes."""
    cause = root_cause(error)
    if isinstance(cause, CALLER_ERRORS):
        return cause
    if isinstance(cause, TaskDataRefused):
        # The step that grew the data, which need not be the last element the engine passed.
        return EngineFailure(cause, cause.element_id)
    return conflict_in(cause) or EngineFailure(error, element_id)


def missing_collection(workflow: BpmnWorkflow, error: Exception) -> Exception | None:
    """Name the input collection a multi-instance task could not find (the library only says
    that None is not iterable)."""
    if not isinstance(root_cause(error, implicit=True), TypeError):
        return None
    for task in workflow.get_tasks(state=TaskState.NOT_FINISHED_MASK):
        spec = task.task_spec
        name = getattr(getattr(spec, "data_input", None), "bpmn_id", None)
        # A task that failed on its way to ready has not received its parent's data yet.
        data = task.data or (task.parent.data if task.parent is not None else {})
        if isinstance(spec, MultiInstanceTask) and name and name not in data:
            return LookupError(
                f"unknown name '{name}': the input collection of multi-instance task "
                f"'{spec.bpmn_id}' is missing from the process data"
            )
    return None


def describe(error: BaseException) -> str:
    cause = root_cause(error, implicit=True)
    text = f"{type(cause).__name__}: {cause}"
    if cause is not error:
        text = f"{error} — {text}"
    return text[:2000]
