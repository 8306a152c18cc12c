"""The demo leaves a province at work: last year closed, this year paused mid-season, and every
login it prints has work waiting in its inbox."""

from __future__ import annotations

from sqlalchemy import func, select

from engine.actors import Actor
from engine.db import create_db_engine, session_factory
from engine.demo_province import SEASON_STEPS, logins_with_work, run_province_demo, stop_step
from engine.models import AuditEvent, Incident, Organisation, ProcessInstance, User
from engine.queries.alerts import AlertFilter, list_alerts
from engine.queries.tasks import inbox
from engine.tasks import RETURNED


def test_stop_steps_differ_by_department_and_stay_in_range():
    for pace in range(8):
        steps = [stop_step(pace, position) for position in range(30)]
        assert set(steps) <= set(range(len(SEASON_STEPS)))
        assert min(steps) == min(pace % 4, len(SEASON_STEPS) - 1)
    # The slowest department's projects take turns at the first three steps.
    assert [stop_step(0, position) for position in range(6)] == [0, 1, 2, 0, 1, 2]


def test_the_demo_leaves_every_printed_login_with_work(empty_database_url):
    engine = create_db_engine(empty_database_url)
    sessions = session_factory(engine)
    try:
        at_work = run_province_demo(engine, sessions, year=2026, projects=60, seed=3, units=64)
        with sessions() as session:
            # Last year's loop is closed: every instance of 2025 completed, nothing failed.
            statuses = dict(
                session.execute(
                    select(ProcessInstance.status, func.count())
                    .where(ProcessInstance.business_key.startswith("cycle:2025-"))
                    .group_by(ProcessInstance.status)
                ).all()
            )
            assert statuses == {"completed": 60}
            assert session.scalar(select(func.count()).select_from(Incident)) == 0
            # Simulated people act through the same commands as people: a reviewer's return
            # keeps the document as returned, for the next reviewer to compare.
            returns = select(func.count()).where(AuditEvent.action == RETURNED)
            assert session.scalar(returns) > 0
            assert at_work.previous.projects == 60
            assert sum(at_work.previous.decisions.values()) == 60
            # This year waits at different steps in different departments.
            assert len(at_work.waiting) >= 3
            assert len({frozenset(steps) for steps in at_work.waiting.values()}) >= 3
            logins = logins_with_work(session)
            assert set(logins) == {
                "unit",
                "department",
                "finance",
                "performance",
                "evaluator",
                "supervisor",
            }
            users = {
                role: session.scalars(select(User).where(User.login == login)).one()
                for role, login in logins.items()
            }
            for role, user in users.items():
                actor = Actor.of_user(user)
                if role == "supervisor":
                    # An oversight body's work is the red alerts nobody has acknowledged.
                    red = AlertFilter(colours=("red",), status="open")
                    assert list_alerts(session, actor, red, 1, 10).total > 0
                else:
                    page = inbox(session, actor, 1, 25)
                    assert page.total > 0, f"{role} {user.login} has an empty inbox"
            # The finance desk printed handles the printed unit's department.
            unit = session.get(Organisation, users["unit"].organisation_id)
            department = session.get(Organisation, unit.parent_id)
            assert users["department"].organisation_id == department.id
            assert users["finance"].organisation_id == department.finance_desk_id
    finally:
        engine.dispose()
