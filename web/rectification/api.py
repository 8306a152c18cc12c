"""Rectification orders in the caller's scope; feedback, review and escalation are tasks."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from engine.models.enums import RectificationSource, RectificationStatus
from engine.rectification.queries import OrderFilter, get_order, history, list_orders
from web.api.detail import Extended
from web.api.paging import PageArgs, page_of
from web.auth import current_actor, protect
from web.db import get_session
from web.input_guard import MAX_ID

blp = Blueprint(
    "rectification_orders",
    __name__,
    description="Rectification orders (整改); act on them through their tasks",
)
protect(blp)


class OrderSchema(Schema):
    id = fields.Integer(required=True)
    project_id = fields.Integer(required=True)
    project_code = fields.String(required=True, attribute="project.code")
    project_name = fields.String(required=True, attribute="project.name")
    unit_id = fields.Integer(required=True, attribute="project.unit_id")
    unit_name = fields.String(required=True, attribute="project.unit.name")
    source = fields.Enum(RectificationSource, by_value=True, required=True)
    alert_id = fields.Integer(allow_none=True)
    evaluation_id = fields.Integer(allow_none=True)
    finding_id = fields.Integer(allow_none=True)
    issues = fields.String(required=True)
    requirements = fields.String(required=True)
    issued_at = fields.DateTime(required=True)
    feedback_due = fields.Date(required=True)
    plan_due = fields.Date(required=True)
    close_due = fields.Date(required=True)
    status = fields.Enum(RectificationStatus, by_value=True, required=True)
    overdue = fields.Boolean(required=True)
    feedback = fields.String(allow_none=True)
    feedback_at = fields.DateTime(allow_none=True)
    reviewed_at = fields.DateTime(allow_none=True)
    review_comment = fields.String(allow_none=True)
    closed_at = fields.DateTime(allow_none=True)
    version = fields.Integer(required=True)


class StepSchema(Schema):
    at = fields.DateTime(required=True)
    step = fields.String(required=True, metadata={"description": "issued, or the task's form"})
    status = fields.String(required=True)
    task_id = fields.Integer(allow_none=True)
    by = fields.String(allow_none=True)
    due_at = fields.DateTime(allow_none=True)
    outcome = fields.String(allow_none=True)
    text = fields.String(allow_none=True, metadata={"description": "the feedback or comment"})


class OrderDetailSchema(OrderSchema):
    history = fields.List(fields.Nested(StepSchema), required=True)


class OrderArgs(PageArgs):
    status = fields.String(validate=validate.OneOf([s.value for s in RectificationStatus]))
    overdue = fields.Boolean()
    source = fields.String(validate=validate.OneOf([s.value for s in RectificationSource]))
    project_id = fields.Integer(validate=validate.Range(min=1, max=MAX_ID))


@blp.route("/")
class Orders(MethodView):
    @blp.arguments(OrderArgs, location="query")
    @blp.response(200, page_of(OrderSchema))
    def get(self, args):
        """List the rectification orders you may see, newest first (sort: id, project_id)."""
        paging = {key: args.pop(key) for key in ("page", "per_page", "sort")}
        return list_orders(
            get_session(),
            current_actor(),
            OrderFilter(**args),
            paging["page"],
            paging["per_page"],
            paging["sort"],
        )


@blp.route("/<int:order_id>")
class OrderDetail(MethodView):
    @blp.response(200, OrderDetailSchema)
    @blp.alt_response(404, description="no such order in your scope")
    def get(self, order_id: int):
        """One order with its deadlines and its history (issue, feedback, reviews, escalation)."""
        session = get_session()
        order = get_order(session, current_actor(), order_id)
        return Extended(order, history=history(session, order))
