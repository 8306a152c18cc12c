"""Monitoring reports: what units reported in each round, indicator by indicator."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from engine.models.enums import (
    DeviationReason,
    DocumentStatus,
    Likelihood,
    Operator,
    QualitativeBand,
)
from engine.monitoring.report_queries import ReportFilter, get_report, list_reports
from web.api.paging import PageArgs, page_of
from web.auth import current_actor, protect
from web.db import get_session
from web.input_guard import MAX_ID
from web.plain_text import plain_text

# Amounts and ratios travel as decimal strings ("0.4952"): say so in the OpenAPI too.
AS_TEXT = {"type": "string", "format": "decimal"}

blp = Blueprint("monitoring", __name__, description="Monitoring reports (运行监控)")
protect(blp)


class MonitoringReportSchema(Schema):
    id = fields.Integer(required=True)
    project_id = fields.Integer(required=True)
    project_code = fields.String(attribute="project.code", required=True)
    project_name = fields.String(attribute="project.name", required=True)
    task_id = fields.Integer(required=True)
    year = fields.Integer(required=True)
    round = fields.String(attribute="task.round_code", required=True)
    months = fields.Integer(attribute="task.months_elapsed", required=True)
    due_on = fields.Date(attribute="task.due_on", required=True)
    status = fields.Enum(DocumentStatus, by_value=True, required=True)
    budget = fields.Decimal(as_string=True, metadata=AS_TEXT, required=True)
    executed_to_date = fields.Decimal(as_string=True, metadata=AS_TEXT, required=True)
    submitted_at = fields.DateTime(allow_none=True)
    version = fields.Integer(required=True)


class MonitoringRowSchema(Schema):
    indicator_id = fields.Integer(required=True)
    indicator_name = fields.String(attribute="indicator.name", required=True)
    operator = fields.Enum(Operator, by_value=True, attribute="indicator.operator", required=True)
    target_value = fields.Decimal(
        as_string=True, metadata=AS_TEXT, attribute="indicator.target_value", allow_none=True
    )
    target_text = fields.String(attribute="indicator.target_text", allow_none=True)
    unit_of_measure = fields.String(attribute="indicator.unit_of_measure", required=True)
    actual_to_date = fields.Decimal(as_string=True, metadata=AS_TEXT, allow_none=True)
    qualitative_band = fields.Enum(QualitativeBand, by_value=True, allow_none=True)
    likelihood = fields.Enum(Likelihood, by_value=True, required=True)
    deviation_reason = fields.Enum(DeviationReason, by_value=True, allow_none=True)
    deviation_note = fields.String(allow_none=True)


class MonitoringReportDetailSchema(MonitoringReportSchema):
    rows = fields.List(fields.Nested(MonitoringRowSchema), required=True)


class MonitoringReportArgs(PageArgs):
    project_id = fields.Integer(validate=validate.Range(min=1, max=MAX_ID))
    task_id = fields.Integer(
        validate=validate.Range(min=1, max=MAX_ID),
        metadata={"description": "the monitoring round (task) id"},
    )
    round = fields.String(
        validate=[validate.Length(min=1, max=20), plain_text],
        metadata={"description": "monitoring round code, e.g. jan_jul"},
    )
    year = fields.Integer(validate=validate.Range(min=2000, max=2100))
    status = fields.String(validate=validate.OneOf([s.value for s in DocumentStatus]))


@blp.route("/")
class Reports(MethodView):
    @blp.arguments(MonitoringReportArgs, location="query")
    @blp.response(200, page_of(MonitoringReportSchema))
    @blp.alt_response(422, description="a filter or paging argument is invalid")
    def get(self, args):
        """Monitoring reports you may see, newest first (sort: id, project_id; - reverses)."""
        paging = {key: args.pop(key) for key in ("page", "per_page", "sort")}
        return list_reports(
            get_session(),
            current_actor(),
            ReportFilter(**args),
            paging["page"],
            paging["per_page"],
            paging["sort"],
        )


@blp.route("/<int:report_id>")
class ReportDetail(MethodView):
    @blp.response(200, MonitoringReportDetailSchema)
    @blp.alt_response(404, description="no such report in your scope")
    def get(self, report_id: int):
        """One report with its rows: actual to date, band, likelihood, deviation reason."""
        return get_report(get_session(), current_actor(), report_id)
