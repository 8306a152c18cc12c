"""What a completed or waiting task of a restored workflow holds, read defensively."""

from __future__ import annotations

from uuid import UUID

from engine.forms import FORMS


def find_task(workflow, task_id: str | UUID):
    """The task with this id, or None once it has left the tree (a finished, pruned
    subprocess)."""
    try:
        return workflow.get_task_from_id(task_id if isinstance(task_id, UUID) else UUID(task_id))
    except Exception:  # the library raises its own errors for an id it does not know
        return None


def task_data(workflow, task_id: str) -> dict:
    """The task's data, or {} for a task no longer in the tree (a finished, pruned subprocess)."""
    task = find_task(workflow, task_id)
    return task.data if task is not None and isinstance(task.data, dict) else {}


def text_of(value) -> str | None:
    """A non-empty string, or None for anything else a form may have left."""
    return value if isinstance(value, str) and value else None


def declares(form: str | None, name: str) -> bool:
    """Whether the task form `form` asks for field `name` (task data is inherited down the
    tree, so a task's data holds its ancestors' fields too)."""
    schema = FORMS.get(form or "")
    return schema is not None and name in schema._declared_fields


def named_document(data: dict) -> dict | None:
    """The {type, id} of the document a process works on, if its data names one."""
    ref = data.get("document")
    if isinstance(ref, dict) and isinstance(ref.get("type"), str) and "id" in ref:
        return {"type": ref["type"], "id": ref["id"]}
    return None


def completion_record(task, form: str | None) -> dict:
    """What a completed human task's person decided, kept on its row (`human_task.result`)."""
    return _record(task.data if isinstance(task.data, dict) else {}, form)


def _record(data: dict, form: str | None) -> dict:
    record: dict = {}
    for name in ("outcome", "comment"):
        value = text_of(data.get(name))
        if value is not None and declares(form, name):
            record[name] = value
    document = named_document(data)
    if document is not None:
        record["document"] = document
    return record


def recorded(row, workflow) -> dict:
    """A completed task's result: kept on its row, or for a row completed before results were
    kept, read from the saved state (where its subprocess has not been pruned)."""
    if row.result is not None:
        return row.result
    return _record(task_data(workflow, row.task_id) if workflow is not None else {}, row.form)
