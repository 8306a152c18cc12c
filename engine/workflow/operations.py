"""Service operations that BPMN service tasks call by name, and what each call gets to see."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from engine.actors import Actor
from engine.errors import InvalidInput

if TYPE_CHECKING:
    from engine.models import ProcessInstance
    from engine.workflow.runtime import WorkflowEngine


@dataclass
class ServiceCall:
    """One service task's call: the command's session, the instance, the task's data, params."""

    session: Session
    engine: WorkflowEngine
    instance: ProcessInstance
    data: dict[str, Any]
    params: dict[str, Any]
    actor: Actor
    now: datetime
    element_id: str

    def require(self, name: str) -> Any:
        """A task data value the operation cannot do without."""
        if name not in self.data:
            raise InvalidInput(
                f"service task '{self.element_id}' needs '{name}' in the process data",
                errors={name: "missing"},
            )
        return self.data[name]


Operation = Callable[[ServiceCall], Any]


class OperationRegistry:
    """Operations by name; deployment rejects service tasks naming anything else."""

    def __init__(self) -> None:
        self._operations: dict[str, Operation] = {}
        self._descriptions: dict[str, str] = {}

    def register(self, name: str, operation: Operation, description: str = "") -> None:
        if name in self._operations:
            raise ValueError(f"operation {name!r} is already registered")
        self._operations[name] = operation
        self._descriptions[name] = description or (operation.__doc__ or "").strip()

    def operation(self, name: str, description: str = ""):
        """Decorator form of `register`."""

        def decorate(function: Operation) -> Operation:
            self.register(name, function, description)
            return function

        return decorate

    def names(self) -> frozenset[str]:
        return frozenset(self._operations)

    def describe(self) -> dict[str, str]:
        return dict(sorted(self._descriptions.items()))

    def call(self, name: str, call: ServiceCall) -> Any:
        operation = self._operations.get(name)
        if operation is None:
            raise LookupError(f"no service operation named {name!r}")
        return operation(call)
