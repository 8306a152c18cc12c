"""Drafts (暂存) of a task's form: read, save (against the version read) and discard."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from engine.errors import BudgetloopError
from engine.review.drafts import discard_draft, read_draft, save_draft
from web.auth import current_actor, protect
from web.db import get_session
from web.uploads import in_user_language

blp = Blueprint("drafts", __name__, description="Drafts (暂存) of task forms")
protect(blp)


class DraftSchema(Schema):
    task_id = fields.Integer(required=True)
    data = fields.Dict(keys=fields.String(), required=True)
    version = fields.Integer(
        required=True, metadata={"description": "0 while nothing is saved; send it back to save"}
    )
    saved_by = fields.String(allow_none=True)
    saved_at = fields.DateTime(allow_none=True)


class SaveDraftSchema(Schema):
    data = fields.Dict(
        keys=fields.String(),
        required=True,
        metadata={"description": "the form as typed so far; checked only when completed"},
    )
    version = fields.Integer(
        validate=validate.Range(min=0, max=2**31 - 1),
        metadata={"description": "the draft version you read (0: none); 409 if it has moved on"},
    )


@blp.route("/tasks/<int:task_id>/draft")
class TaskDraft(MethodView):
    @blp.response(200, DraftSchema)
    @blp.alt_response(404, description="no such task, or not yours")
    def get(self, task_id: int):
        """The task's draft (version 0 and empty data when none is saved)."""
        return read_draft(get_session(), current_actor(), task_id)

    @blp.arguments(SaveDraftSchema)
    @blp.response(200, DraftSchema)
    @blp.alt_response(404, description="no such task, or not yours")
    @blp.alt_response(409, description="the task is completed, or the draft was saved meanwhile")
    @blp.alt_response(413, description="the draft is larger than 256 KiB")
    @blp.alt_response(422, description="the task's form has no drafts")
    def put(self, body, task_id: int):
        """Save the form as typed so far; nothing is validated as final, the process stays."""
        try:
            return save_draft(
                get_session(), current_actor(), task_id, body["data"], body.get("version")
            )
        except BudgetloopError as error:
            raise in_user_language(error) from error

    @blp.response(204)
    @blp.alt_response(404, description="no such task, or not yours")
    @blp.alt_response(409, description="the task is completed")
    @blp.alt_response(422, description="the task's form has no drafts")
    def delete(self, task_id: int):
        """Discard the task's draft."""
        try:
            discard_draft(get_session(), current_actor(), task_id)
        except BudgetloopError as error:
            raise in_user_language(error) from error
