"""Working calendars edited by the performance division: calendar years kept as versions of
the `working_calendar` policy setting, keyed by region (None: the national calendar) and year.

Saving never changes a version: an edit is a new version, and the audit log records who saved
which. A deadline already counted keeps its date; what changes is every deadline counted after.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine import audit
from engine.actors import Actor
from engine.calendar_file import KEY, CalendarYear, parse
from engine.errors import InvalidInput, NotFound
from engine.identity.permissions import Permission, require
from engine.models import FiscalYear, PolicySetting, Region, User

MAX_VERSIONS = 50


@dataclass(frozen=True)
class StoredCalendar:
    """The newest version of one region's (or the nation's) calendar for a year."""

    calendar: CalendarYear
    version: int
    saved_at: datetime
    saved_by: str | None
    setting_id: int


def save(session: Session, actor: Actor, calendar: CalendarYear) -> StoredCalendar:
    """Store `calendar` as the next version for its region and year."""
    require(actor, Permission.WRITE_CALENDARS, "editing working calendars")
    region = calendar.region
    if region is not None and session.get(Region, region) is None:
        raise InvalidInput(
            f"no region {region!r}",
            errors={"region": "unknown"},
            key="no_region_named",
            params={"region": region},
        )
    newest = session.scalar(
        select(func.max(PolicySetting.version)).where(*_same(region, calendar.year))
    )
    row = PolicySetting(
        key=KEY,
        region_code=region,
        fiscal_year=calendar.year,
        version=(newest or 0) + 1,
        body={"value": calendar.body()},
        created_by_id=actor.user_id,
    )
    session.add(row)
    session.flush()
    audit.append(
        session,
        actor=actor.name,
        action="calendar.save",
        object_type="working_calendar",
        object_id=row.id,
        payload={
            "region": region,
            "year": calendar.year,
            "version": row.version,
            "holidays": len(calendar.holiday_dates()),
            "workdays": len(calendar.workdays),
            "source": calendar.source,
        },
    )
    return _stored(session, row)


def stored(session: Session, year: int, region: str | None = None) -> StoredCalendar | None:
    """The newest version of the calendar for `year`: the region's own, else the nation's."""
    for candidate in ([region] if region else []) + [None]:
        found = versions(session, year, candidate, limit=1)
        if found:
            return found[0]
    return None


def newest(session: Session) -> list[StoredCalendar]:
    """The newest version of every calendar year stored, newest year first, national first."""
    return [
        versions(session, year, region, limit=1)[0] for year, region in years_on_record(session)
    ]


def version(session: Session, setting_id: int) -> StoredCalendar:
    """One stored version by its id, or NotFound."""
    row = session.get(PolicySetting, setting_id)
    if row is None or row.key != KEY or row.fiscal_year is None:
        raise NotFound(
            f"no working calendar {setting_id}",
            key="no_calendar",
            params={"id": setting_id},
        )
    return _stored(session, row)


def versions(
    session: Session, year: int, region: str | None, limit: int = MAX_VERSIONS
) -> list[StoredCalendar]:
    """The versions of one region's (None: the nation's) calendar year, newest first."""
    rows = session.scalars(
        select(PolicySetting)
        .where(*_same(region, year))
        .order_by(PolicySetting.version.desc())
        .limit(limit)
    )
    return [_stored(session, row) for row in rows]


def years_on_record(session: Session) -> list[tuple[int, str | None]]:
    """(year, region) of every stored calendar year, newest year first, national first."""
    rows = session.execute(
        select(PolicySetting.fiscal_year, PolicySetting.region_code)
        .where(PolicySetting.key == KEY, PolicySetting.fiscal_year.is_not(None))
        .distinct()
    ).all()
    return sorted(rows, key=lambda row: (-row[0], row[1] or ""))


def missing_years(session: Session) -> list[int]:
    """Calendar years the fiscal years on record reach — each year and the next (evaluation,
    rectification and results run into it) — that have no national calendar: their deadlines
    skip weekends only."""
    years = set(session.scalars(select(FiscalYear.year).distinct()))
    national = {year for year, region in years_on_record(session) if region is None}
    return sorted((years | {year + 1 for year in years}) - national)


def _same(region: str | None, year: int):
    region_is = (
        PolicySetting.region_code.is_(None)
        if region is None
        else (PolicySetting.region_code == region)
    )
    return (PolicySetting.key == KEY, region_is, PolicySetting.fiscal_year == year)


def _stored(session: Session, row: PolicySetting) -> StoredCalendar:
    body = row.body["value"]
    calendar = parse(body, year=row.fiscal_year, region=row.region_code)
    user = session.get(User, row.created_by_id) if row.created_by_id else None
    return StoredCalendar(
        calendar=calendar,
        version=row.version,
        saved_at=row.created_at,
        saved_by=user.login if user else None,
        setting_id=row.id,
    )
