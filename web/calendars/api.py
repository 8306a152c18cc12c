"""Working calendars: the calendar years stored, one version with its days, a new version."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from engine import calendars
from engine.calendar_file import MAX_HOLIDAYS, MAX_WORKDAYS, parse
from engine.identity.permissions import Permission
from web.api.base import forbidden
from web.auth import current_actor, protect, require
from web.db import get_session

blp = Blueprint(
    "working_calendars",
    __name__,
    description="Working calendars: public holidays and 调休 (工作日历)",
)
protect(blp)

YEAR = validate.Range(min=2000, max=2100)


class CalendarSchema(Schema):
    id = fields.Integer(required=True, attribute="setting_id")
    year = fields.Integer(required=True, attribute="calendar.year")
    region = fields.String(
        allow_none=True,
        attribute="calendar.region",
        metadata={"description": "a region's own calendar; null: the national calendar"},
    )
    version = fields.Integer(required=True)
    source = fields.String(required=True, attribute="calendar.source")
    holiday_days = fields.Function(lambda s: len(s.calendar.holiday_dates()), required=True)
    adjusted_workdays = fields.Function(lambda s: len(s.calendar.workdays), required=True)
    saved_at = fields.DateTime(required=True)
    saved_by = fields.String(allow_none=True, metadata={"description": "null: shipped"})


HolidaySchema = Schema.from_dict(
    {
        "name": fields.String(required=True),
        "from": fields.Date(required=True),
        "to": fields.Date(required=True),
    },
    name="HolidaySchema",
)
WorkdaySchema = Schema.from_dict(
    {
        "date": fields.Date(required=True),
        "for": fields.String(metadata={"description": "the holiday it is worked for"}),
    },
    name="WorkdaySchema",
)


class CalendarBodySchema(CalendarSchema):
    holidays = fields.Function(
        lambda s: s.calendar.body()["holidays"],
        required=True,
        metadata={"description": "each holiday, from its first to its last day"},
    )
    workdays = fields.Function(
        lambda s: s.calendar.body()["workdays"],
        required=True,
        metadata={"description": "weekend days worked in exchange (调休)"},
    )


class CalendarListSchema(Schema):
    items = fields.List(fields.Nested(CalendarSchema), required=True)
    missing_years = fields.List(
        fields.Integer(),
        required=True,
        metadata={
            "description": "years the fiscal years on record reach with no national calendar: "
            "their working-day deadlines skip weekends only"
        },
    )


class CalendarFileSchema(Schema):
    """A calendar year as the file `budgetloop calendar export` writes."""

    year = fields.Integer(required=True, validate=YEAR)
    region = fields.String(allow_none=True, metadata={"description": "default: national"})
    source = fields.String(metadata={"description": "the notice it was typed from"})
    note = fields.String()
    holidays = fields.List(
        fields.Dict(),
        required=True,
        validate=validate.Length(max=MAX_HOLIDAYS),
        metadata={"description": "{name, from, to}: dates YYYY-MM-DD within the year"},
    )
    workdays = fields.List(
        fields.Dict(),
        load_default=list,
        validate=validate.Length(max=MAX_WORKDAYS),
        metadata={"description": "{date, for}: a Saturday or Sunday worked in exchange"},
    )


@blp.route("/")
class Calendars(MethodView):
    @blp.response(200, CalendarListSchema)
    def get(self):
        """The newest version of every calendar year, and the years that have none."""
        current_actor()
        session = get_session()
        return {
            "items": calendars.newest(session),
            "missing_years": calendars.missing_years(session),
        }

    @blp.arguments(CalendarFileSchema)
    @blp.response(201, CalendarBodySchema)
    @blp.alt_response(403, description=forbidden(Permission.WRITE_CALENDARS))
    @blp.alt_response(
        422, description="invalid: `errors.problems` names each place (`holidays[6].to`)"
    )
    def post(self, body):
        """Store a calendar year as the next version for its region (nothing if invalid)."""
        actor = require(Permission.WRITE_CALENDARS)
        return calendars.save(get_session(), actor, parse(body))


@blp.route("/<int:calendar_id>")
class CalendarDetail(MethodView):
    @blp.response(200, CalendarBodySchema)
    @blp.alt_response(404, description="no such calendar version")
    def get(self, calendar_id: int):
        """One stored version with its holidays and adjusted working days."""
        current_actor()
        return calendars.version(get_session(), calendar_id)
