"""A working calendar file: one year's public holidays and adjusted working days (调休).

The performance division types it from the State Council's annual notice (国务院办公厅关于
××年部分节假日安排的通知), holiday by holiday as the notice lists them:

    {"year": 2026, "source": "国务院办公厅关于2026年部分节假日安排的通知（2025年11月4日）",
     "holidays": [{"name": "国庆节", "from": "2026-10-01", "to": "2026-10-07"}, …],
     "workdays": [{"date": "2026-10-10", "for": "国庆节"}, …]}

Every problem is reported at once, each at its place in the file (`holidays[6].to`) with the
holiday's name, so a finance officer can find and mend it. The national calendars the product
ships (engine/data/calendars) are installed from here; editing is engine/calendars.py.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from importlib import resources
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.errors import InvalidInput, TooLarge
from engine.models import PolicySetting

KEY = "working_calendar"  # the policy setting each calendar year is a version of
MAX_FILE_BYTES = 64 * 1024
MAX_HOLIDAYS = 30  # entries; a notice has seven
MAX_HOLIDAY_SPAN = 31  # days in one entry; the longest Spring Festival break is nine
MAX_HOLIDAY_DAYS = 60  # in a year
MAX_WORKDAYS = 30
MAX_NAME = 40
MAX_SOURCE = 200
MAX_REGION = 12  # a region's code (None: the national calendar)
KEYS = {"year", "region", "source", "holidays", "workdays", "note"}
FIRST_YEAR, LAST_YEAR = 2000, 2100
MAX_PROBLEMS = 50  # reported at once; a file with more is not a calendar typed by hand
UNSTORABLE = re.compile(r"[\x00\ud800-\udfff]")
# The notice's dates as typed: YYYY-MM-DD. Python also reads ISO week dates of the same length
# ("2026-W40-4"), which no notice uses and a person would not mean as a day of the year.
DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
# The place of a problem inside one entry of the file's lists: `holidays[6].to`.
ENTRY_PLACE = re.compile(r"(holidays|workdays)\[([0-9]+)\](?:\.|$)")


@dataclass(frozen=True)
class Holiday:
    name: str
    first: date
    last: date

    def days(self) -> list[date]:
        return [self.first + timedelta(days=n) for n in range((self.last - self.first).days + 1)]


@dataclass(frozen=True)
class Workday:
    day: date
    for_holiday: str = ""


@dataclass(frozen=True)
class CalendarYear:
    """One year of a region's calendar (region None: the national calendar)."""

    year: int
    holidays: tuple[Holiday, ...]
    workdays: tuple[Workday, ...]
    source: str = ""
    region: str | None = None

    def holiday_dates(self) -> frozenset[date]:
        return frozenset(day for holiday in self.holidays for day in holiday.days())

    def workday_dates(self) -> frozenset[date]:
        return frozenset(workday.day for workday in self.workdays)

    def holiday_named(self, day: date) -> str | None:
        return next((h.name for h in self.holidays if h.first <= day <= h.last), None)

    def body(self) -> dict:
        """What is stored (and what a download gives back): the file's own shape."""
        return {
            "year": self.year,
            **({"region": self.region} if self.region else {}),
            "source": self.source,
            "holidays": [
                {"name": h.name, "from": h.first.isoformat(), "to": h.last.isoformat()}
                for h in self.holidays
            ],
            "workdays": [{"date": w.day.isoformat(), "for": w.for_holiday} for w in self.workdays],
        }


@dataclass
class _Problems:
    """Problems found so far, each with its place, a message key and its parameters."""

    items: list[dict] = field(default_factory=list)

    def add(self, at: str, key: str, message: str, **params: object) -> None:
        self.items.append({"at": at, "key": key, "message": message, "params": params})


