"""The inbox: the caller's ready tasks, and completing one with its form's data."""

from __future__ import annotations

from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from engine.queries.tasks import get_task, inbox
from engine.tasks import complete
from web.api.paging import PageArgs, page_of
from web.api.views import ViewSchema
from web.auth import current_actor, protect
from web.db import get_session

blp = Blueprint("tasks", __name__, description="The inbox of user tasks")
protect(blp)


class TaskSchema(ViewSchema):
    id = fields.Integer(required=True, attribute="task.id")
    name = fields.String(required=True, attribute="task.name")
    process_key = fields.String(required=True, attribute="task.process_key")
    element_id = fields.String(required=True, attribute="task.element_id")
    form = fields.String(allow_none=True, attribute="task.form")
    role = fields.String(required=True, attribute="task.role")
    org_id = fields.Integer(allow_none=True, attribute="task.org_id")
    status = fields.String(required=True, attribute="task.status")
    business_key = fields.String(required=True, attribute="task.business_key")
    instance_id = fields.Integer(required=True, attribute="task.instance_id")
    project_id = fields.Integer(allow_none=True, attribute="project.id")
    project_name = fields.String(allow_none=True, attribute="project.name")
    due_at = fields.DateTime(allow_none=True, attribute="task.due_at")
    created_at = fields.DateTime(required=True, attribute="task.created_at")


class InboxArgs(PageArgs):
    process_key = fields.String(validate=validate.Length(min=1, max=100))
    form = fields.String(validate=validate.Length(min=1, max=60))


class CompleteSchema(Schema):
    data = fields.Dict(keys=fields.String(), load_default=dict, metadata={"description": "form"})
    instance_version = fields.Integer(
        validate=validate.Range(min=1, max=2**62),
        metadata={"description": "the instance version you saw; 409 if it has moved on"},
    )


class OutcomeSchema(Schema):
    instance_id = fields.Integer(allow_none=True)
    status = fields.String(required=True)
    incident_id = fields.Integer(allow_none=True)
    error = fields.String(allow_none=True)


@blp.route("/")
class Inbox(MethodView):
    @blp.arguments(InboxArgs, location="query")
    @blp.response(200, page_of(TaskSchema))
    def get(self, args):
        """Your ready tasks (by role and organisation), oldest first (sort: created_at, id)."""
        return inbox(
            get_session(),
            current_actor(),
            args["page"],
            args["per_page"],
            args["sort"] or "created_at",
            args.get("process_key"),
            args.get("form"),
        )


@blp.route("/<int:task_id>")
class TaskDetail(MethodView):
    @blp.response(200, TaskSchema)
    def get(self, task_id: int):
        """One of your tasks."""
        return get_task(get_session(), current_actor(), task_id)


@blp.route("/<int:task_id>/complete")
class CompleteTask(MethodView):
    @blp.arguments(CompleteSchema)
    @blp.response(200, OutcomeSchema)
    @blp.alt_response(409, description="already completed, or the instance moved on")
    @blp.alt_response(422, description="the form's data is invalid")
    def post(self, body, task_id: int):
        """Complete a ready task with its form's data; the process runs to its next wait."""
        workflow = current_app.extensions["budgetloop.workflow"]
        return complete(
            get_session(),
            workflow,
            task_id,
            body["data"],
            current_actor(),
            body.get("instance_version"),
        )
