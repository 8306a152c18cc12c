"""Deadlines count from the local date of the event in the region's time zone."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from engine.demo.simulation import Choices, Simulation, drive
from engine.errors import InvalidInput
from engine.models import HumanTask, PolicySetting, Project, RectificationOrder, Timer
from engine.workdays import (
    WorkingCalendar,
    deadline_after_working_days,
    region_calendar,
    region_zone,
    zone_named,
)

# 16:30 UTC on 31 January is 00:30 on 1 February in Beijing: the evaluation stage (it opens at
# 00:00 local time on 1 February) issues its rectification order then.
ISSUED = datetime(2027, 1, 31, 16, 30, tzinfo=UTC)
# Before the evaluation stage opens anywhere east of UTC.
BEFORE_EVALUATION = datetime(2027, 1, 31, 15, 0, tzinfo=UTC)


def _issue_an_order_at(sessions, wf, clock, start, project_id, issued) -> RectificationOrder:
    """Run a weak project's year; its evaluation closes, and its order is issued, at `issued`."""
    simulation = Simulation(
        wf, Choices(rng=random.Random(2), return_rate=0.0, performance=lambda project: 0.5)
    )
    start(project_id)
    drive(simulation, sessions, clock, until=BEFORE_EVALUATION, scope="cycle:")
    clock.set(issued)
    drive(simulation, sessions, clock, until=issued + timedelta(days=5), scope="cycle:")
    with sessions() as session:
        return session.scalars(
            select(RectificationOrder).where(RectificationOrder.project_id == project_id)
        ).one()


@pytest.mark.parametrize(
    ("time_zone", "issued", "local_day"),
    [
        # The default, Asia/Shanghai: 00:30 on 1 February (the UTC date is 31 January).
        (None, ISSUED, date(2027, 2, 1)),
        # A region configured elsewhere: 23:30 on 1 February in London, 2 February in Beijing.
        ("Europe/London", datetime(2027, 2, 1, 23, 30, tzinfo=UTC), date(2027, 2, 1)),
    ],
)
def test_rectification_deadlines_count_from_the_local_date(
    sessions, wf, clock, province, start, time_zone, issued, local_day
):
    project_id = province[0]
    if time_zone is not None:
        with sessions() as session, session.begin():
            region = session.get(Project, project_id).fiscal_year.region_code
            session.add(
                PolicySetting(key="time_zone", region_code=region, body={"value": time_zone})
            )
    zone = ZoneInfo(time_zone or "Asia/Shanghai")
    order = _issue_an_order_at(sessions, wf, clock, start, project_id, issued)
    assert order.issued_at == issued
    # Default deadlines: feedback in 20 days, a plan in 30, closure in 90.
    assert order.feedback_due == local_day + timedelta(days=20)
    assert order.plan_due == local_day + timedelta(days=30)
    assert order.close_due == local_day + timedelta(days=90)

    def end_of(day: date) -> datetime:
        return datetime(day.year, day.month, day.day, 23, 59, 59, tzinfo=zone)

    with sessions() as session:
        feedback = session.scalars(
            select(HumanTask)
            .where(HumanTask.form == "rectification_feedback")
            .order_by(HumanTask.id)
            .limit(1)
        ).one()
        overdue = session.scalars(
            select(Timer).where(Timer.element_id == "Timer_RectificationOverdue")
        ).first()
    # The inbox shows the feedback as due at the end of its local day; the order becomes
    # overdue when the closure date has ended there.
    assert feedback.due_at == end_of(order.feedback_due)
    assert overdue.due_at == end_of(order.close_due)


def test_working_days_count_from_the_beijing_date():
    # Friday 16:30 UTC is Saturday 00:30 in Beijing: the first working day after it is Monday
    # the 10th, as it is for Friday morning, but the count starts from Saturday.
    friday_evening = datetime(2026, 8, 7, 16, 30, tzinfo=UTC)
    thursday_evening = datetime(2026, 8, 6, 16, 30, tzinfo=UTC)  # Friday 00:30 in Beijing
    shanghai = ZoneInfo("Asia/Shanghai")
    assert deadline_after_working_days(thursday_evening, 1, shanghai) == datetime(
        2026, 8, 10, 23, 59, 59, tzinfo=shanghai
    )
    assert deadline_after_working_days(friday_evening, 1, shanghai) == datetime(
        2026, 8, 10, 23, 59, 59, tzinfo=shanghai
    )
    assert deadline_after_working_days(friday_evening, 10, shanghai).date() == date(2026, 8, 21)
    # In London the same moment is still Thursday / Friday.
    london = ZoneInfo("Europe/London")
    assert deadline_after_working_days(thursday_evening, 1, london).date() == date(2026, 8, 7)


