"""Confirming or overriding a proposed funding decision: the finance desk completes the
decision's ready `decision_confirmation` task, the same path the inbox page and the
simulation take, so the process (allocation, disclosure, next year) runs on from there."""

from __future__ import annotations

from sqlalchemy.orm import Session

from engine.actors import Actor
from engine.errors import Conflict
from engine.identity.permissions import Permission, require
from engine.models.enums import DecisionStatus
from engine.results.queries import DecisionRow, get_decision
from engine.review.tasks import complete
from engine.workflow.runtime import Outcome, WorkflowEngine


def settle(
    session: Session, workflow: WorkflowEngine, actor: Actor, decision_id: int, data: dict
) -> tuple[DecisionRow, Outcome]:
    """Complete the decision's confirmation task with `data`; 409 if it is not waiting for one."""
    row = get_decision(session, actor, decision_id)  # 404 outside the caller's scope
    require(actor, Permission.CONFIRM_DECISIONS, "confirming a funding decision")
    if row.task_id is None or row.decision.status is not DecisionStatus.PROPOSED:
        raise Conflict(
            f"funding decision {decision_id} is not waiting for confirmation"
            f" (it is {row.decision.status.value})",
            errors={"decision": row.decision.status.value},
        )
    outcome = complete(session, workflow, row.task_id, data, actor)
    session.expire_all()
    return get_decision(session, actor, decision_id), outcome
