"""Deviation alerts: filtered lists, dashboard counts, acknowledging and resolving."""

from __future__ import annotations

from datetime import date

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from engine.classifications import FUNCTIONAL_CLASSES
from engine.identity.permissions import Permission
from engine.models.enums import AlertKind, AlertStatus, Colour, Course
from engine.monitoring import tracking as alert_tracking
from engine.monitoring.alert_queries import COLOURS, AlertFilter, get_alert, list_alerts, summarise
from web.api.base import forbidden
from web.api.paging import PageArgs, page_of
from web.api.views import ViewSchema
from web.auth import current_actor, protect
from web.db import get_session
from web.input_guard import MAX_ID
from web.plain_text import plain_text

# Amounts and ratios travel as decimal strings ("0.4952"): say so in the OpenAPI too.
AS_TEXT = {"type": "string", "format": "decimal"}

blp = Blueprint("alerts", __name__, description="Deviation alerts from monitoring")
protect(blp)

PAGING = ("page", "per_page", "sort")
# Days this software can have raised an alert on (and that convert to UTC without overflow).
DAYS = validate.Range(min=date(2000, 1, 1), max=date(2100, 12, 31))
COLOUR_LIST = r"^(red|yellow|green|blue)(,(red|yellow|green|blue))*$"


class ColourList(fields.List):
    """Colours, repeated (`colour=red&colour=blue`) or comma-separated (`colour=red,blue`)."""

    def _deserialize(self, value, attr, data, **kwargs):
        items = super()._deserialize(value, attr, data, **kwargs)
        return tuple(dict.fromkeys(part for item in items for part in item.split(",")))


class AlertSchema(ViewSchema):
    id = fields.Integer(required=True)
    kind = fields.Enum(AlertKind, by_value=True, required=True)
    rule_family = fields.String(required=True)
    colour = fields.Enum(Colour, by_value=True, required=True)
    ratio = fields.Decimal(as_string=True, metadata=AS_TEXT, allow_none=True)
    status = fields.Enum(AlertStatus, by_value=True, required=True)
    raised_at = fields.DateTime(required=True)
    project_id = fields.Integer(required=True)
    project_code = fields.String(attribute="project.code", required=True)
    project_name = fields.String(attribute="project.name", required=True)
    functional_class = fields.String(attribute="project.functional_class", required=True)
    unit_id = fields.Integer(attribute="unit.id", required=True)
    unit_name = fields.String(attribute="unit.name", required=True)
    department_id = fields.Integer(attribute="department.id", allow_none=True)
    department_name = fields.String(attribute="department.name", allow_none=True)
    year = fields.Integer(required=True)
    round = fields.String(attribute="task.round_code", required=True)
    months = fields.Integer(attribute="task.months_elapsed", required=True)
    indicator_id = fields.Integer(allow_none=True)
    indicator_name = fields.String(allow_none=True)
    acknowledged_by = fields.String(allow_none=True)
    acknowledged_at = fields.DateTime(allow_none=True)
    resolved_by = fields.String(allow_none=True)
    resolved_at = fields.DateTime(allow_none=True)
    response_course = fields.Enum(Course, by_value=True, allow_none=True)
    response_text = fields.String(allow_none=True)
    responded_at = fields.DateTime(allow_none=True)
    version = fields.Integer(required=True)


class AlertFilterArgs(Schema):
    colour = ColourList(
        fields.String(validate=validate.Regexp(COLOUR_LIST)),
        metadata={"description": f"one or more of {', '.join(COLOURS)}; repeat or comma-separate"},
    )
    status = fields.String(validate=validate.OneOf([s.value for s in AlertStatus]))
    kind = fields.String(validate=validate.OneOf([k.value for k in AlertKind]))
    project_id = fields.Integer(validate=validate.Range(min=1, max=MAX_ID))
    department_id = fields.Integer(validate=validate.Range(min=1, max=MAX_ID))
    functional_class = fields.String(validate=validate.OneOf(sorted(FUNCTIONAL_CLASSES)))
    year = fields.Integer(validate=validate.Range(min=2000, max=2100))
    round = fields.String(
        validate=[validate.Length(min=1, max=20), plain_text],
        metadata={"description": "monitoring round code, e.g. jan_jul or jan_oct"},
    )
    months = fields.Integer(
        validate=validate.Range(min=1, max=12),
        metadata={"description": "months of data in the round (7 for Jan–Jul)"},
    )
    raised_from = fields.Date(
        validate=DAYS, metadata={"description": "raised on or after (Beijing time)"}
    )
    raised_to = fields.Date(
        validate=DAYS, metadata={"description": "raised on or before (Beijing time)"}
    )

    @validates_schema
    def dates_in_order(self, data, **_):
        if data.get("raised_from") and data.get("raised_to"):
            if data["raised_from"] > data["raised_to"]:
                raise ValidationError("raised_from is after raised_to", "raised_from")


