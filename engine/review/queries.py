"""What a reviewer sees on a review task: the document, what changed since it was last returned,
and every level's earlier decisions on it.

The document a task reviews is the `document` variable ({type, id}) of its process, read from the
instance's stored state (loaded, never run). When a reviewer returns a document, the engine keeps
the document as it was in an audit event (`review.returned`, see engine/review/tasks.py), so the
next reviewer can be shown what the unit changed since.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.actors import Actor
from engine.models import AuditEvent, HumanTask, ProcessInstance
from engine.review.document_views import Changes, changes, snapshot
from engine.review.documents import document_of
from engine.workflow.runtime import WorkflowEngine
from engine.workflow.task_data import named_document, recorded, task_data

RETURNED = "review.returned"
# Forms whose completions are review decisions or the filer's answers to them.
REVIEW_FORMS = ("review", "revise")


@dataclass(frozen=True)
class ReviewStep:
    """One earlier decision (or resubmission) on the document."""

    at: datetime | None
    actor: str | None
    role: str
    level: str  # the task's name: 主管部门审核, 财政业务处室审核, a step added in the modeller
    element: str
    form: str | None
    outcome: str | None
    comment: str | None


@dataclass(frozen=True)
class ReturnedVersion:
    """The document as it was when last returned, with who returned it, when and why."""

    at: datetime
    actor: str
    comment: str
    document: dict


@dataclass
class ReviewView:
    document: dict | None = None
    returned: ReturnedVersion | None = None
    changes: Changes | None = None
    history: list[ReviewStep] = field(default_factory=list)


def load_workflow(session: Session, engine: WorkflowEngine, actor: Actor, task: HumanTask):
    instance = session.get(ProcessInstance, task.instance_id)
    return None if instance is None else engine.load(session, instance, actor)


def document_ref(workflow, task: HumanTask) -> dict | None:
    """The {type, id} of the document `task` works on, if its process names one."""
    if task.status == "completed":
        return recorded(task, workflow).get("document")
    return None if workflow is None else named_document(task_data(workflow, task.task_id))


def document_snapshot(session: Session, ref: dict | None) -> dict | None:
    row = document_of(session, ref)
    return None if row is None else snapshot(session, ref["type"], row)


def last_returned(session: Session, ref: dict) -> ReturnedVersion | None:
    """The newest kept version of the document from a reviewer's return."""
    event = session.scalars(
        select(AuditEvent)
        .where(
            AuditEvent.action == RETURNED,
            AuditEvent.object_type == str(ref["type"]),
            AuditEvent.object_id == str(ref["id"]),
        )
        .order_by(AuditEvent.seq.desc())
        .limit(1)
    ).first()
    if event is None or not isinstance((event.payload or {}).get("document"), dict):
        return None
    payload = event.payload
    return ReturnedVersion(
        event.at, event.actor, str(payload.get("comment") or ""), payload["document"]
    )


def review_history(
    session: Session, workflow, task: HumanTask, ref: dict | None
) -> list[ReviewStep]:
    """Completed review and revise tasks on the same document in the task's instance (the task
    itself too, once done), oldest first (bounded by the instance)."""
    rows = session.scalars(
        select(HumanTask)
        .where(
            HumanTask.instance_id == task.instance_id,
            HumanTask.status == "completed",
            HumanTask.form.in_(REVIEW_FORMS),
        )
        .order_by(HumanTask.completed_at, HumanTask.id)
    )
    steps = []
    for row in rows:
        data = recorded(row, workflow)
        if ref is not None and data.get("document") not in (None, ref):
            continue  # another document of the same project (say, last round's report)
        if ref is None and row.process_key != task.process_key:
            continue
        steps.append(
            ReviewStep(
                at=row.completed_at,
                actor=row.completed_by,
                role=row.role,
                level=row.name,
                element=row.element_id,
                form=row.form,
                outcome=data.get("outcome"),
                comment=data.get("comment"),
            )
        )
    return steps


def review_view(
    session: Session, engine: WorkflowEngine, actor: Actor, task: HumanTask
) -> ReviewView:
    """Everything a reviewer needs beside the form (the caller has already been allowed the
    task)."""
    workflow = load_workflow(session, engine, actor, task)
    ref = document_ref(workflow, task)
    view = ReviewView(
        document=document_snapshot(session, ref),
        history=review_history(session, workflow, task, ref),
    )
    if ref is not None and view.document is not None:
        view.returned = last_returned(session, ref)
        if view.returned is not None:
            view.changes = changes(view.returned.document, view.document)
    return view
