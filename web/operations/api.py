"""Operators' API: the hash-chained audit log (read, verify) and incidents (retry, resolve)."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from engine import audit
from engine.identity.permissions import Permission
from engine.workflow.operator_queries import (
    INCIDENT_STATUSES,
    AuditFilters,
    audit_events,
    get_incident,
    incidents,
)
from web.api.base import forbidden
from web.api.paging import PageArgs, page_of
from web.auth import protect, require
from web.db import get_session
from web.plain_text import plain_text

# Who reads the log and the incidents; only the performance division acts on incidents.

audit_blp = Blueprint("audit_events", __name__, description="The hash-chained audit log")
incidents_blp = Blueprint(
    "incidents", __name__, description="Commands that failed inside the engine, for operators"
)
protect(audit_blp)
protect(incidents_blp)


class AuditEventSchema(Schema):
    seq = fields.Integer(required=True)
    at = fields.DateTime(required=True)
    actor = fields.String(required=True)
    action = fields.String(required=True)
    object_type = fields.String(required=True)
    object_id = fields.String(required=True)
    payload = fields.Dict(required=True)
    prev_hash = fields.String(required=True)
    hash = fields.String(required=True)


class AuditArgs(PageArgs):
    sort = fields.String(
        load_default="-seq",
        validate=validate.OneOf(["seq", "-seq"]),
        metadata={"description": "chain order: -seq newest first (default), seq oldest first"},
    )
    action = fields.String(validate=[validate.Length(min=1, max=60), plain_text])
    object_type = fields.String(validate=[validate.Length(min=1, max=40), plain_text])
    object_id = fields.String(validate=[validate.Length(min=1, max=60), plain_text])
    actor = fields.String(validate=[validate.Length(min=1, max=100), plain_text])
    # `from` is a Python keyword: the attribute is `since`, the query argument `from`.
    since = fields.DateTime(
        data_key="from", metadata={"description": "at or after (ISO 8601; UTC if no zone)"}
    )
    until = fields.DateTime(
        data_key="to", metadata={"description": "before (ISO 8601; UTC if no zone)"}
    )

    @validates_schema
    def _period(self, data, **kwargs):
        for key, name in (("since", "from"), ("until", "to")):
            moment = data.get(key)
            if moment is not None and not 1900 <= moment.year <= 2200:
                raise ValidationError("a time between the years 1900 and 2200", name)


class ChainSchema(Schema):
    ok = fields.Boolean(required=True)
    events = fields.Integer(required=True, metadata={"description": "events verified"})
    problem = fields.String(allow_none=True, metadata={"description": "the first break found"})


@audit_blp.route("/")
class AuditEvents(MethodView):
    @audit_blp.arguments(AuditArgs, location="query")
    @audit_blp.response(200, page_of(AuditEventSchema))
    @audit_blp.alt_response(403, description=forbidden(Permission.READ_OPERATIONS))
    def get(self, args):
        """Audit events, filtered by action, object, actor and time; in chain (seq) order."""
        require(Permission.READ_OPERATIONS)
        filters = AuditFilters(
            action=args.get("action"),
            object_type=args.get("object_type"),
            object_id=args.get("object_id"),
            actor=args.get("actor"),
            since=_utc(args.get("since")),
            until=_utc(args.get("until")),
        )
        return audit_events(get_session(), filters, args["page"], args["per_page"], args["sort"])


@audit_blp.route("/verify")
class VerifyChain(MethodView):
    @audit_blp.response(200, ChainSchema)
    @audit_blp.alt_response(403, description=forbidden(Permission.READ_OPERATIONS))
    def get(self):
        """Walk the whole chain: `ok` false names the first edited, missing or reordered event."""
        require(Permission.READ_OPERATIONS)
        report = audit.verify(get_session())
        return {"ok": report.ok, "events": report.events, "problem": report.problem}


class IncidentSchema(Schema):
    id = fields.Integer(required=True, attribute="incident.id")
    status = fields.String(required=True, metadata={"description": "open or resolved"})
    instance_id = fields.Integer(allow_none=True, attribute="incident.instance_id")
    process_key = fields.String(allow_none=True)
    business_key = fields.String(allow_none=True)
    element_id = fields.String(allow_none=True, attribute="incident.element_id")
    error = fields.String(required=True, attribute="incident.error")
    command = fields.String(
        allow_none=True, attribute="command_kind", metadata={"description": "what failed"}
    )
    attempts = fields.Integer(required=True, attribute="incident.attempts")
    created_at = fields.DateTime(required=True, attribute="incident.created_at")
    resolved_at = fields.DateTime(allow_none=True, attribute="incident.resolved_at")
    resolved_by = fields.String(allow_none=True, attribute="incident.resolved_by")
    resolution = fields.String(
        allow_none=True, attribute="incident.resolution", metadata={"description": "retried…"}
    )


class IncidentArgs(PageArgs):
    status = fields.String(load_default="open", validate=validate.OneOf(INCIDENT_STATUSES))
    sort = fields.String(
        load_default="-created_at",
        validate=validate.OneOf(["created_at", "-created_at", "id", "-id"]),
    )


class ResolveSchema(Schema):
    note = fields.String(
        required=True,
        validate=[validate.Length(min=1, max=2000), plain_text],
        metadata={"description": "why it is closed without a retry"},
    )

    @validates_schema
    def _not_blank(self, data, **kwargs):
        if not data.get("note", "").strip():
            raise ValidationError("a note saying why is required", "note")


@incidents_blp.route("/")
class Incidents(MethodView):
    @incidents_blp.arguments(IncidentArgs, location="query")
    @incidents_blp.response(200, page_of(IncidentSchema))
    @incidents_blp.alt_response(403, description=forbidden(Permission.READ_OPERATIONS))
    def get(self, args):
        """Incidents by status (open by default), newest first."""
        require(Permission.READ_OPERATIONS)
        return incidents(
            get_session(), args["status"], args["page"], args["per_page"], args["sort"]
        )


@incidents_blp.route("/<int:incident_id>")
class IncidentDetail(MethodView):
    @incidents_blp.response(200, IncidentSchema)
    @incidents_blp.alt_response(403, description=forbidden(Permission.READ_OPERATIONS))
    @incidents_blp.alt_response(404, description="no such incident")
    def get(self, incident_id: int):
        """One incident: the error, the element it failed at, its process instance."""
        require(Permission.READ_OPERATIONS)
        return get_incident(get_session(), incident_id)


@incidents_blp.route("/<int:incident_id>/retry")
class RetryIncident(MethodView):
    @incidents_blp.response(200, IncidentSchema)
    @incidents_blp.alt_response(403, description=forbidden(Permission.OPERATE))
    @incidents_blp.alt_response(404, description="no such incident")
    @incidents_blp.alt_response(409, description="already resolved")
    def post(self, incident_id: int):
        """Replay the failed command: resolved if it succeeds, else still open with the new
        error and one more attempt."""
        actor = require(Permission.OPERATE)
        session = get_session()
        current_app.extensions["budgetloop.workflow"].retry_incident(session, incident_id, actor)
        return get_incident(session, incident_id)


@incidents_blp.route("/<int:incident_id>/resolve")
class ResolveIncident(MethodView):
    @incidents_blp.arguments(ResolveSchema)
    @incidents_blp.response(200, IncidentSchema)
    @incidents_blp.alt_response(403, description=forbidden(Permission.OPERATE))
    @incidents_blp.alt_response(404, description="no such incident")
    @incidents_blp.alt_response(409, description="already resolved")
    def post(self, body, incident_id: int):
        """Close the incident without a retry (a note is required); the instance carries on
        from its last wait state."""
        actor = require(Permission.OPERATE)
        session = get_session()
        workflow = current_app.extensions["budgetloop.workflow"]
        workflow.resolve_incident(session, incident_id, actor, body["note"])
        return get_incident(session, incident_id)


def _utc(moment: datetime | None) -> datetime | None:
    """The columns hold aware UTC times; a time given without a zone is taken as UTC."""
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
