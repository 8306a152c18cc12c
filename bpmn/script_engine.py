"""The only script engine workflows ever run with: safe grammar, injected clock, named services."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import BasePythonScriptEngineEnvironment

from bpmn import expressions

# (operation name, evaluated parameters, task) → a JSON-serialisable result.
ServiceHandler = Callable[[str, dict[str, Any], Any], Any]


class SafeEnvironment(BasePythonScriptEngineEnvironment):
    """Evaluate expressions and run assignment scripts with the whitelisted grammar only."""

    def evaluate(self, expression, context, external_context=None):
        names = {**(external_context or {}), **context}
        return expressions.evaluate(expression, names)

    def execute(self, script, context, external_context=None):
        expressions.execute(script, context)
        return True

    def call_service(self, context, **kwargs):  # pragma: no cover - the engine overrides it
        raise NotImplementedError("service calls go through SafeScriptEngine.call_service")


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"a service result cannot contain {type(value).__name__}")


class SafeScriptEngine(PythonScriptEngine):
    """Script engine whose time comes from `clock` and whose service tasks call `services`."""

    def __init__(
        self,
        clock: Callable[[], datetime] | None = None,
        services: ServiceHandler | None = None,
    ) -> None:
        super().__init__(environment=SafeEnvironment())
        self._clock = clock or (lambda: datetime.now(UTC))
        self._services = services

    def now(self) -> datetime:
        """The current time for timers."""
        return self._clock()

    def call_service(self, task, operation_name=None, operation_params=None, **_kwargs):
        if self._services is None:
            raise RuntimeError(f"no service handler for operation '{operation_name}'")
        params = {name: spec["value"] for name, spec in (operation_params or {}).items()}
        result = self._services(operation_name, params, task)
        # SpiffWorkflow json-decodes the result into task data.
        return json.dumps(result, default=_json_default)
