"""The message centre's sweep on the lived-in province: each user told once of each event,
muted kinds never made, reminders counted in working days with the region's calendar."""

from __future__ import annotations

import threading
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from engine.actors import Actor
from engine.db import create_db_engine, session_factory, unit_of_work
from engine.models import HumanTask, Message, MessageMute, User
from engine.notifications import centre
from engine.notifications.kinds import DEADLINE_NEAR, DEADLINE_PASSED, TASK
from engine.notifications.reminders import kind_for
from engine.notifications.sweep import sweep
from engine.workdays import RegionCalendar

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def lived(backend, request):
    lived = request.getfixturevalue(f"{'sqlite' if backend == 'sqlite' else 'postgres'}_world")
    engine = create_db_engine(lived.fresh())
    yield session_factory(engine), lived.world
    engine.dispose()


def _latest_task_time(sessions) -> datetime:
    with sessions() as session:
        return session.scalar(
            select(func.max(HumanTask.created_at)).where(HumanTask.status == "ready")
        )


def test_each_user_is_told_once_of_each_new_task(lived):
    sessions, world = lived
    now = _latest_task_time(sessions) + timedelta(hours=1)
    with unit_of_work(sessions) as session:
        first = sweep(session, now)
    assert first[TASK] > 0
    with unit_of_work(sessions) as session:
        again = sweep(session, now)
    assert sum(again.values()) == 0
    with sessions() as session:
        # Every ready task of the window reached every active user of its role and organisation.
        task = session.scalars(
            select(HumanTask)
            .where(HumanTask.status == "ready", HumanTask.org_id.is_not(None))
            .order_by(HumanTask.created_at.desc())
        ).first()
        users = set(
            session.scalars(
                select(User.id).where(
                    User.role == task.role,
                    User.organisation_id == task.org_id,
                    User.active.is_(True),
                )
            )
        )
        told = set(
            session.scalars(select(Message.user_id).where(Message.dedup_key == f"task:{task.id}"))
        )
        assert told == users
        duplicates = session.execute(
            select(Message.user_id, Message.dedup_key)
            .group_by(Message.user_id, Message.dedup_key)
            .having(func.count() > 1)
        ).all()
        assert duplicates == []


def test_a_muted_kind_is_never_made_and_reading_is_ones_own(lived):
    sessions, world = lived
    now = _latest_task_time(sessions) + timedelta(hours=1)
    with unit_of_work(sessions) as session:
        unit = Actor.of_user(session.get(User, world["unit"].user_id))
        centre.set_muted(session, unit, [TASK])
    with unit_of_work(sessions) as session:
        sweep(session, now)
    with unit_of_work(sessions) as session:
        kinds = set(session.scalars(select(Message.kind).where(Message.user_id == unit.user_id)))
        assert TASK not in kinds
        assert centre.muted(session, unit) == {TASK}
        busiest = session.scalar(
            select(Message.user_id)
            .where(Message.user_id != unit.user_id)
            .group_by(Message.user_id)
            .order_by(func.count().desc(), Message.user_id)
            .limit(1)
        )
        department = Actor.of_user(session.get(User, busiest))
        theirs = centre.list_messages(
            session, department, unread=True, kind=None, page=1, per_page=50
        )
        assert theirs.total > 0 and all(m.user_id == department.user_id for m in theirs.items)
        # A unit marking the department's messages read changes nothing.
        assert centre.mark_read(session, unit, [m.id for m in theirs.items]) == 0
        before = centre.unread_count(session, department)
        assert centre.mark_read(session, department, [theirs.items[0].id]) == 1
        assert centre.unread_count(session, department) == before - 1
        assert centre.mark_read(session, department, None) == before - 1
        assert centre.unread_count(session, department) == 0


def test_a_reminder_before_and_after_a_due_date(lived):
    sessions, _world = lived
    with unit_of_work(sessions) as session:
        # A ready task given a due date, as a timer's deadline would give it (the sweep reads
        # only the work queue).
        task = session.scalars(
            select(HumanTask).where(HumanTask.status == "ready").order_by(HumanTask.id)
        ).first()
        due = datetime(2027, 6, 18, 23, 59, 59, tzinfo=SHANGHAI)  # a Friday
        task.due_at = due
    with unit_of_work(sessions) as session:
        near = sweep(session, due - timedelta(hours=30))
    with unit_of_work(sessions) as session:
        passed = sweep(session, due + timedelta(hours=2))
    assert near[DEADLINE_NEAR] > 0 and passed[DEADLINE_PASSED] > 0
    with sessions() as session:
        keys = set(session.scalars(select(Message.dedup_key).where(Message.kind.like("deadline%"))))
    assert f"due-near:task:{task.id}" in keys and f"due-passed:task:{task.id}" in keys


