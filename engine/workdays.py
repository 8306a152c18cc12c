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
# A holiday entry spans at most this many days; a deadline counts at most this many working days.
MAX_SPAN_DAYS = 366
MAX_WORKING_DAYS = 250


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


class RegionCalendar:
    """A region's working days year by year, each year's calendar read when a date in it is
    first asked about: a deadline counted in December may run into the next year's calendar."""

    def __init__(self, session: Session, region_code: str) -> None:
        self._session = session
        self._region = region_code
        self._years: dict[int, WorkingCalendar] = {}

    def year(self, year: int) -> WorkingCalendar:
        if year not in self._years:
            self._years[year] = _calendar_year(self._session, self._region, year)
        return self._years[year]

    def is_working_day(self, day: date) -> bool:
        return self.year(day.year).is_working_day(day)


def region_calendar(session: Session, year: FiscalYear) -> RegionCalendar:
    """The working days of the year's region (the `working_calendar` setting of each calendar
    year: the region's own, else the national one shipped in engine/data/calendars)."""
    return RegionCalendar(session, year.region_code)


def _calendar_year(session: Session, region_code: str, year: int) -> WorkingCalendar:
    try:
        body = policy.setting(session, "working_calendar", region_code, year)
    except NotFound:
        return WEEKENDS_ONLY
    if not isinstance(body, dict):
        raise InvalidInput(
            "the working_calendar setting must be an object with holidays and workdays",
            errors={"working_calendar": "invalid"},
        )
    holidays = _dates(body, "holidays", ("from", "to"))
    return WorkingCalendar(holidays=holidays, workdays=_dates(body, "workdays", ("date", "date")))


def _dates(body: dict, name: str, ends: tuple[str, str]) -> frozenset[date]:
    """The dates listed under `name`: plain dates, or entries of a calendar file (a holiday
    from its first to its last day, an adjusted working day on its date)."""
    values = body.get(name, [])
    if not isinstance(values, list):
        raise InvalidInput(
            f"working_calendar.{name} must be a list of dates (YYYY-MM-DD)",
            errors={f"working_calendar.{name}": "not a list"},
        )
    parsed: set[date] = set()
    for index, value in enumerate(values):
        first_raw, last_raw = (
            (value.get(ends[0]), value.get(ends[1], value.get(ends[0])))
            if isinstance(value, dict)
            else (value, value)
        )
        first, last = _day(first_raw, name, index), _day(last_raw, name, index)
        if (last - first).days > MAX_SPAN_DAYS:
            raise InvalidInput(
                f"working_calendar.{name}[{index}] spans more than {MAX_SPAN_DAYS} days",
                errors={f"working_calendar.{name}[{index}]": "too long"},
            )
        parsed.update(first + timedelta(days=n) for n in range((last - first).days + 1))
    return frozenset(parsed)


def _day(value, name: str, index: int) -> date:
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        raise InvalidInput(
            f"working_calendar.{name}[{index}] is {value!r}, not a date (YYYY-MM-DD)",
            errors={f"working_calendar.{name}[{index}]": "not a date"},
        ) from None


def deadline_after_working_days(
    moment: datetime,
    days: int,
    zone: ZoneInfo | timezone = BEIJING,
    calendar: WorkingCalendar | RegionCalendar = WEEKENDS_ONLY,
) -> datetime:
    """The end (23:59:59 local time) of the `days`-th working day after `moment`."""
    if not 0 <= days <= MAX_WORKING_DAYS:
        raise InvalidInput(
            f"a deadline of {days} working days is out of range (0 to {MAX_WORKING_DAYS})",
            errors={"working_days": "out of range"},
        )
    day = local_date(moment, zone)
    counted = 0
    # Bounded: a calendar that holidays everything would otherwise never reach the deadline.
    for _ in range(days * 7 + MAX_SPAN_DAYS * 2):
        if counted == days:
            break
        day += timedelta(days=1)
        if calendar.is_working_day(day):
            counted += 1
    if counted < days:
        raise InvalidInput(
            f"the working calendar leaves fewer than {days} working days after "
            f"{local_date(moment, zone)}",
            errors={"working_calendar": "no working days"},
        )
    return end_of_day(day, zone)
