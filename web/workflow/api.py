"""Process definitions: list, download, deploy (the approval flows finance departments edit)."""

from __future__ import annotations

from flask import Response, current_app
from flask.views import MethodView
from flask_smorest import Blueprint
from flask_smorest.fields import Upload
from marshmallow import Schema, fields, validate
from sqlalchemy import select

from bpmn.xml import Source
from engine.errors import DefinitionRejected, InvalidInput, NotFound
from engine.identity.permissions import Permission
from engine.models import ProcessDefinition
from engine.workflow.definitions import deploy, problems_of
from web.api.base import forbidden
from web.auth import current_actor, protect, require
from web.db import get_session
from web.downloads import attachment_disposition
from web.plain_text import plain_text
from web.workflow.definition_problems import described

blp = Blueprint(
    "process_definitions", __name__, description="BPMN/DMN process definitions (approval flows)"
)
protect(blp)
MAX_FILES = 50


class DefinitionSchema(Schema):
    id = fields.Integer(required=True)
    key = fields.String(required=True)
    version = fields.Integer(required=True)
    kind = fields.String(required=True)
    file_name = fields.String(required=True)
    sha256 = fields.String(required=True)
    provides = fields.List(fields.String(), required=True)
    deployed_by = fields.String(required=True)
    deployed_at = fields.DateTime(required=True)


class DeployFilesSchema(Schema):
    files = fields.List(Upload(), required=True, metadata={"description": "BPMN/DMN files"})


class DeployedSchema(Schema):
    file_name = fields.String(required=True)
    key = fields.String(required=True)
    version = fields.Integer(required=True)
    changed = fields.Boolean(required=True)


class SourceFileSchema(Schema):
    name = fields.String(
        required=True,
        validate=[validate.Length(min=1, max=200), plain_text],
        metadata={"description": "file name, e.g. review.bpmn (the deployed file it replaces)"},
    )
    text = fields.String(
        required=True,
        validate=[validate.Length(max=2_000_000), plain_text],
        metadata={"description": "XML"},
    )


class ValidateSchema(Schema):
    files = fields.List(
        fields.Nested(SourceFileSchema),
        required=True,
        validate=validate.Length(min=1, max=MAX_FILES),
    )


class ProblemSchema(Schema):
    file = fields.String(required=True)
    element = fields.String(allow_none=True, metadata={"description": "BPMN/DMN element id"})
    reason = fields.String(required=True, metadata={"description": "the reason, in English"})
    code = fields.String(allow_none=True, metadata={"description": "the kind of problem"})
    message = fields.String(
        required=True, metadata={"description": "the reason in the request's language"}
    )


class ValidationSchema(Schema):
    ok = fields.Boolean(required=True, metadata={"description": "true: it would deploy"})
    problems = fields.List(fields.Nested(ProblemSchema), required=True)


@blp.route("/")
class Definitions(MethodView):
    @blp.response(200, DefinitionSchema(many=True))
    def get(self):
        """List every deployed version, newest first within each key."""
        current_actor()
        return (
            get_session()
            .scalars(
                select(ProcessDefinition).order_by(
                    ProcessDefinition.key, ProcessDefinition.version.desc()
                )
            )
            .all()
        )

    @blp.arguments(DeployFilesSchema, location="files")
    @blp.response(201, DeployedSchema(many=True))
    @blp.alt_response(403, description=forbidden(Permission.EDIT_PROCESSES))
    def post(self, form):
        """Validate and deploy files as new versions; all or nothing (performance division)."""
        actor = require(Permission.EDIT_PROCESSES)
        uploads = form["files"]
        if not uploads or len(uploads) > MAX_FILES:
            raise InvalidInput(f"send 1 to {MAX_FILES} files", errors={"files": "count"})
        sources = []
        for upload in uploads:
            try:
                text = upload.read().decode("utf-8")
            except UnicodeDecodeError:
                raise InvalidInput(
                    f"{upload.filename}: not UTF-8 text", errors={"files": "encoding"}
                ) from None
            sources.append(Source(upload.filename or "upload.bpmn", text))
        engine = current_app.extensions["budgetloop.workflow"]
        try:
            return deploy(get_session(), sources, actor, engine.operations.names())
        except DefinitionRejected as rejected:
            # Each problem also in the user's language (the modeller shows `message`).
            rejected.errors = {"problems": [described(p) for p in rejected.problems]}
            raise


@blp.route("/validate")
class ValidateDefinitions(MethodView):
    @blp.arguments(ValidateSchema)
    @blp.response(200, ValidationSchema)
    @blp.alt_response(403, description=forbidden(Permission.EDIT_PROCESSES))
    def post(self, body):
        """Check files exactly as a deployment would, against what is deployed; store nothing.

        Answers 200 whether or not the files are valid: `ok` says whether they would deploy and
        `problems` names the file, the element id and the reason of each problem. 422 is kept
        for a malformed request (no files, missing text).
        """
        require(Permission.EDIT_PROCESSES)
        sources = [Source(item["name"], item["text"]) for item in body["files"]]
        engine = current_app.extensions["budgetloop.workflow"]
        problems = problems_of(get_session(), sources, engine.operations.names())
        return {"ok": not problems, "problems": [described(p) for p in problems]}


@blp.route("/<int:definition_id>/source")
class DefinitionSource(MethodView):
    @blp.response(200, content_type="application/xml")
    def get(self, definition_id: int):
        """Download the definition's BPMN/DMN text as deployed."""
        current_actor()
        row = get_session().get(ProcessDefinition, definition_id)
        if row is None:
            raise NotFound(f"no process definition {definition_id}")
        return Response(
            row.source,
            mimetype="application/xml",
            headers={"Content-Disposition": attachment_disposition(row.file_name)},
        )
