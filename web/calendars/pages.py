"""The working-calendar page: the years stored, one year as twelve month grids with its
holidays and adjusted working days, its versions, and the performance division's editor (the
file as text, or uploaded)."""

from __future__ import annotations

import calendar as month_tables
import json
from dataclasses import dataclass
from datetime import date

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from engine import calendars
from engine.calendar_file import (
    MAX_FILE_BYTES,
    CalendarYear,
    decode,
    parse,
    too_large,
    where,
)
from engine.errors import InvalidInput, NotFound, TooLarge
from engine.identity import permissions
from engine.identity.permissions import Permission
from engine.models import Region
from web.auth import current_actor
from web.db import get_session
from web.downloads import attachment_disposition
from web.errors import refusal_status
from web.i18n import translate
from web.pages.views import year_value

bp = Blueprint("calendars", __name__, template_folder="templates")


@dataclass(frozen=True)
class Day:
    day: date | None  # None: a blank before the 1st or after the last day
    kind: str = ""  # holiday, workday (调休), weekend or "" (an ordinary working day)
    title: str = ""


@bp.get("/calendars")
def calendars_page():
    return _render(year=year_value("year", request.args.get("year", "")), region=_region_arg())


@bp.get("/calendars/<int:calendar_id>/download")
def download(calendar_id: int):
    current_actor()
    saved = calendars.version(get_session(), calendar_id)
    text = json.dumps(saved.calendar.body(), ensure_ascii=False, indent=2) + "\n"
    name = f"calendar-{saved.calendar.region or 'national'}-{saved.calendar.year}.json"
    return Response(
        text,
        mimetype="application/json",
        headers={"Content-Disposition": attachment_disposition(name)},
    )


@bp.post("/calendars")
def save():
    session, actor = get_session(), current_actor()
    text = request.form.get("body", "")
    region = request.form.get("region", "").strip() or None
    year = None
    try:
        permissions.require(actor, Permission.WRITE_CALENDARS, "editing working calendars")
        text = _uploaded() or text
        source = decode(text)
        year = _stated_year(source)
        saved = calendars.save(session, actor, parse(source, region=region))
    except (InvalidInput, TooLarge) as error:
        session.rollback()
        status = refusal_status(error)
        return _render(year=year, region=region, text=text, error=error, status=status)
    calendar = saved.calendar
    flash(translate("cal.saved", year=calendar.year, version=saved.version), "notice")
    return redirect(
        url_for("calendars.calendars_page", year=calendar.year, region=calendar.region or "")
    )


def _uploaded() -> str | None:
    """The uploaded file's text, when one was chosen (it wins over the text box)."""
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return None
    data = upload.stream.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise too_large()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput(
            "the calendar file is not UTF-8 text",
            errors={"file": "invalid"},
            key="calendar_not_text",
        ) from None


def _stated_year(source) -> int | None:
    """The year a refused file is for, so the page shows that year beside the problems."""
    year = source.get("year") if isinstance(source, dict) else None
    return year if isinstance(year, int) and 2000 <= year <= 2100 else None


def _region_arg() -> str | None:
    raw = request.args.get("region", "").strip()
    if len(raw) > 12:
        raise InvalidInput(f"region {raw[:20]!r} is not a region", errors={"region": "invalid"})
    if raw and get_session().get(Region, raw) is None:
        # A region with no calendar of its own counts with the nation's; one that does not
        # exist must not be shown the nation's as though it were its own.
        raise NotFound(f"no region {raw}", key="unknown_region", params={"region": raw})
    return raw or None


def _render(*, year=None, region=None, text=None, error=None, status=200):
    session, actor = get_session(), current_actor()
    stored = calendars.newest(session)
    selected = _selected(session, stored, year, region)
    may_write = permissions.may(actor, Permission.WRITE_CALENDARS)
    if text is None:
        text = _pretty(selected.calendar.body()) if selected else _pretty(_blank(year))
    problems = (error.errors.get("problems") or []) if error is not None else []
    page = render_template(
        "calendars/calendars.html",
        stored=stored,
        selected=selected,
        months=_months(selected.calendar) if selected else [],
        versions=(
            calendars.versions(session, selected.calendar.year, selected.calendar.region)
            if selected
            else []
        ),
        missing=calendars.missing_years(session),
        regions=session.scalars(select(Region).order_by(Region.code)).all() if may_write else [],
        region=region,
        may_write=may_write,
        text=text,
        error=error,
        problems=[{**p, "where": where(p)} for p in problems],
    )
    return page, status


def _selected(session, stored, year, region):
    if year is not None:
        return calendars.stored(session, year, region)
    return stored[0] if stored else None


def _blank(year: int | None) -> dict:
    return {"year": year or date.today().year, "source": "", "holidays": [], "workdays": []}


def _pretty(body: dict) -> str:
    return json.dumps(body, ensure_ascii=False, indent=2)


def _months(calendar: CalendarYear) -> list[tuple[int, list[list[Day]]]]:
    """Twelve months of weeks (Monday first), each day marked as the calendar counts it."""
    holidays, workdays = calendar.holiday_dates(), calendar.workday_dates()
    named = {w.day: w.for_holiday for w in calendar.workdays}
    months = []
    for month in range(1, 13):
        weeks = []
        for week in month_tables.Calendar(firstweekday=0).monthdatescalendar(calendar.year, month):
            row = []
            for day in week:
                if day.month != month:
                    row.append(Day(None))
                elif day in holidays:
                    row.append(Day(day, "holiday", calendar.holiday_named(day) or ""))
                elif day in workdays:
                    row.append(Day(day, "workday", named.get(day, "")))
                else:
                    row.append(Day(day, "weekend" if day.weekday() >= 5 else ""))
            weeks.append(row)
        months.append((month, weeks))
    return months
