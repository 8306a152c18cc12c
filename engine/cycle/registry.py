"""The registry of every operation the shipped processes call."""

from __future__ import annotations

from engine.cycle import documents, evaluation_ops, rectification_ops, results_ops
from engine.workflow.operations import OperationRegistry


def cycle_operations() -> OperationRegistry:
    """The operations of the areas that have no `register` of their own yet.

    The composition root (engine/composition.py) adds those of the areas that do.
    """
    registry = OperationRegistry()
    for module in (documents, rectification_ops, evaluation_ops, results_ops):
        module.register(registry)
    return registry