class AlertListArgs(PageArgs, AlertFilterArgs):
    pass


def alert_filter(args: dict) -> AlertFilter:
    """The query's filters (paging keys removed) as the engine's filter."""
    values = {key: value for key, value in args.items() if key not in PAGING}
    values["colours"] = tuple(values.pop("colour", ()))
    return AlertFilter(**values)


class AlertCountsSchema(Schema):
    red = fields.Integer(required=True)
    yellow = fields.Integer(required=True)
    green = fields.Integer(required=True)
    blue = fields.Integer(required=True)
    total = fields.Integer(required=True)


class AlertBucketSchema(Schema):
    key = fields.String(required=True)
    label = fields.String(required=True, metadata={"description": "Chinese label"})
    label_en = fields.String(required=True)
    counts = fields.Nested(AlertCountsSchema, required=True)
    year = fields.Integer(allow_none=True)
    months = fields.Integer(allow_none=True)


class AlertSummarySchema(Schema):
    totals = fields.Nested(AlertCountsSchema, required=True)
    over_time = fields.List(fields.Nested(AlertBucketSchema), required=True)
    by_department = fields.List(fields.Nested(AlertBucketSchema), required=True)
    by_functional_class = fields.List(fields.Nested(AlertBucketSchema), required=True)


class AlertAcknowledgeSchema(Schema):
    version = fields.Integer(
        required=True,
        validate=validate.Range(min=1, max=2**31),
        metadata={"description": "the alert version you saw; 409 if it has moved on"},
    )


class AlertResolveSchema(AlertAcknowledgeSchema):
    note = fields.String(
        required=True,
        validate=[validate.Length(min=1, max=2000), plain_text],
        metadata={"description": "how the alert was dealt with"},
    )


@blp.route("/")
class Alerts(MethodView):
    @blp.arguments(AlertListArgs, location="query")
    @blp.response(200, page_of(AlertSchema))
    @blp.alt_response(422, description="a filter or paging argument is invalid")
    def get(self, args):
        """Alerts you may see, filtered; newest first (sort: id, project_id; - reverses)."""
        return list_alerts(
            get_session(),
            current_actor(),
            alert_filter(args),
            args["page"],
            args["per_page"],
            args["sort"],
        )


@blp.route("/summary")
class AlertSummary(MethodView):
    @blp.arguments(AlertFilterArgs, location="query")
    @blp.response(200, AlertSummarySchema)
    @blp.alt_response(422, description="a filter is invalid")
    def get(self, args):
        """Counts per colour in your scope: in all, per round, per department, per class."""
        return summarise(get_session(), current_actor(), alert_filter(args))


@blp.route("/<int:alert_id>")
class AlertDetail(MethodView):
    @blp.response(200, AlertSchema)
    @blp.alt_response(404, description="no such alert in your scope")
    def get(self, alert_id: int):
        """One alert (404 if it does not exist or is outside your scope)."""
        return get_alert(get_session(), current_actor(), alert_id)


@blp.route("/<int:alert_id>/acknowledge")
class AcknowledgeAlert(MethodView):
    @blp.arguments(AlertAcknowledgeSchema)
    @blp.response(200, AlertSchema)
    @blp.alt_response(403, description=forbidden(Permission.ACKNOWLEDGE_ALERTS))
    @blp.alt_response(404, description="no such alert in your scope")
    @blp.alt_response(409, description="the alert changed since `version`, or is not open")
    @blp.alt_response(422, description="a green alert has nothing to acknowledge")
    def post(self, body, alert_id: int):
        """Acknowledge an open alert (supervisor, finance, performance); records who and when."""
        return alert_tracking.acknowledge(get_session(), current_actor(), alert_id, body["version"])


@blp.route("/<int:alert_id>/resolve")
class ResolveAlert(MethodView):
    @blp.arguments(AlertResolveSchema)
    @blp.response(200, AlertSchema)
    @blp.alt_response(403, description=forbidden(Permission.RESOLVE_ALERTS))
    @blp.alt_response(404, description="no such alert in your scope")
    @blp.alt_response(409, description="the alert changed since `version`, or is resolved")
    @blp.alt_response(422, description="the note is missing, or the alert is green")
    def post(self, body, alert_id: int):
        """Resolve an alert with a note (finance, performance); records who and when."""
        return alert_tracking.resolve(
            get_session(), current_actor(), alert_id, body["version"], body["note"]
        )
