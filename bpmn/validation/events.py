"""Events: a timer's expression must be ISO 8601 text within the bounds, and a condition or a
payload must be an expression in the safe grammar."""

from __future__ import annotations

import ast

from SpiffWorkflow.bpmn.specs.event_definitions.conditional import ConditionalEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.multiple import MultipleEventDefinition

from bpmn import expressions
from bpmn.errors import BpmnError, UnsafeExpression, detail_of
from bpmn.timers import KIND_OF, TimerOutOfBounds, check_iso8601
from bpmn.validation.file_check import FileCheck


def check_event(check: FileCheck, task_spec, element: str) -> None:
    definition = getattr(task_spec, "event_definition", None)
    definitions = (
        definition.event_definitions
        if isinstance(definition, MultipleEventDefinition)
        else [definition]
    )
    for item in definitions:
        kind = KIND_OF.get(type(item))
        if kind is not None:
            _timer(check, element, kind, item.expression)
        elif isinstance(item, ConditionalEventDefinition):
            check.expression(element, "condition", item.expression)
        elif item is not None and isinstance(getattr(item, "expression", None), str):
            check.expression(element, "payload expression", item.expression)


def _timer(check: FileCheck, element: str, kind: str, expression: str) -> None:
    try:
        expressions.check_expression(expression or "")
    except UnsafeExpression as error:
        check.error(
            element,
            f"timer expression {expression!r}: {error.reason}",
            "unsafe_expression",
            what="timer expression",
            source=expression,
            detail=error.reason,
            **detail_of(error.reason),
        )
        return
    tree = ast.parse(expression.strip(), mode="eval").body
    if isinstance(tree, ast.Constant):
        if not isinstance(tree.value, str):
            check.error(
                element,
                f"timer expression {expression!r} must be an ISO 8601 text in quotes, e.g. 'P14D'",
                "timer_not_text",
                source=expression,
            )
            return
        try:
            check_iso8601(kind, tree.value)
        except TimerOutOfBounds as error:
            check.error(element, f"timer {error}", error.code, **error.params)
        except BpmnError as error:
            check.error(element, f"timer {error}", "timer_invalid", detail=str(error))
