"""Deadlines in the region's time zone (domain.md "Dates"): counted from the local date of the
event, due at the end of the local day. Working days skip weekends and the region's public
holidays, and count its adjusted working days (调休), from the `working_calendar` setting.

An order issued at 2026-03-04T16:30Z is issued on 5 March in Beijing (00:30): its days count
from 5 March, never from the UTC date.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.orm import Session

from engine import policy
from engine.errors import InvalidInput, NotFound
from engine.models import FiscalYear

BEIJING = timezone(timedelta(hours=8))
DEFAULT_ZONE = "Asia/Shanghai"
END_OF_DAY = time(23, 59, 59)


@dataclass(frozen=True)
class WorkingCalendar:
    """Which local dates are worked: Monday to Friday, except holidays, plus adjusted days."""

    holidays: frozenset[date] = frozenset()
    workdays: frozenset[date] = frozenset()  # weekend days worked in exchange (调休)

    def is_working_day(self, day: date) -> bool:
        if day in self.workdays:
            return True
        return day.weekday() < 5 and day not in self.holidays


WEEKENDS_ONLY = WorkingCalendar()


def zone_named(name: str) -> ZoneInfo:
    """The IANA time zone `name`, or InvalidInput saying which setting is wrong."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise InvalidInput(
            f"the time_zone setting {name!r} is not an IANA time zone such as {DEFAULT_ZONE!r}",
            errors={"time_zone": "unknown"},
        ) from None


def region_zone(session: Session, year: FiscalYear) -> ZoneInfo:
    """The time zone of the year's region (the `time_zone` policy setting; Asia/Shanghai)."""
    try:
        name = policy.setting(session, "time_zone", year.region_code, year.year)
    except NotFound:
        # A database from before the setting was shipped: the documented default.
        name = DEFAULT_ZONE
    return zone_named(name)


def local_date(moment: datetime, zone: ZoneInfo | timezone = BEIJING) -> date:
    """The calendar date of `moment` where the region is."""
    return moment.astimezone(zone).date()


def start_of_day(day: date, zone: ZoneInfo | timezone = BEIJING) -> datetime:
    """00:00 local time on `day`: when something that opens that day opens."""
    return datetime.combine(day, time.min, zone)


def end_of_day(day: date, zone: ZoneInfo | timezone = BEIJING) -> datetime:
    """23:59:59 local time on `day`: when something due that day becomes overdue."""
    return datetime.combine(day, END_OF_DAY, zone)


def due_date_after_days(moment: datetime, days: int, zone: ZoneInfo | timezone = BEIJING) -> date:
    """The local date `days` calendar days after the local date of `moment`."""
    return local_date(moment, zone) + timedelta(days=days)


def region_calendar(session: Session, year: FiscalYear) -> WorkingCalendar:
    """The region's holidays and adjusted working days (the `working_calendar` setting)."""
    try:
        body = policy.setting(session, "working_calendar", year.region_code, year.year)
    except NotFound:
        return WEEKENDS_ONLY

    def dates(name: str) -> frozenset[date]:
        values = body.get(name, []) if isinstance(body, dict) else None
        if not isinstance(values, list):
            raise InvalidInput(
                f"working_calendar.{name} must be a list of dates (YYYY-MM-DD)",
                errors={f"working_calendar.{name}": "not a list"},
            )
        parsed = set()
        for index, value in enumerate(values):
            try:
                parsed.add(date.fromisoformat(value))
            except (TypeError, ValueError):
                raise InvalidInput(
                    f"working_calendar.{name}[{index}] is {value!r}, not a date (YYYY-MM-DD)",
                    errors={f"working_calendar.{name}[{index}]": "not a date"},
                ) from None
        return frozenset(parsed)

    return WorkingCalendar(holidays=dates("holidays"), workdays=dates("workdays"))


def deadline_after_working_days(
    moment: datetime,
    days: int,
    zone: ZoneInfo | timezone = BEIJING,
    calendar: WorkingCalendar = WEEKENDS_ONLY,
) -> datetime:
    """The end (23:59:59 local time) of the `days`-th working day after `moment`."""
    day = local_date(moment, zone)
    counted = 0
    # Bounded: at most `days` weekdays plus the calendar's finitely many holidays and weekends.
    while counted < days:
        day += timedelta(days=1)
        if calendar.is_working_day(day):
            counted += 1
    return end_of_day(day, zone)
