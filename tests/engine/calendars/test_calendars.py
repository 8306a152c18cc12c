"""Working calendars as the performance division keeps them: the national ones shipped, a
region's own, versions, the audit log, and deadlines counted year by year."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from engine import calendars
from engine.actors import Actor
from engine.calendar_file import parse
from engine.errors import Forbidden, InvalidInput
from engine.models import AuditEvent, FiscalYear, PolicySetting, User
from engine.models.enums import Role
from engine.synthetic.province import SeedRequest, seed_province
from engine.workdays import deadline_after_working_days, region_calendar

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def year(sessions) -> FiscalYear:
    with sessions() as session, session.begin():
        seed_province(session, SeedRequest(year=2026, projects=3, seed=3))
    with sessions() as session:
        return session.scalars(select(FiscalYear)).one()


def _actor(sessions, role: Role) -> Actor:
    with sessions() as session:
        return Actor.of_user(session.scalars(select(User).where(User.role == role)).first())


def _calendar(region: str | None, year: int, holidays, workdays=()):
    return parse(
        {
            "year": year,
            "source": "测试",
            "holidays": [{"name": name, "from": a, "to": b} for name, a, b in holidays],
            "workdays": [{"date": day, "for": ""} for day in workdays],
        },
        region=region,
    )


def test_the_national_calendars_are_installed_with_the_reference_data(sessions):
    with sessions() as session:
        stored = calendars.stored(session, 2026)
        assert stored is not None and stored.version == 1 and stored.saved_by is None
        assert stored.calendar.region is None
        assert len(stored.calendar.holiday_dates()) == 33
        assert calendars.stored(session, 2025) is not None
        assert calendars.stored(session, 1999) is None


def test_an_alert_raised_before_national_day_is_due_after_it(sessions, year):
    """The issue's case: raised on Wednesday 30 September 2026, ten working days — 8, 9,
    10 (Saturday, worked in exchange), 12–16 and 19, 20 October — not the 14th."""
    with sessions() as session:
        raised = datetime(2026, 9, 30, 10, 0, tzinfo=SHANGHAI)
        calendar = region_calendar(session, session.merge(year))
        due = deadline_after_working_days(raised, 10, SHANGHAI, calendar)
    assert due.date() == date(2026, 10, 20)
    assert deadline_after_working_days(raised, 10, SHANGHAI).date() == date(2026, 10, 14)


def test_a_deadline_running_into_next_year_counts_with_next_years_calendar(sessions, year):
    performance = _actor(sessions, Role.PERFORMANCE)
    raised = datetime(2026, 12, 30, 10, 0, tzinfo=SHANGHAI)
    with sessions() as session:
        # No 2027 calendar yet: 31 December, then 1, 4, 5 January.
        before = deadline_after_working_days(
            raised, 4, SHANGHAI, region_calendar(session, session.merge(year))
        )
    assert before.date() == date(2027, 1, 5)
    with sessions() as session, session.begin():
        calendars.save(
            session, performance, _calendar(None, 2027, [("元旦", "2027-01-01", "2027-01-03")])
        )
    with sessions() as session:
        after = deadline_after_working_days(
            raised, 4, SHANGHAI, region_calendar(session, session.merge(year))
        )
    assert after.date() == date(2027, 1, 6)


def test_a_regions_own_calendar_comes_before_the_national_one(sessions, year):
    performance = _actor(sessions, Role.PERFORMANCE)
    region = year.region_code
    with sessions() as session, session.begin():
        own = calendars.stored(session, 2026).calendar.body()
        own["holidays"].append(
            {"name": "自治区成立纪念日", "from": "2026-10-08", "to": "2026-10-08"}
        )
        saved = calendars.save(session, performance, parse(own, region=region))
    assert saved.version == 1 and saved.calendar.region == region
    with sessions() as session:
        calendar = region_calendar(session, session.merge(year))
        assert not calendar.is_working_day(date(2026, 10, 8))
        assert calendars.stored(session, 2026, region).calendar.region == region
        # The nation's own is unchanged.
        assert calendars.stored(session, 2026).calendar.region is None
        assert date(2026, 10, 8) not in calendars.stored(session, 2026).calendar.holiday_dates()


def test_an_edit_is_a_new_version_with_an_audit_event(sessions, year):
    performance = _actor(sessions, Role.PERFORMANCE)
    with sessions() as session, session.begin():
        body = calendars.stored(session, 2026).calendar.body()
        body["holidays"] = [h for h in body["holidays"] if h["name"] != "中秋节"]
        saved = calendars.save(session, performance, parse(body))
    assert saved.version == 2 and f"user:{saved.saved_by}" == performance.name
    with sessions() as session:
        assert calendars.stored(session, 2026).version == 2
        assert region_calendar(session, session.merge(year)).is_working_day(date(2026, 9, 25))
        event = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "calendar.save")
        ).one()
        assert event.payload["version"] == 2 and event.payload["holidays"] == 30
        versions = session.scalar(
            select(func.count()).where(
                PolicySetting.key == "working_calendar", PolicySetting.fiscal_year == 2026
            )
        )
        assert versions == 2


@pytest.mark.parametrize("role", [Role.FINANCE, Role.UNIT, Role.SUPERVISOR])
def test_only_the_performance_division_edits_calendars(sessions, year, role):
    with sessions() as session, session.begin():
        with pytest.raises(Forbidden):
            calendars.save(
                session, _actor(sessions, role), calendars.stored(session, 2026).calendar
            )


def test_a_calendar_for_an_unknown_region_is_refused_and_nothing_is_stored(sessions, year):
    performance = _actor(sessions, Role.PERFORMANCE)
    with sessions() as session:
        before = session.scalar(select(func.count()).select_from(PolicySetting))
    with sessions() as session, session.begin():
        with pytest.raises(InvalidInput, match="no region 'XX'"):
            calendars.save(session, performance, _calendar("XX", 2026, []))
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(PolicySetting)) == before


def test_a_calendar_that_leaves_no_working_day_is_an_error_not_a_hang(sessions, year):
    with sessions() as session, session.begin():
        every_day = [date.fromordinal(date(2026, 1, 1).toordinal() + n) for n in range(1200)]
        session.add(
            PolicySetting(
                key="working_calendar",
                region_code=year.region_code,
                body={"value": {"holidays": [d.isoformat() for d in every_day]}},
            )
        )
        session.flush()
        calendar = region_calendar(session, session.merge(year))
        with pytest.raises(InvalidInput, match="fewer than 10 working days"):
            deadline_after_working_days(datetime(2026, 3, 2, tzinfo=UTC), 10, SHANGHAI, calendar)
