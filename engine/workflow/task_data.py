"""What a completed or waiting task of a restored workflow holds, read defensively."""

from __future__ import annotations

from uuid import UUID


def task_data(workflow, task_id: str) -> dict:
    """The task's data, or {} for a task no longer in the tree (a finished, pruned subprocess)."""
    try:
        task = workflow.get_task_from_id(UUID(task_id))
    except Exception:  # the library raises its own errors for an id it does not know
        return {}
    return task.data if task is not None and isinstance(task.data, dict) else {}


def text_of(value) -> str | None:
    """A non-empty string, or None for anything else a form may have left."""
    return value if isinstance(value, str) and value else None
