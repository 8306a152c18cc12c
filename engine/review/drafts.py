"""Drafts (暂存): what a unit typed into a ready task's form, kept without completing the task.

A draft is validated only as far as storing it safely needs (a JSON object of bounded size);
the form's own checks run when the task is completed. Nothing moves in the process. Only whoever
may work on the task (its role and organisation) reads or writes its draft; each save names the
version it replaces, so two tabs cannot overwrite each other silently; completing the task
deletes the draft (engine/review/tasks.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from engine import audit
from engine.actors import Actor
from engine.audit import canonical_json
from engine.errors import BudgetloopError, Conflict, InvalidInput, TooLarge
from engine.models import HumanTask, TaskDraft
from engine.models.types import utcnow
from engine.review.inbox import get_task

# The forms a unit fills over several sittings.
DRAFT_FORMS = frozenset({"monitoring_report", "self_evaluation", "rectification_feedback"})
# A generous bound for a form of a few hundred indicators; anything larger is not a form.
MAX_DRAFT_BYTES = 256 * 1024


def _refusal(cls: type[BudgetloopError], reason: str, message: str, **params):
    """An error that the web says in the user's language: message `problem.draft.<reason>`
    filled in with `params` (set as attributes, as BudgetloopError's `key` and `params`)."""
    error = cls(message, errors={"data": [message]})
    error.key = f"draft.{reason}"
    error.params = params
    return error


@dataclass(frozen=True)
class DraftView:
    """A task's draft; version 0 and empty data when none is saved."""

    task_id: int
    data: dict
    version: int
    saved_by: str | None
    saved_at: datetime | None


def read_draft(session: Session, actor: Actor, task_id: int) -> DraftView:
    """The task's draft (NotFound for a task the caller may not work on)."""
    get_task(session, actor, task_id)
    draft = session.get(TaskDraft, task_id)
    if draft is None:
        return DraftView(task_id, {}, 0, None, None)
    return DraftView(task_id, draft.data, draft.version, draft.saved_by, draft.saved_at)


def save_draft(
    session: Session, actor: Actor, task_id: int, data: dict, version: int | None = None
) -> DraftView:
    """Store `data` as the task's draft, replacing draft `version` (0: there is none yet).

    Without `version` the save replaces whatever is there (last write wins).
    """
    item = get_task(session, actor, task_id)
    _check_open(item.task)
    if not isinstance(data, dict):
        raise InvalidInput("a draft is a JSON object", errors={"data": ["not an object"]})
    size = len(canonical_json(data).encode("utf-8"))
    if size > MAX_DRAFT_BYTES:
        raise _refusal(
            TooLarge,
            "too_large",
            f"the draft is {size} bytes; at most {MAX_DRAFT_BYTES} are kept",
            size=size,
            limit=MAX_DRAFT_BYTES,
        )
    draft = session.get(TaskDraft, task_id, with_for_update=True)
    current = draft.version if draft is not None else 0
    if version is not None and version != current:
        raise _refusal(
            Conflict,
            "conflict",
            f"the draft of task {task_id} is at version {current}, not {version}: it was saved "
            "meanwhile elsewhere",
            current=current,
        )
    if draft is None:
        draft = TaskDraft(task_id=task_id, data=data, saved_by=actor.name, saved_at=utcnow())
        session.add(draft)
    else:
        draft.data = data
        draft.saved_by = actor.name
        draft.saved_at = utcnow()
    session.flush()
    audit.append(
        session,
        actor=actor.name,
        action="draft.save",
        object_type="task",
        object_id=task_id,
        payload={"form": item.task.form, "version": draft.version, "bytes": size},
    )
    return DraftView(task_id, draft.data, draft.version, draft.saved_by, draft.saved_at)


def discard_draft(session: Session, actor: Actor, task_id: int) -> bool:
    """Delete the task's draft; False if there was none."""
    item = get_task(session, actor, task_id)
    _check_open(item.task)
    return _delete(session, actor, task_id, "draft.discard")


def clear_after_completion(session: Session, actor: Actor, task_id: int) -> None:
    """Delete the draft of a task that is no longer ready (the completion went through), in one
    statement: every completion passes here, nearly always with no draft to delete."""
    done = select(HumanTask.id).where(HumanTask.id == task_id, HumanTask.status != "ready").exists()
    _delete(session, actor, task_id, "draft.clear", done)


def _delete(session: Session, actor: Actor, task_id: int, action: str, *conditions) -> bool:
    removed = session.execute(
        delete(TaskDraft).where(TaskDraft.task_id == task_id, *conditions)
    ).rowcount
    if removed:
        audit.append(
            session, actor=actor.name, action=action, object_type="task", object_id=task_id
        )
    return bool(removed)


def _check_open(task: HumanTask) -> None:
    if task.status != "ready":
        raise _refusal(Conflict, "closed", f"task {task.id} is already {task.status}")
    if task.form not in DRAFT_FORMS:
        raise _refusal(
            InvalidInput,
            "form",
            f"the form '{task.form}' of task {task.id} has no drafts; it is completed at once",
        )
