"""Trends across the years: a project's years, a department's or unit's years, and the
departments of two years side by side (the supervisor dashboard's comparison)."""

from __future__ import annotations

from flask.views import MethodView
from marshmallow import Schema, fields, validate
from sqlalchemy import func, select

from engine import trends
from engine.identity.permissions import Permission
from engine.models import FiscalYear
from web.api.base import forbidden
from web.auth import current_actor, require
from web.cycle.api import OrganisationSchema, blp
from web.db import get_session

MONEY = {"as_string": True}


class ProjectYearSchema(Schema):
    year = fields.Integer(required=True)
    project_id = fields.Integer(required=True)
    code = fields.String(required=True)
    requested = fields.Decimal(required=True, **MONEY)
    approved = fields.Decimal(allow_none=True, **MONEY)
    indicators_met = fields.Integer(
        allow_none=True, metadata={"description": "indicators its self-evaluation scored in full"}
    )
    indicators_scored = fields.Integer(allow_none=True)
    achievement = fields.Decimal(
        allow_none=True,
        metadata={"description": "target achievement: indicator points earned ÷ their weights"},
        **MONEY,
    )
    self_score = fields.Decimal(allow_none=True, **MONEY)
    grade = fields.String(
        allow_none=True, metadata={"description": "the grade its funding decision used"}
    )
    execution_rate = fields.Decimal(allow_none=True, **MONEY)
    execution_final = fields.Boolean(
        required=True, metadata={"description": "true: at year end; false: to date"}
    )
    alert = fields.String(allow_none=True, metadata={"description": "the worst project alert"})
    alerts = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)
    decision = fields.String(allow_none=True)
    factor = fields.Decimal(allow_none=True, **MONEY)
    next_amount = fields.Decimal(
        allow_none=True, metadata={"description": "next year's allocation"}, **MONEY
    )


class OrgYearSchema(Schema):
    year = fields.Integer(required=True)
    projects = fields.Integer(required=True)
    requested = fields.Decimal(required=True, **MONEY)
    mean_score = fields.Decimal(
        allow_none=True,
        metadata={"description": "mean of its projects' scored evaluations"},
        **MONEY,
    )
    rank = fields.Integer(allow_none=True, metadata={"description": "fixed at the year's close"})
    grades = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)
    red_alerts = fields.Integer(required=True)
    yellow_alerts = fields.Integer(required=True)
    reductions = fields.Integer(
        required=True, metadata={"description": "decisions that cut, cancel or suspend"}
    )
    next_requested = fields.Decimal(allow_none=True, **MONEY)
    next_amount = fields.Decimal(allow_none=True, **MONEY)


class OrgTrendSchema(Schema):
    organisation = fields.Nested(OrganisationSchema, required=True)
    years = fields.List(fields.Nested(OrgYearSchema), required=True)


class ComparisonSchema(Schema):
    department_id = fields.Integer(required=True)
    name = fields.String(required=True)
    last = fields.Nested(OrgYearSchema, allow_none=True)
    this = fields.Nested(OrgYearSchema, allow_none=True)


class YearOnYearSchema(Schema):
    year = fields.Integer(required=True)
    departments = fields.List(fields.Nested(ComparisonSchema), required=True)


class YearArgs(Schema):
    year = fields.Integer(
        validate=validate.Range(min=2000, max=2100),
        metadata={"description": "compared with the year before; default the latest on record"},
    )


def latest_year(session) -> int | None:
    return session.scalar(select(func.max(FiscalYear.year)))


def year_on_year(session, actor, year: int | None) -> dict:
    year = year or latest_year(session)
    departments = trends.departments_year_on_year(session, actor, year) if year else []
    return {"year": year, "departments": departments}


@blp.route("/projects/<int:project_id>/trend")
class ProjectTrend(MethodView):
    @blp.response(200, ProjectYearSchema(many=True))
    @blp.alt_response(404, description="no such project in your scope")
    def get(self, project_id: int):
        """The project across the years on record, oldest first (its predecessors and
        successors you may see): targets achieved, grade, alerts, execution and funding."""
        return trends.project_trend(get_session(), current_actor(), project_id)


@blp.route("/organisations/<int:org_id>/trend")
class OrganisationTrend(MethodView):
    @blp.response(200, OrgTrendSchema)
    @blp.alt_response(404, description="no such organisation in your scope")
    def get(self, org_id: int):
        """The projects of an organisation's units year by year, oldest first: a unit's own, a
        department's units', a finance desk's departments' units' (none for other kinds)."""
        organisation, years = trends.org_trend(get_session(), current_actor(), org_id)
        return {"organisation": organisation, "years": years}


@blp.route("/organisations/year-on-year")
class YearOnYear(MethodView):
    @blp.arguments(YearArgs, location="query")
    @blp.response(200, YearOnYearSchema)
    @blp.alt_response(403, description=forbidden(Permission.VIEW_DASHBOARD))
    def get(self, args):
        """Each department you see in a year and the year before: mean evaluation score, rank,
        grades, alerts, funding reductions and next year's money."""
        actor = require(Permission.VIEW_DASHBOARD)
        return year_on_year(get_session(), actor, args.get("year"))
