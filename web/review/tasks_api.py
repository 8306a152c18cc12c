"""The inbox (待办), the tasks the caller completed (已办), a task with the document it reviews,
completing one with its form's data, and a bulk review (批量审核)."""

from __future__ import annotations

from dataclasses import dataclass, replace

from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from engine.identity.permissions import Permission
from engine.review.inbox import InboxItem, completed, get_task, inbox
from engine.review.queries import ReviewView, review_view
from engine.review.tasks import MAX_BULK, complete, review_many
from web.api.base import forbidden
from web.api.paging import PageArgs, page_of
from web.api.views import ViewSchema
from web.auth import current_actor, protect, require
from web.db import get_session
from web.input_guard import MAX_ID, MAX_LISTED_ID
from web.problem_text import say_text

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


class DoneTaskSchema(TaskSchema):
    completed_at = fields.DateTime(allow_none=True, attribute="task.completed_at")
    completed_by = fields.String(allow_none=True, attribute="task.completed_by")
    outcome = fields.String(allow_none=True, metadata={"description": "the decision recorded"})


class ReviewStepSchema(ViewSchema):
    at = fields.DateTime(allow_none=True)
    actor = fields.String(allow_none=True)
    role = fields.String(required=True)
    level = fields.String(required=True, metadata={"description": "the step, e.g. 主管部门审核"})
    element = fields.String(required=True)
    form = fields.String(allow_none=True)
    outcome = fields.String(allow_none=True)
    comment = fields.String(allow_none=True)


class ReturnedSchema(ViewSchema):
    at = fields.DateTime(required=True)
    actor = fields.String(required=True)
    comment = fields.String(required=True)
    document = fields.Dict(required=True, metadata={"description": "the document as returned"})


class ReviewSchema(ViewSchema):
    document = fields.Dict(
        allow_none=True,
        metadata={"description": "the document under review: {type, id, status, fields, rows}"},
    )
    returned = fields.Nested(ReturnedSchema, allow_none=True)
    changes = fields.Method("dump_changes", allow_none=True)
    history = fields.List(fields.Nested(ReviewStepSchema), required=True)

    def dump_changes(self, view: ReviewView):
        return None if view.changes is None else view.changes.as_dict()


class TaskDetailSchema(TaskSchema):
    review = fields.Nested(
        ReviewSchema,
        required=True,
        metadata={"description": "what the task works on, and the earlier decisions on it"},
    )


@dataclass(frozen=True)
class TaskDetailView:
    task: object
    project: object
    review: ReviewView


class DoneArgs(PageArgs):
    form = fields.String(validate=validate.Length(min=1, max=60))


class BulkReviewSchema(Schema):
    tasks = fields.List(
        fields.Integer(validate=validate.Range(min=1, max=MAX_LISTED_ID)),
        required=True,
        validate=validate.Length(min=1, max=MAX_BULK),
    )
    data = fields.Dict(
        keys=fields.String(),
        required=True,
        metadata={
            "description": "one decision for all: {outcome, comment}; a return needs a comment"
        },
    )


class BulkItemSchema(Schema):
    task_id = fields.Integer(required=True)
    status = fields.String(
        required=True, metadata={"description": "approved, returned, conflict, invalid, error"}
    )
    message = fields.String(required=True)
    incident_id = fields.Integer(allow_none=True)


class BulkResultSchema(Schema):
    items = fields.List(fields.Nested(BulkItemSchema), required=True)


class InboxArgs(PageArgs):
    process_key = fields.String(validate=validate.Length(min=1, max=100))
    form = fields.String(validate=validate.Length(min=1, max=60))


class CompleteSchema(Schema):
    data = fields.Dict(keys=fields.String(), load_default=dict, metadata={"description": "form"})
    instance_version = fields.Integer(
        validate=validate.Range(min=1, max=MAX_ID),
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
        """Your ready tasks (by role and organisation), oldest first (sort: created_at, due_at,
        id; `-` for descending; tasks without a due date last)."""
        return inbox(
            get_session(),
            current_actor(),
            args["page"],
            args["per_page"],
            args["sort"] or "created_at",
            args.get("process_key"),
            args.get("form"),
        )


@blp.route("/completed")
class DoneTasks(MethodView):
    @blp.arguments(DoneArgs, location="query")
    @blp.response(200, page_of(DoneTaskSchema))
    def get(self, args):
        """The tasks you completed (已办), newest first (sort: completed_at, due_at, id), each
        with the decision it recorded."""
        return completed(
            get_session(),
            current_actor(),
            args["page"],
            args["per_page"],
            args["sort"] or "-completed_at",
            args.get("form"),
        )


@blp.route("/<int:task_id>")
class TaskDetail(MethodView):
    @blp.response(200, TaskDetailSchema)
    def get(self, task_id: int):
        """One of your tasks, with the document it reviews (read-only), what changed since that
        document was last returned, and every level's earlier decisions on it."""
        session, actor = get_session(), current_actor()
        item: InboxItem = get_task(session, actor, task_id)
        workflow = current_app.extensions["budgetloop.workflow"]
        return TaskDetailView(
            item.task, item.project, review_view(session, workflow, actor, item.task)
        )


@blp.route("/bulk-review")
class BulkReview(MethodView):
    @blp.arguments(BulkReviewSchema)
    @blp.response(200, BulkResultSchema)
    @blp.alt_response(403, description=forbidden(Permission.REVIEW_IN_BULK))
    @blp.alt_response(422, description="no tasks, too many, or the decision is invalid")
    def post(self, body):
        """批量审核: the same decision on several review tasks, each completed in a transaction
        of its own; each item says what happened (approved, returned, conflict, invalid,
        error). A return applies one comment to all."""
        actor = require(Permission.REVIEW_IN_BULK)
        # Each item commits on its own: end the request's transaction first, so that SQLite's
        # single writer is free for them.
        get_session().rollback()
        results = review_many(
            current_app.extensions["budgetloop.sessions"],
            current_app.extensions["budgetloop.workflow"],
            body["tasks"],
            body["data"],
            actor,
        )
        # Each item's refusal in the request's language, like every other message.
        return {"items": [replace(item, message=say_text(item.message)) for item in results]}


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
