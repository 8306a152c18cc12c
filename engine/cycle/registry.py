"""The registry of every operation the shipped processes call."""

from __future__ import annotations

from engine.cycle import documents, evaluation_ops, monitoring_ops, rectification_ops, results_ops
from engine.workflow.operations import OperationRegistry


def cycle_operations() -> OperationRegistry:
    """A registry with the budget cycle's operations."""
    registry = OperationRegistry()
    for module in (documents, monitoring_ops, rectification_ops, evaluation_ops, results_ops):
        module.register(registry)
    return registry
