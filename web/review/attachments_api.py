"""Attachments (佐证材料): upload to the document of a ready task, list, download, delete."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from flask_smorest.fields import Upload
from marshmallow import Schema, fields, validate

from engine.attachments import (
    DOCUMENT_TYPES,
    FILE_TYPES,
    add_attachment,
    attachment_content,
    attachment_page,
    delete_attachment,
    task_attachments,
)
from engine.errors import BudgetloopError
from web.api.paging import PageArgs, page_of
from web.auth import current_actor, protect
from web.db import get_session
from web.input_guard import MAX_ID
from web.uploads import UPLOAD_ENDPOINTS, download, in_user_language, limits

blp = Blueprint("attachments", __name__, description="Attachments (佐证材料) of documents")
protect(blp)


class AttachmentSchema(Schema):
    id = fields.Integer(required=True)
    project_id = fields.Integer(required=True)
    document_type = fields.String(required=True)
    document_id = fields.Integer(required=True)
    task_id = fields.Integer(allow_none=True)
    file_name = fields.String(required=True)
    media_type = fields.String(required=True)
    size = fields.Integer(required=True)
    sha256 = fields.String(required=True)
    uploaded_by = fields.String(required=True)
    uploaded_at = fields.DateTime(required=True)


class AttachmentListSchema(Schema):
    items = fields.List(fields.Nested(AttachmentSchema), required=True)


class AttachmentArgs(PageArgs):
    project_id = fields.Integer(validate=validate.Range(min=1, max=MAX_ID))
    document_type = fields.String(validate=validate.OneOf(sorted(DOCUMENT_TYPES)))
    document_id = fields.Integer(validate=validate.Range(min=1, max=MAX_ID))


class UploadSchema(Schema):
    file = Upload(
        required=True,
        metadata={"description": f"one of: {', '.join(sorted(FILE_TYPES))}; 20 MB by default"},
    )


@blp.route("/tasks/<int:task_id>/attachments")
class TaskAttachments(MethodView):
    @blp.response(200, AttachmentListSchema)
    @blp.alt_response(404, description="no such task, or not yours")
    def get(self, task_id: int):
        """The attachments of the document the task fills (none for other forms)."""
        return {"items": task_attachments(get_session(), current_actor(), task_id)}

    @blp.arguments(UploadSchema, location="files")
    @blp.response(201, AttachmentSchema)
    @blp.alt_response(404, description="no such task, or not yours")
    @blp.alt_response(409, description="the task is completed, or the same file is attached")
    @blp.alt_response(411, description="the request does not state its length")
    @blp.alt_response(413, description="the file is over the size limit")
    @blp.alt_response(415, description="a type not accepted, or content not of its type")
    @blp.alt_response(422, description="no file, an empty one, too many, or a form without files")
    def post(self, files, task_id: int):
        """Attach a file to the document of your ready task (checked by its content)."""
        upload = files["file"]
        try:
            return add_attachment(
                get_session(),
                current_actor(),
                task_id,
                upload.filename,
                upload.stream,
                limits(),
            )
        except BudgetloopError as error:
            raise in_user_language(error) from error


UPLOAD_ENDPOINTS.add(f"{blp.name}.TaskAttachments")


@blp.route("/attachments/")
class Attachments(MethodView):
    @blp.arguments(AttachmentArgs, location="query")
    @blp.response(200, page_of(AttachmentSchema))
    def get(self, args):
        """The attachments you see (those of the projects in your scope), newest last
        (sort: id, uploaded_at)."""
        return attachment_page(
            get_session(),
            current_actor(),
            args["page"],
            args["per_page"],
            args["sort"],
            args.get("project_id"),
            args.get("document_type"),
            args.get("document_id"),
        )


@blp.route("/attachments/<int:attachment_id>")
class AttachmentDetail(MethodView):
    @blp.response(204)
    @blp.alt_response(403, description="only the unit filling the document deletes")
    @blp.alt_response(404, description="no such attachment, or outside your scope")
    @blp.alt_response(409, description="the task is completed: the attachment is kept")
    def delete(self, attachment_id: int):
        """Delete an attachment while its task is still open."""
        try:
            delete_attachment(get_session(), current_actor(), attachment_id)
        except BudgetloopError as error:
            raise in_user_language(error) from error


@blp.route("/attachments/<int:attachment_id>/content")
class AttachmentContent(MethodView):
    @blp.response(
        200,
        content_type="application/octet-stream",
        description="the file, as an attachment (Content-Disposition with filename*)",
    )
    @blp.alt_response(404, description="no such attachment, or outside your scope")
    def get(self, attachment_id: int):
        """Download an attachment."""
        attachment, content = attachment_content(get_session(), current_actor(), attachment_id)
        return download(attachment, content)
