"""Completing a user task on behalf of a person: form checks first, then the engine."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker

from engine import audit
from engine.actors import Actor
from engine.db import MAX_ROW_ID
from engine.errors import BudgetloopError, Conflict, InvalidInput, NotFound
from engine.forms import validate_form
from engine.review.drafts import clear_after_completion
from engine.review.inbox import get_task
from engine.review.queries import RETURNED, document_ref, document_snapshot, load_workflow
from engine.workflow.runtime import Outcome, WorkflowEngine

# One bulk review at most: each item is a command of its own, so the work stays bounded.
MAX_BULK = 100
BULK_FORM = "review"  # the form of review steps (shipped and added in the modeller)


def complete(
    session: Session,
    workflow: WorkflowEngine,
    task_id: int,
    data: dict,
    actor: Actor,
    expected_version: int | None = None,
) -> Outcome:
    """Validate `data` against the task's form and complete it (409 if already done)."""
    item = get_task(session, actor, task_id)
    checked = validate_form(item.task.form, data)
    returned = _document_before_return(session, workflow, actor, item.task, checked)
    outcome = workflow.complete_task(session, task_id, checked, actor, expected_version)
    # A saved draft (暂存) is of no use once the task is done; an incident leaves it ready.
    clear_after_completion(session, actor, task_id)
    if returned is not None and outcome.ok:
        # Keep the document as the reviewer returned it: the next reviewer is shown what the
        # unit changed since (documents are edited in place, so nothing else keeps it).
        audit.append(
            session,
            actor=actor.name,
            action=RETURNED,
            object_type=returned["type"],
            object_id=returned["id"],
            payload={
                "task": task_id,
                "element": item.task.element_id,
                "level": item.task.name,
                "comment": checked.get("comment", ""),
                "document": returned,
            },
        )
    return outcome


def _document_before_return(session, workflow, actor, task, checked: dict) -> dict | None:
    # Only the review form decides on the document its review process names; other forms'
    # returns (a rectification review) are about something else.
    if task.form != BULK_FORM or checked.get("outcome") != "return" or task.status != "ready":
        return None
    return document_snapshot(
        session, document_ref(load_workflow(session, workflow, actor, task), task)
    )


@dataclass(frozen=True)
class ItemResult:
    """What one item of a bulk review came to: approved, returned, conflict, invalid, error."""

    task_id: int
    status: str
    message: str = ""
    incident_id: int | None = None


def review_many(
    sessions: sessionmaker,
    workflow: WorkflowEngine,
    task_ids: list[int],
    data: dict,
    actor: Actor,
) -> list[ItemResult]:
    """Complete each review task with the same decision, one transaction per task.

    A task another reviewer has just completed is a conflict, a task that is not a review is
    refused; neither stops the others. The decision is checked once, before anything is done.
    """
    if not task_ids:
        raise InvalidInput("choose at least one task", errors={"tasks": "empty"})
    if len(task_ids) > MAX_BULK:
        raise InvalidInput(
            f"at most {MAX_BULK} tasks at once, not {len(task_ids)}", errors={"tasks": "too many"}
        )
    checked = validate_form(BULK_FORM, data)
    done = "approved" if checked["outcome"] == "approve" else "returned"
    results = []
    for task_id in dict.fromkeys(task_ids):  # once each, in the order given
        try:
            if not 1 <= task_id <= MAX_ROW_ID:
                raise NotFound(f"no task {task_id}")
            with sessions() as session, session.begin():
                item = get_task(session, actor, task_id)
                if item.task.form != BULK_FORM:
                    raise InvalidInput(
                        f"task {task_id} is not a review ({item.task.form})",
                        errors={"task": "not a review"},
                    )
                outcome = complete(session, workflow, task_id, checked, actor)
        except Conflict as error:
            results.append(ItemResult(task_id, "conflict", str(error)))
        except InvalidInput as error:
            results.append(ItemResult(task_id, "invalid", str(error)))
        except BudgetloopError as error:  # not found, not yours
            results.append(ItemResult(task_id, "error", str(error)))
        else:
            if outcome.ok:
                results.append(ItemResult(task_id, done))
            else:
                results.append(
                    ItemResult(task_id, "error", outcome.error or "", outcome.incident_id)
                )
    return results