def test_the_region_time_zone_is_a_policy_setting(sessions, province):
    with sessions() as session, session.begin():
        year = session.get(Project, province[0]).fiscal_year
        assert region_zone(session, year) == ZoneInfo("Asia/Shanghai")
        session.add(
            PolicySetting(key="time_zone", region_code=year.region_code, body={"value": "Mars/X"})
        )
        session.flush()
        with pytest.raises(InvalidInput, match="'Mars/X' is not an IANA time zone"):
            region_zone(session, year)
    with pytest.raises(InvalidInput, match="time_zone"):
        zone_named("../../etc/passwd")


def test_working_days_skip_holidays_and_count_adjusted_workdays():
    shanghai = ZoneInfo("Asia/Shanghai")
    calendar = WorkingCalendar(
        holidays=frozenset({date(2026, 10, d) for d in range(1, 8)}),
        workdays=frozenset({date(2026, 9, 27), date(2026, 10, 10)}),  # a Sunday, a Saturday
    )
    # Saturday 26 September: Sunday the 27th is worked, then the holidays until the 7th.
    saturday = datetime(2026, 9, 26, 2, 0, tzinfo=UTC)
    assert deadline_after_working_days(saturday, 1, shanghai, calendar).date() == date(2026, 9, 27)
    assert deadline_after_working_days(saturday, 4, shanghai, calendar).date() == date(2026, 9, 30)
    assert deadline_after_working_days(saturday, 5, shanghai, calendar).date() == date(2026, 10, 8)
    assert deadline_after_working_days(saturday, 7, shanghai, calendar).date() == date(2026, 10, 10)
    assert deadline_after_working_days(saturday, 8, shanghai, calendar).date() == date(2026, 10, 12)


def test_the_alert_response_deadline_follows_the_region_calendar(
    sessions, wf, clock, province, start
):
    project_id = province[0]
    with sessions() as session, session.begin():
        region = session.get(Project, project_id).fiscal_year.region_code
        session.add(
            PolicySetting(
                key="working_calendar",
                region_code=region,
                body={
                    "value": {
                        "holidays": ["2026-08-03", "2026-08-04", "2026-08-05"],
                        "workdays": ["2026-08-08"],
                    }
                },
            )
        )
    simulation = Simulation(
        wf, Choices(rng=random.Random(1), return_rate=0.0, performance=lambda project: 0.5)
    )
    start(project_id)
    # Monitoring opens at 00:00 on Saturday 1 August in Beijing (16:00 UTC on 31 July), when
    # the unit files at once and its red alert asks for a response.
    drive(simulation, sessions, clock, until=datetime(2026, 7, 31, 16, 0, tzinfo=UTC))
    with sessions() as session:
        assert session.scalars(select(HumanTask).where(HumanTask.form == "alert_response")).all()
        timer = session.scalars(
            select(Timer).where(Timer.element_id == "Timer_AlertResponseOverdue")
        ).one()
    # Ten working days from 1 August: 6, 7, 8 (worked), 10–14, 17 and 18 August.
    shanghai = ZoneInfo("Asia/Shanghai")
    assert timer.due_at == datetime(2026, 8, 18, 23, 59, 59, tzinfo=shanghai)


def test_a_bad_working_calendar_names_the_entry(sessions, province):
    with sessions() as session, session.begin():
        year = session.get(Project, province[0]).fiscal_year
        # The national calendar shipped for 2026: National Day, then the 8th is worked.
        assert not region_calendar(session, year).is_working_day(date(2026, 10, 2))
        assert region_calendar(session, year).is_working_day(date(2026, 10, 8))
        session.add(
            PolicySetting(
                key="working_calendar",
                region_code=year.region_code,
                body={"value": {"holidays": ["2026-10-01", "10/02/2026"]}},
            )
        )
        session.flush()
        with pytest.raises(InvalidInput, match=r"working_calendar.holidays\[1\] is '10/02/2026'"):
            region_calendar(session, year).year(2026)


def test_a_report_filed_late_in_september_is_answered_after_national_day(
    sessions, wf, clock, province, start
):
    """The national calendar shipped for 2026 (the State Council's notice): a red alert raised
    on Wednesday 30 September waits for its response until 20 October, not 14 October."""
    simulation = Simulation(
        wf, Choices(rng=random.Random(1), return_rate=0.0, performance=lambda project: 0.5)
    )
    start(province[0])
    # The unit leaves its monitoring report until the end of September.
    drive(
        simulation,
        sessions,
        clock,
        until=datetime(2026, 9, 30, 1, 0, tzinfo=UTC),
        may_complete=lambda task: task.form != "monitoring_report",
    )
    clock.set(datetime(2026, 9, 30, 2, 0, tzinfo=UTC))
    drive(simulation, sessions, clock, until=datetime(2026, 9, 30, 3, 0, tzinfo=UTC))
    with sessions() as session:
        timer = session.scalars(
            select(Timer).where(Timer.element_id == "Timer_AlertResponseOverdue")
        ).one()
    shanghai = ZoneInfo("Asia/Shanghai")
    assert timer.due_at == datetime(2026, 10, 20, 23, 59, 59, tzinfo=shanghai)