def too_large() -> TooLarge:
    return TooLarge(
        f"the calendar file is over {MAX_FILE_BYTES // 1024} KiB",
        errors={"file": "too large"},
        key="calendar_too_large",
        params={"max": MAX_FILE_BYTES // 1024},
    )


def decode(text: str) -> Any:
    """The file's JSON, or InvalidInput naming the line and column where it stops being JSON."""
    if len(text.encode("utf-8")) > MAX_FILE_BYTES:
        raise too_large()
    try:
        return json.loads(text)
    except RecursionError:
        # Brackets nested thousands deep: no calendar is; the parser would recurse past its limit.
        raise InvalidInput(
            "the calendar is not a calendar file: it nests too deep",
            errors={"file": "invalid"},
            key="calendar_too_deep",
        ) from None
    except json.JSONDecodeError as error:
        raise InvalidInput(
            f"the calendar is not JSON: line {error.lineno}, column {error.colno}: {error.msg}",
            errors={
                "problems": [
                    {
                        "at": f"line {error.lineno}",
                        "key": "not_json",
                        "message": error.msg,
                        "params": {"line": error.lineno, "column": error.colno},
                    }
                ]
            },
            key="calendar_not_json",
            params={"line": error.lineno, "column": error.colno},
        ) from None


def parse(source: Any, *, year: int | None = None, region: str | None = None) -> CalendarYear:
    """A checked calendar year from decoded JSON; `year`, when given, is the year it must be."""
    problems = _Problems()
    if not isinstance(source, dict):
        problems.add("$", "object", "the calendar must be a JSON object")
        _refuse(problems)
    for key in sorted(set(source) - KEYS, key=str)[:MAX_PROBLEMS]:
        shown = _shown(key)
        problems.add(shown, "unknown_key", f"unknown key {shown!r}", known=", ".join(sorted(KEYS)))
    # An unknown key may look like a place in a list ("holidays[0]"): it names no entry.
    top_level = len(problems.items)
    stated = _year(source.get("year"), problems)
    if year is not None and stated is not None and stated != year:
        problems.add("year", "other_year", f"the file is for {stated}, not {year}", year=year)
    the_year = stated if stated is not None else year
    source_text = _text(source.get("source", ""), "source", MAX_SOURCE, problems, required=False)
    if region is None and source.get("region") is not None:
        region = _text(source["region"], "region", MAX_REGION, problems, required=False) or None
    holidays = _holidays(source.get("holidays"), the_year, problems)
    workdays = _workdays(source.get("workdays", []), the_year, holidays, problems)
    if problems.items:
        _name_entries(problems.items[top_level:], source)
        _refuse(problems)
    return CalendarYear(the_year, tuple(holidays), tuple(workdays), source_text, region)


def _name_entries(problems: list[dict], source: dict) -> None:
    """Say which holiday or adjusted working day each problem is in, as the file names it."""
    for problem in problems:
        place = ENTRY_PLACE.match(problem["at"])
        if place is None:
            continue
        list_name, index = place.group(1), int(place.group(2))
        entries = source.get(list_name)
        if not isinstance(entries, list):
            continue
        entry = entries[index] if index < len(entries) else None
        # A holiday by its name; an adjusted working day by the holiday it is worked for.
        label = (
            entry.get("name" if list_name == "holidays" else "for")
            if isinstance(entry, dict)
            else None
        )
        if isinstance(label, str) and label.strip():
            problem["entry"] = _shown(label.strip())


def _shown(key: str) -> str:
    """A key as a problem names it: short, and text any page or database can hold."""
    return UNSTORABLE.sub("?", key[:MAX_NAME])


def _refuse(problems: _Problems) -> None:
    del problems.items[MAX_PROBLEMS:]
    first = problems.items[0]
    more = f" (and {len(problems.items) - 1} more)" if len(problems.items) > 1 else ""
    raise InvalidInput(
        f"the working calendar is invalid: {where(first)}: {first['message']}{more}",
        errors={"problems": problems.items},
        key="calendar_invalid",
        params={"count": len(problems.items)},
    )


def where(problem: dict) -> str:
    """A problem's place as a person reads it: `holidays[6].to (国庆节)`."""
    entry = problem.get("entry")
    return f"{problem['at']} ({entry})" if entry else problem["at"]


def _year(value: Any, problems: _Problems) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int):
        problems.add("year", "year", f"year must be a year such as 2026, not {value!r}")
        return None
    if not FIRST_YEAR <= value <= LAST_YEAR:
        problems.add("year", "year", f"year {value} is out of range")
        return None
    return value


def _text(value: Any, at: str, limit: int, problems: _Problems, *, required: bool) -> str:
    if not isinstance(value, str):
        problems.add(at, "text", f"{at} must be text")
        return ""
    value = value.strip()
    if required and not value:
        problems.add(at, "required", f"{at} is required")
    if len(value) > limit:
        problems.add(at, "too_long", f"{at} is longer than {limit} characters", max=limit)
    if UNSTORABLE.search(value):
        # PostgreSQL refuses NUL; UTF-8 cannot encode a lone surrogate.
        problems.add(at, "unstorable", f"{at} contains a NUL or invalid Unicode")
    return value


def _date(value: Any, at: str, year: int | None, problems: _Problems) -> date | None:
    try:
        day = date.fromisoformat(value) if isinstance(value, str) and DAY.fullmatch(value) else None
    except ValueError:
        day = None
    if day is None:
        shown = _shown(str(value))
        problems.add(at, "date", f"{shown!r} is not a date (YYYY-MM-DD)", value=shown)
        return None
    if year is not None and day.year != year:
        problems.add(at, "not_in_year", f"{value} is not in {year}", value=value, year=year)
        return None
    return day


