"""Rectification orders: issued with deadlines, overdue escalation, closure."""

from __future__ import annotations

from sqlalchemy import select

from engine import policy
from engine.cycle.context import fiscal_year_of, project_of
from engine.models import AccountabilityAction, Alert, RectificationOrder
from engine.models.enums import (
    AccountabilityKind,
    AlertKind,
    Colour,
    RectificationSource,
    RectificationStatus,
)
from engine.workdays import due_date_after_days, end_of_day, region_zone
from engine.workflow.operations import OperationRegistry, ServiceCall

ISSUES = {
    RectificationSource.RED_ALERT: "运行监控红色预警逾期未说明原因及处置措施",
    RectificationSource.GRADE: "绩效评价结果为“中”或“差”",
    RectificationSource.FINDING: "评价机构发现的问题",
}


def issue_rectification(call: ServiceCall) -> dict:
    """Open an order with feedback, plan and closure deadlines from configuration."""
    source = RectificationSource(call.params.get("source", "grade"))
    project = project_of(call)
    year = fiscal_year_of(call, project)
    days = policy.setting(call.session, "rectification", year.region_code, year.year)
    alert_id = None
    if source is RectificationSource.RED_ALERT:
        alert_id = call.session.scalars(
            select(Alert.id)
            .where(
                Alert.project_id == project.id,
                Alert.kind == AlertKind.PROJECT,
                Alert.colour == Colour.RED,
            )
            .order_by(Alert.id.desc())
        ).first()
    # Days count from the local date of issue in the region's time zone, and each deadline
    # is the end of its local day (domain.md "Dates").
    zone = region_zone(call.session, year)
    due = {
        name: due_date_after_days(call.now, days[f"{name}_days"], zone)
        for name in ("feedback", "plan", "close")
    }
    order = RectificationOrder(
        project_id=project.id,
        source=source,
        alert_id=alert_id,
        evaluation_id=call.data.get("evaluation_result", {}).get("evaluation_id"),
        issues=ISSUES[source],
        requirements="限期整改并报送整改情况",
        issued_at=call.now,
        feedback_due=due["feedback"],
        plan_due=due["plan"],
        close_due=due["close"],
    )
    call.session.add(order)
    call.session.flush()
    return {
        "order_id": order.id,
        **{f"{name}_due": end_of_day(day, zone).isoformat() for name, day in due.items()},
    }


def _order(call: ServiceCall) -> RectificationOrder:
    return call.session.get(RectificationOrder, call.require("rectification")["order_id"])


def record_overdue(call: ServiceCall) -> dict:
    """The deadline passed: mark the order overdue and record an accountability fact (once)."""
    order = _order(call)
    if not order.overdue:
        order.overdue = True
        call.session.add(
            AccountabilityAction(
                project_id=order.project_id,
                organisation_id=project_of(call).unit_id,
                kind=AccountabilityKind.REMINDER,
                note=f"整改单 {order.id} 逾期未完成",
                created_at=call.now,
            )
        )
        call.session.flush()
    return {"order_id": order.id, "overdue": True}


def record_feedback(call: ServiceCall) -> dict:
    """The unit submitted its feedback: the order says so, with what and when.

    The service task follows the unit's feedback task in the same command, so a supervisor
    filtering orders by "feedback submitted" sees exactly the orders waiting for review.
    """
    order = _order(call)
    order.status = RectificationStatus.FEEDBACK_SUBMITTED
    order.feedback = str(call.data.get("feedback") or "").strip() or None
    order.feedback_at = call.now
    call.session.flush()
    return {"order_id": order.id, "status": order.status.value}


def _record_review(call: ServiceCall, order: RectificationOrder) -> None:
    """Who reviewed, when, and what they wrote: the service task follows the finance desk's
    review (rectification_review) in the same command, so the call's actor is the reviewer."""
    order.reviewed_by_id = call.actor.user_id
    order.reviewed_at = call.now
    order.review_comment = str(call.data.get("comment") or "").strip() or None


def return_rectification(call: ServiceCall) -> dict:
    """The review returned the feedback: the order is back with the unit, saying why."""
    order = _order(call)
    order.status = RectificationStatus.RETURNED
    _record_review(call, order)
    call.session.flush()
    return {"order_id": order.id, "status": order.status.value}


def close_rectification(call: ServiceCall) -> dict:
    """Feedback accepted: close the order (销号), with the review that accepted it.

    Acceptance and closure are one command, so the order goes from feedback submitted
    straight to closed; reviewed_at (= closed_at) records the acceptance.
    """
    order = _order(call)
    order.status = RectificationStatus.CLOSED
    order.feedback = str(call.data.get("feedback") or "").strip() or order.feedback
    _record_review(call, order)
    order.closed_at = call.now
    call.session.flush()
    return {"order_id": order.id, "status": "closed", "overdue": order.overdue}


def register(registry: OperationRegistry) -> None:
    registry.register("issue_rectification", issue_rectification)
    registry.register("record_overdue", record_overdue)
    registry.register("record_feedback", record_feedback)
    registry.register("return_rectification", return_rectification)
    registry.register("close_rectification", close_rectification)
