"""Projects and organisations, each caller seeing only its own scope."""

from __future__ import annotations

from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from engine.cycle.projects import (
    ProjectFilter,
    get_organisation,
    get_project,
    list_organisations,
    list_projects,
    project_instance,
)
from engine.models.enums import OrgKind, ProjectStatus
from web.api.paging import PageArgs, page_of
from web.auth import current_actor, protect
from web.db import get_session
from web.input_guard import MAX_ID

blp = Blueprint("projects_and_organisations", __name__, description="Projects and organisations")
protect(blp)


class OrganisationSchema(Schema):
    id = fields.Integer(required=True)
    code = fields.String(required=True)
    name = fields.String(required=True)
    kind = fields.Enum(OrgKind, by_value=True, required=True)
    parent_id = fields.Integer(allow_none=True)
    finance_desk_id = fields.Integer(allow_none=True)
    functional_class = fields.String(allow_none=True)


class ProjectSchema(Schema):
    id = fields.Integer(required=True)
    code = fields.String(required=True)
    name = fields.String(required=True)
    year = fields.Integer(attribute="fiscal_year.year", required=True)
    unit_id = fields.Integer(required=True)
    unit_name = fields.String(attribute="unit.name", required=True)
    functional_class = fields.String(required=True)
    status = fields.Enum(ProjectStatus, by_value=True, required=True)
    requested_amount = fields.Decimal(as_string=True, required=True)
    approved_amount = fields.Decimal(as_string=True, allow_none=True)
    is_livelihood_exempt = fields.Boolean(required=True)
    disbursement_suspended = fields.Boolean(required=True)
    version = fields.Integer(required=True)


class DiagramSchema(Schema):
    process = fields.String(required=True, metadata={"description": "the process id drawn"})
    called_as = fields.String(
        required=True, metadata={"description": "the name the caller used (a review variant)"}
    )
    definition_id = fields.Integer(
        allow_none=True,
        metadata={"description": "GET /api/v1/process-definitions/{id}/source draws it"},
    )
    version = fields.Integer(allow_none=True)
    call_activity = fields.String(
        allow_none=True, metadata={"description": "the parent diagram's element that called it"}
    )
    parent = fields.Integer(
        allow_none=True, metadata={"description": "index of the parent diagram in `diagrams`"}
    )
    running = fields.Boolean(required=True)
    active = fields.List(fields.String(), required=True)
    completed = fields.List(fields.String(), required=True)
    flows = fields.List(
        fields.List(fields.String()),
        required=True,
        metadata={"description": "sequence flows taken, as [source element, target element]"},
    )


class HistoryEntrySchema(Schema):
    at = fields.DateTime(allow_none=True)
    kind = fields.String(required=True, metadata={"description": "task or timer"})
    element = fields.String(required=True)
    name = fields.String(required=True)
    process = fields.String(required=True)
    status = fields.String(required=True)
    role = fields.String(allow_none=True)
    actor = fields.String(allow_none=True, metadata={"description": "user:<login> or a system"})
    actor_name = fields.String(allow_none=True)
    outcome = fields.String(allow_none=True)
    comment = fields.String(allow_none=True)
    due_at = fields.DateTime(allow_none=True)


class InstanceSchema(Schema):
    project_id = fields.Integer(required=True, attribute="subject.id")
    instance_id = fields.Integer(required=True)
    process_key = fields.String(required=True)
    definition_id = fields.Integer(required=True)
    version = fields.Integer(allow_none=True)
    status = fields.String(required=True, metadata={"description": "running, completed, incident"})
    started_at = fields.DateTime(required=True)
    completed_at = fields.DateTime(allow_none=True)
    active_stack = fields.List(
        fields.Integer(),
        required=True,
        metadata={"description": "indexes of the running diagrams, top down"},
    )
    diagrams = fields.List(fields.Nested(DiagramSchema), required=True)
    history = fields.List(fields.Nested(HistoryEntrySchema), required=True)


class ProjectArgs(PageArgs):
    year = fields.Integer(validate=validate.Range(min=2000, max=2100))
    department_id = fields.Integer(validate=validate.Range(min=1, max=MAX_ID))
    unit_id = fields.Integer(validate=validate.Range(min=1, max=MAX_ID))
    functional_class = fields.String(validate=validate.Length(equal=3))
    status = fields.String(validate=validate.OneOf([s.value for s in ProjectStatus]))
    q = fields.String(validate=validate.Length(min=1, max=100))


class OrganisationArgs(PageArgs):
    kind = fields.String(validate=validate.OneOf([k.value for k in OrgKind]))
    parent_id = fields.Integer(validate=validate.Range(min=1, max=MAX_ID))


@blp.route("/projects/")
class Projects(MethodView):
    @blp.arguments(ProjectArgs, location="query")
    @blp.response(200, page_of(ProjectSchema))
    def get(self, args):
        """List the projects you may see, filtered and paged (sort: code or id, - reverses)."""
        paging = {key: args.pop(key) for key in ("page", "per_page", "sort")}
        return list_projects(
            get_session(),
            current_actor(),
            ProjectFilter(**args),
            paging["page"],
            paging["per_page"],
            paging["sort"],
        )


@blp.route("/projects/<int:project_id>")
class ProjectDetail(MethodView):
    @blp.response(200, ProjectSchema)
    def get(self, project_id: int):
        """One project (404 if it does not exist or is outside your scope)."""
        return get_project(get_session(), current_actor(), project_id)


@blp.route("/projects/<int:project_id>/instance")
class ProjectInstance(MethodView):
    @blp.response(200, InstanceSchema)
    @blp.alt_response(404, description="no such project in your scope, or no instance yet")
    def get(self, project_id: int):
        """Where the project's process instance is: its diagrams (top level and each subprocess
        entered, with the definition version), the active and completed elements, the sequence
        flows taken, and the history of who did what when."""
        workflow = current_app.extensions["budgetloop.workflow"]
        return project_instance(get_session(), current_actor(), workflow, project_id)


@blp.route("/organisations/")
class Organisations(MethodView):
    @blp.arguments(OrganisationArgs, location="query")
    @blp.response(200, page_of(OrganisationSchema))
    def get(self, args):
        """List the organisations you may see."""
        return list_organisations(
            get_session(),
            current_actor(),
            args.get("kind"),
            args.get("parent_id"),
            args["page"],
            args["per_page"],
            args["sort"],
        )


@blp.route("/organisations/<int:org_id>")
class OrganisationDetail(MethodView):
    @blp.response(200, OrganisationSchema)
    def get(self, org_id: int):
        """One organisation within your scope."""
        return get_organisation(get_session(), current_actor(), org_id)