def _entries(value: Any, at: str, limit: int, problems: _Problems) -> list:
    if not isinstance(value, list):
        problems.add(at, "list", f"{at} must be a list")
        return []
    if len(value) > limit:
        problems.add(at, "too_many", f"{at} has {len(value)} entries (at most {limit})", max=limit)
        return []
    return value


def _entry(entry: Any, at: str, keys: tuple[str, ...], problems: _Problems) -> bool:
    """Whether `entry` is an object to read further; its unknown keys are problems."""
    known = ", ".join(keys)
    if not isinstance(entry, dict):
        problems.add(at, "object", f"{at} must be an object with {known}")
        return False
    for key in sorted(set(entry) - set(keys), key=str)[:MAX_PROBLEMS]:
        shown = _shown(key)
        problems.add(f"{at}.{shown}", "unknown_key", f"unknown key {shown!r}", known=known)
    return True


def _holidays(value: Any, year: int | None, problems: _Problems) -> list[Holiday]:
    holidays: list[Holiday] = []
    for index, entry in enumerate(_entries(value, "holidays", MAX_HOLIDAYS, problems)):
        at = f"holidays[{index}]"
        if not _entry(entry, at, ("name", "from", "to"), problems):
            continue
        name = _text(entry.get("name"), f"{at}.name", MAX_NAME, problems, required=True)
        first = _date(entry.get("from"), f"{at}.from", year, problems)
        last = _date(entry.get("to", entry.get("from")), f"{at}.to", year, problems)
        if first is None or last is None:
            continue
        if last < first:
            problems.add(f"{at}.to", "before_from", f"{name}: to {last} is before from {first}")
            continue
        if (last - first).days + 1 > MAX_HOLIDAY_SPAN:
            problems.add(
                f"{at}.to",
                "span",
                f"{name} lasts more than {MAX_HOLIDAY_SPAN} days",
                max=MAX_HOLIDAY_SPAN,
            )
            continue
        holiday = Holiday(name, first, last)
        for other in holidays:
            if first <= other.last and other.first <= last:
                problems.add(at, "overlap", f"{name} overlaps {other.name}", other=other.name)
        holidays.append(holiday)
    total = sum(len(h.days()) for h in holidays)
    if total > MAX_HOLIDAY_DAYS:
        problems.add(
            "holidays",
            "too_many_days",
            f"{total} holiday days (at most {MAX_HOLIDAY_DAYS})",
            days=total,
            max=MAX_HOLIDAY_DAYS,
        )
    return sorted(holidays, key=lambda h: h.first)


def _workdays(value: Any, year: int | None, holidays, problems: _Problems) -> list[Workday]:
    workdays: list[Workday] = []
    seen: set[date] = set()
    for index, entry in enumerate(_entries(value, "workdays", MAX_WORKDAYS, problems)):
        at = f"workdays[{index}]"
        if not _entry(entry, at, ("date", "for"), problems):
            continue
        for_holiday = _text(entry.get("for", ""), f"{at}.for", MAX_NAME, problems, required=False)
        day = _date(entry.get("date"), f"{at}.date", year, problems)
        if day is None:
            continue
        if day in seen:
            problems.add(f"{at}.date", "repeated", f"{day} is listed twice", value=str(day))
            continue
        seen.add(day)
        if day.weekday() < 5:
            # An adjusted working day is a weekend day worked in exchange: a weekday already is.
            problems.add(f"{at}.date", "weekday", f"{day} is a weekday", value=str(day))
            continue
        holiday = next((h for h in holidays if h.first <= day <= h.last), None)
        if holiday is not None:
            problems.add(
                f"{at}.date", "in_holiday", f"{day} is in {holiday.name}", holiday=holiday.name
            )
            continue
        workdays.append(Workday(day, for_holiday))
    return sorted(workdays, key=lambda w: w.day)


def shipped() -> list[CalendarYear]:
    """The national calendars the product ships, oldest year first."""
    folder = resources.files("engine.data").joinpath("calendars")
    files = sorted(f for f in folder.iterdir() if f.name.endswith(".json"))
    return [parse(decode(f.read_text(encoding="utf-8"))) for f in files]


def install_shipped(session: Session) -> int:
    """Add each shipped national calendar whose year has none stored; returns how many."""
    present = set(
        session.scalars(
            select(PolicySetting.fiscal_year).where(
                PolicySetting.key == KEY,
                PolicySetting.region_code.is_(None),
                PolicySetting.fiscal_year.is_not(None),
            )
        )
    )
    added = 0
    for calendar in shipped():
        if calendar.year not in present:
            session.add(
                PolicySetting(key=KEY, fiscal_year=calendar.year, body={"value": calendar.body()})
            )
            added += 1
    session.flush()
    return added
