"""What happened in one diagram of an instance: the elements active and completed, the flows
taken. The instance view draws it for a live subprocess; pruning keeps it for a finished one."""

from __future__ import annotations

from dataclasses import dataclass

from SpiffWorkflow.util.task import TaskState

# Task states, as SpiffWorkflow names them, that mean "the token is here now".
ACTIVE_STATES = frozenset({"READY", "WAITING", "STARTED", "ERROR"})
REACHED_STATES = ACTIVE_STATES | {"COMPLETED"}


@dataclass(frozen=True)
class Trace:
    active: list[str]
    completed: list[str]
    # Sequence flows taken, as (source element, target element): the diagram knows the flow ids.
    flows: list[tuple[str, str]]


def element_of(task) -> str | None:
    return getattr(task.task_spec, "bpmn_id", None)


def trace(tasks, sub) -> Trace:
    """The trace of `sub` (a workflow or subprocess) from its own `tasks`."""
    active, completed, flows = set(), set(), set()
    for task in tasks:
        element = element_of(task)
        state = TaskState.get_name(task.state)
        if not element or state not in REACHED_STATES:
            continue
        (active if state in ACTIVE_STATES else completed).add(element)
        source = element_of(task.parent) if task.parent else None
        if source and source != element and task.parent.workflow is sub:
            flows.add((source, element))
    return Trace(sorted(active), sorted(completed), sorted(flows))