def test_near_is_counted_in_working_days_through_national_day(lived):
    sessions, world = lived
    with sessions() as session:
        region = session.scalar(select(func.min(User.id))) and _region(session)
        calendar = RegionCalendar(session, region)
        # Due Friday 9 October 2026; on 30 September only 8 and 9 October are working days
        # before it (National Day): near. Weekends alone would leave seven: not yet.
        assert kind_for(date(2026, 10, 9), date(2026, 9, 30), 3, calendar) == DEADLINE_NEAR
        assert kind_for(date(2026, 10, 20), date(2026, 9, 30), 3, calendar) is None
        assert kind_for(date(2026, 9, 29), date(2026, 9, 30), 3, calendar) == DEADLINE_PASSED


def _region(session) -> str:
    from engine.models import FiscalYear

    return session.scalar(select(FiscalYear.region_code).limit(1))


def test_two_workers_sweeping_at_once_tell_each_user_once(lived, backend):
    if backend != "postgresql":
        pytest.skip("SQLite writers take turns: no race to test")
    sessions, _world = lived
    now = _latest_task_time(sessions) + timedelta(hours=1)
    barrier, errors = threading.Barrier(2), []

    def worker():
        try:
            with unit_of_work(sessions) as session:
                barrier.wait(timeout=10)
                sweep(session, now)
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Message)) > 0
        duplicates = session.execute(
            select(Message.user_id, Message.dedup_key)
            .group_by(Message.user_id, Message.dedup_key)
            .having(func.count() > 1)
        ).all()
        assert duplicates == []
        assert session.scalar(select(func.count()).select_from(MessageMute)) == 0


def test_a_red_alert_reaches_the_unit_and_its_department(lived):
    sessions, _world = lived
    from engine.models import Alert, Organisation, Project
    from engine.models.enums import AlertKind, Colour

    with sessions() as session:
        alert = session.scalars(
            select(Alert)
            .where(Alert.kind == AlertKind.PROJECT, Alert.colour == Colour.RED)
            .order_by(Alert.raised_at.desc())
        ).first()
        project = session.get(Project, alert.project_id)
        unit = session.get(Organisation, project.unit_id)
        expected = set(
            session.scalars(
                select(User.id).where(
                    User.active.is_(True),
                    ((User.role == "unit") & (User.organisation_id == unit.id))
                    | ((User.role == "department") & (User.organisation_id == unit.parent_id)),
                )
            )
        )
    with unit_of_work(sessions) as session:
        sweep(session, alert.raised_at + timedelta(hours=1))
    with sessions() as session:
        told = set(
            session.scalars(select(Message.user_id).where(Message.dedup_key == f"alert:{alert.id}"))
        )
    assert told == expected and len(told) >= 2


def test_reminders_beyond_one_batch_all_go_out_over_the_passes(lived):
    """A pass reads at most `batch` due tasks; the ones it reminded are not read again, so the
    next passes reach the rest instead of the same ones."""
    sessions, _world = lived
    due = datetime(2027, 6, 18, 23, 59, 59, tzinfo=SHANGHAI)  # a Friday
    with unit_of_work(sessions) as session:
        from engine.models import PolicySetting

        session.add(
            PolicySetting(
                key="reminders",
                fiscal_year=2027,
                body={"value": {"lead_working_days": 3, "news_days": 30, "batch": 2}},
            )
        )
        tasks = session.scalars(
            select(HumanTask).where(HumanTask.status == "ready").order_by(HumanTask.id).limit(5)
        ).all()
        for task in tasks:
            task.due_at = due
        ids = [task.id for task in tasks]
    for _ in range(6):
        with unit_of_work(sessions) as session:
            sweep(session, due - timedelta(hours=30))
    with sessions() as session:
        reminded = set(
            session.scalars(select(Message.dedup_key).where(Message.kind == DEADLINE_NEAR))
        )
    assert reminded == {f"due-near:task:{task_id}" for task_id in ids}
