"""The demo leaves a province at work: last year closed, this year paused mid-season, and every
login it prints has work waiting in its inbox."""

from __future__ import annotations

import random
from datetime import UTC, datetime

from sqlalchemy import func, select

from engine.actors import Actor
from engine.composition import build_engine
from engine.db import create_db_engine, session_factory
from engine.demo.at_work_report import format_at_work
from engine.demo.logins import logins_with_work
from engine.demo.province_at_work import SEASON_STEPS, stop_step
from engine.demo.simulation import Choices, Simulation, drive
from engine.models import (
    AuditEvent,
    FundingDecision,
    HumanTask,
    Incident,
    MonitoringReport,
    Organisation,
    ProcessInstance,
    Project,
    User,
)
from engine.monitoring.alert_queries import AlertFilter, list_alerts
from engine.report import format_summary
from engine.review.inbox import inbox
from engine.review.tasks import RETURNED
from engine.workflow.clock import ManualClock


def test_stop_steps_differ_by_department_and_stay_in_range():
    for pace in range(8):
        steps = [stop_step(pace, position) for position in range(30)]
        assert set(steps) <= set(range(len(SEASON_STEPS)))
        assert min(steps) == min(pace % 4, len(SEASON_STEPS) - 1)
    # The slowest department's projects take turns at the first three steps.
    assert [stop_step(0, position) for position in range(6)] == [0, 1, 2, 0, 1, 2]


def test_the_demo_leaves_every_printed_login_with_work(demo_province):
    # run_province_demo(year=2026, projects=60, seed=3, units=64), run once per backend.
    at_work = demo_province.at_work
    engine = create_db_engine(demo_province.fresh())
    sessions = session_factory(engine)
    try:
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
            # The slowest department files its Jan–Jul reports in the week of 22 September
            # 2025; their red alerts' ten working days run through the national holidays.
            late = select(func.count()).where(
                MonitoringReport.submitted_at >= datetime(2025, 9, 21, 16, tzinfo=UTC),
                MonitoringReport.submitted_at < datetime(2025, 9, 22, 16, tzinfo=UTC),
            )
            assert session.scalar(late) > 0
            assert at_work.previous.holiday_deadlines > 0
            assert "国庆节" in "".join(at_work.previous.holidays_crossed)
            assert "工作日历" in format_summary(at_work.previous)
            # The season's messages wait in the message centre, reminders among them.
            assert at_work.messages["task"] > 0
            assert "站内消息 (messages):" in format_at_work(at_work)
            # Every department filed, reported and self-evaluated last year (部门整体绩效); this
            # year's overall tables are filed, and some self-evaluations wait in March.
            departments = select(ProcessInstance.status, func.count()).where(
                ProcessInstance.business_key.startswith("department:")
            )
            last_year = dict(
                session.execute(
                    departments.where(ProcessInstance.business_key.endswith(":2025")).group_by(
                        ProcessInstance.status
                    )
                ).all()
            )
            overall = at_work.previous.department_year
            assert last_year == {"completed": overall.plans} and overall.plans >= 3
            assert overall.final == overall.self_evaluated == overall.plans
            assert overall.finance_evaluated == overall.plans // 2  # every other department
            assert sum(overall.grades.values()) == overall.plans
            assert "部门整体绩效 (department overall performance)" in format_summary(
                at_work.previous
            )
            waiting = session.scalar(
                select(func.count()).where(
                    HumanTask.status == "ready", HumanTask.form == "department_self_evaluation"
                )
            )
            assert waiting > 0
            # The summary says where this year's department work waits, and with whom; the
            # department login printed has its own department's self-evaluation waiting.
            held = at_work.department_waiting.get("部门整体支出绩效自评", [])
            assert len(held) == waiting and at_work.department_plans == overall.plans
            assert all(" department." in holder for holder in held), held  # a login to try
            assert f"部门整体支出绩效自评 {waiting}（" in format_at_work(at_work)
            assert session.scalar(
                select(func.count()).where(
                    HumanTask.status == "ready",
                    HumanTask.form == "department_self_evaluation",
                    HumanTask.org_id == users["department"].organisation_id,
                )
            )
            # This year's continuing projects have last year to compare with.
            assert at_work.continuing > 0
            line = f"历年情况 (trends): {at_work.continuing:,} 个延续项目"
            assert line in format_at_work(at_work)
    finally:
        engine.dispose()


def test_the_clock_moves_as_the_readme_says(demo_province, budgetloop, monkeypatch):
    """Finish the season's work (as the users would in the pages), then
    `budgetloop tick --now 2027-05-01T00:00:00+08:00`: 2026's evaluations close and the
    projects get their funding decisions, waiting for the finance desk."""
    # A copy of the province the demo left (the demo is run once per backend, not per test).
    url = demo_province.fresh()
    engine = create_db_engine(url)
    sessions = session_factory(engine)
    try:
        clock = ManualClock(datetime(2027, 3, 21, tzinfo=UTC))
        simulation = Simulation(build_engine(clock), Choices(rng=random.Random(4)))
        # The users do what waits for them; nothing is decided before the close date.
        drive(simulation, sessions, clock, until=datetime(2027, 4, 29, tzinfo=UTC))
        with sessions() as session:
            decided = select(func.count()).select_from(FundingDecision)
            before = session.scalar(decided.join(FundingDecision.project).where(_in_2026()))
        assert before == 0
    finally:
        engine.dispose()
    monkeypatch.setenv("BUDGETLOOP_DATABASE_URL", url)
    code, out, err = budgetloop("tick", "--now", "2027-05-01T00:00:00+08:00")
    assert code == 0, err
    engine = create_db_engine(url)
    try:
        with session_factory(engine)() as session:
            after = session.scalar(
                select(func.count())
                .select_from(FundingDecision)
                .join(FundingDecision.project)
                .where(_in_2026())
            )
            waiting = session.scalar(
                select(func.count())
                .select_from(HumanTask)
                .where(HumanTask.status == "ready", HumanTask.form == "decision_confirmation")
            )
        assert after > 0 and waiting > 0
    finally:
        engine.dispose()


def _in_2026():
    return Project.fiscal_year.has(year=2026)
