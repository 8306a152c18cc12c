"""Rectification orders: the list (filter by status and overdue) and an order's page."""

from __future__ import annotations

from flask import Blueprint, render_template, request

from engine.errors import InvalidInput
from engine.models.enums import RectificationStatus
from engine.rectification.queries import (
    OrderFilter,
    get_order,
    history,
    list_orders,
    reported_feedback,
)
from web.auth import current_actor
from web.db import get_session
from web.pages.views import page_number

bp = Blueprint("rectification", __name__, template_folder="templates")
STATUSES = [s.value for s in RectificationStatus]
OVERDUE = {"": None, "yes": True, "no": False}


@bp.get("/rectification")
def orders():
    status = request.args.get("status", "")
    overdue = request.args.get("overdue", "")
    if status and status not in STATUSES:
        raise InvalidInput(f"unknown status {status!r}", errors={"status": "unknown"})
    if overdue not in OVERDUE:
        raise InvalidInput(f"overdue must be yes or no, not {overdue!r}", errors={"overdue": "?"})
    where = OrderFilter(status=status or None, overdue=OVERDUE[overdue])
    page = list_orders(get_session(), current_actor(), where, page_number(), 25)
    return render_template(
        "rectification/orders.html",
        page=page,
        statuses=STATUSES,
        status=status,
        overdue=overdue,
    )


@bp.get("/rectification/<int:order_id>")
def order(order_id: int):
    session = get_session()
    found = get_order(session, current_actor(), order_id)
    steps = history(session, found)
    return render_template(
        "rectification/order.html",
        order=found,
        steps=steps,
        feedback=found.feedback or reported_feedback(steps),
    )
