"""Year-end results wait for the close of the year's evaluations (domain.md: ranks are fixed once,
when the year's evaluations close, before decisions), so a project evaluated later than another,
but before the close, counts in the ranks that every decision of the year sees."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from engine.cycle.start import business_key, cycle_data
from engine.demo.simulation import Choices, Simulation, drive
from engine.errors import InvalidInput
from engine.evaluation.department_ranks import competition_ranks, department_means
from engine.models import (
    AuditEvent,
    Evaluation,
    EvaluationClose,
    FundingDecision,
    HumanTask,
    Organisation,
    PolicySetting,
    ProcessInstance,
    Project,
    Timer,
)
from engine.synthetic.province import SeedRequest, seed_province

SHANGHAI = ZoneInfo("Asia/Shanghai")
# The shipped setting: 2026's evaluations close at the end of 30 April 2027, Beijing time.
CLOSE = datetime(2027, 4, 30, 23, 59, 59, tzinfo=SHANGHAI)


@pytest.fixture
def province(sessions, shipped):
    """A seeded province whose projects spread over several departments."""
    with sessions() as session, session.begin():
        seed_province(session, SeedRequest(year=2026, projects=24, units=64, seed=11))
        return session.scalars(select(Project.id).order_by(Project.id)).all()


def _two_departments(sessions, province) -> tuple[int, int]:
    """Two projects of the seeded province in different departments."""
    with sessions() as session:
        rows = session.execute(
            select(Project.id, Organisation.parent_id)
            .join(Organisation, Organisation.id == Project.unit_id)
            .where(Project.id.in_(province), Organisation.parent_id.is_not(None))
            .order_by(Project.id)
        ).all()
    first = rows[0]
    second = next(row for row in rows if row.parent_id != first.parent_id)
    return first.id, second.id


def _evaluation_finished_at(session, project_id: int) -> datetime:
    return session.scalar(
        select(func.max(Evaluation.finalized_at)).where(
            Evaluation.project_id == project_id, Evaluation.total_score.is_not(None)
        )
    )


def _aware(moment: datetime) -> datetime:
    # SQLite hands datetimes back naive (they are stored in UTC).
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def test_decisions_wait_for_the_close_and_count_a_later_evaluation(
    sessions, wf, clock, province, start
):
    early, late = _two_departments(sessions, province)
    for project_id in (early, late):
        start(project_id, key_evaluation=False, department_evaluation="none")
    with sessions() as session:
        late_key = business_key(session.get(Project, late))
        departments = {
            project_id: session.get(
                Organisation, session.get(Project, project_id).unit_id
            ).parent_id
            for project_id in (early, late)
        }
    # The late project's department scores better, so counting it moves the early one's rank.
    choices = Choices(
        rng=random.Random(5),
        return_rate=0.0,
        performance=lambda project: 1.0 if project.id == late else 0.6,
    )
    simulation = Simulation(wf, choices)

    # The season: the early project goes through its evaluation; the late one's unit holds
    # its self-evaluation until March.
    drive(
        simulation,
        sessions,
        clock,
        until=datetime(2027, 3, 1, tzinfo=UTC),
        scope="cycle:2026-",
        may_complete=lambda task: (
            not (task.business_key == late_key and task.form == "self_evaluation")
        ),
    )
    with sessions() as session:
        assert _evaluation_finished_at(session, early) is not None
        assert _evaluation_finished_at(session, late) is None
        # The held self-evaluation shows when it is due (the shipped 31 March, Beijing time),
        # so the inbox and the message centre's reminders have a deadline to go by.
        held = session.scalars(
            select(HumanTask).where(HumanTask.business_key == late_key, HumanTask.status == "ready")
        ).one()
        assert held.form == "self_evaluation"
        assert _aware(held.due_at) == datetime(2027, 3, 31, 23, 59, 59, tzinfo=SHANGHAI)
        # The early project waits at the close: no decision, no ranks fixed yet.
        waiting = session.scalars(
            select(Timer).where(
                Timer.status == "waiting", Timer.element_id == "Timer_EvaluationsClose"
            )
        ).one()
        assert _aware(waiting.due_at) == CLOSE
        assert session.scalar(select(func.count()).select_from(FundingDecision)) == 0
        assert session.scalar(select(func.count()).select_from(EvaluationClose)) == 0

    # The late project is evaluated after the early one, before the close.
    clock.set(datetime(2027, 3, 15, tzinfo=UTC))
    drive(simulation, sessions, clock, until=CLOSE - timedelta(hours=1), scope="cycle:2026-")
    with sessions() as session:
        early_done = _aware(_evaluation_finished_at(session, early))
        late_done = _aware(_evaluation_finished_at(session, late))
        assert early_done < late_done < CLOSE
        # Both now wait at the close; still no decision exists before it.
        assert (
            session.scalar(
                select(func.count())
                .select_from(Timer)
                .where(Timer.status == "waiting", Timer.element_id == "Timer_EvaluationsClose")
            )
            == 2
        )
        assert session.scalar(select(func.count()).select_from(FundingDecision)) == 0

    # The close comes: the first project past it closes the year, then each decides.
    drive(simulation, sessions, clock, until=datetime(2027, 5, 31, tzinfo=UTC), scope="cycle:2026-")
    with sessions() as session:
        decisions = {
            d.project_id: d
            for d in session.scalars(
                select(FundingDecision).where(FundingDecision.project_id.in_([early, late]))
            )
        }
        assert set(decisions) == {early, late}
        assert all(_aware(d.decided_at) >= CLOSE for d in decisions.values())
        closed = session.scalars(select(EvaluationClose)).one()
        assert _aware(closed.closed_at) >= CLOSE
        year = session.get(Project, early).fiscal_year_id
        expected = competition_ranks(department_means(session, year))
        # The late project's department is ranked, from both projects' evaluations.
        assert {int(d): e["rank"] for d, e in closed.ranks.items()} == expected
        assert expected[departments[late]] == 1 and expected[departments[early]] == 2
        for project_id, decision in decisions.items():
            assert decision.facts["department_rank"] == expected[departments[project_id]]
        occasion = session.scalars(
            select(AuditEvent.payload).where(AuditEvent.action == "evaluations.close")
        ).one()["occasion"]
        assert occasion.startswith("close date 2027-04-30 reached")
        statuses = session.scalars(
            select(ProcessInstance.status).where(
                ProcessInstance.business_key.startswith("cycle:2026-")
            )
        ).all()
        assert statuses == ["completed", "completed"]
        assert not session.scalars(
            select(HumanTask).where(
                HumanTask.status == "ready", HumanTask.business_key.startswith("cycle:2026-")
            )
        ).all()


def _region_close(session, project_id: int, body) -> Project:
    project = session.get(Project, project_id)
    session.add(
        PolicySetting(
            key="evaluation_close",
            region_code=project.fiscal_year.region_code,
            body={"value": body},
        )
    )
    session.flush()
    return project


def test_the_close_date_is_the_regions_setting_in_its_time_zone(sessions, province):
    """A region that closes on 31 March: its cycles wait until the end of that local day."""
    with sessions() as session, session.begin():
        project = _region_close(session, province[0], {"month": 3, "day": 31})
        opens = datetime.fromisoformat(cycle_data(session, project)["results_open_at"])
        assert opens == datetime(2027, 3, 31, 23, 59, 59, tzinfo=SHANGHAI)
        assert opens.utcoffset() == timedelta(hours=8)
        session.rollback()


def test_a_close_day_that_is_no_date_is_refused_naming_the_setting(sessions, province):
    with sessions() as session, session.begin():
        project = _region_close(session, province[0], {"month": 2, "day": 30})
        with pytest.raises(InvalidInput, match="evaluation_close") as refused:
            cycle_data(session, project)
        assert refused.value.errors == {"evaluation_close": "not a date"}
        session.rollback()


def test_the_self_evaluations_due_day_is_the_regions_setting(sessions, province):
    with sessions() as session, session.begin():
        project = session.get(Project, province[0])
        shipped = datetime.fromisoformat(cycle_data(session, project)["self_evaluation_due"])
        assert shipped == datetime(2027, 3, 31, 23, 59, 59, tzinfo=SHANGHAI)
        session.add(
            PolicySetting(
                key="self_evaluation_due",
                region_code=project.fiscal_year.region_code,
                body={"value": {"month": 3, "day": 15}},
            )
        )
        session.flush()
        due = datetime.fromisoformat(cycle_data(session, project)["self_evaluation_due"])
        assert due == datetime(2027, 3, 15, 23, 59, 59, tzinfo=SHANGHAI)
        session.rollback()


def test_outside_evaluations_are_due_when_the_years_evaluations_close(
    sessions, wf, clock, province, start
):
    """Department, third-party and key evaluations must be scored before the close, which fixes
    the ranks every decision sees: their tasks show the close as their deadline."""
    project_id = province[0]
    start(project_id, key_evaluation=True, department_evaluation="department")
    scoring = {"department_evaluation", "third_party_evaluation", "key_evaluation"}
    simulation = Simulation(wf, Choices(rng=random.Random(3), return_rate=0.0))
    drive(
        simulation,
        sessions,
        clock,
        until=datetime(2027, 3, 1, tzinfo=UTC),
        scope="cycle:2026-",
        may_complete=lambda task: task.form not in scoring,
    )
    with sessions() as session:
        waiting = session.scalars(
            select(HumanTask).where(HumanTask.status == "ready", HumanTask.form.in_(scoring))
        ).all()
        assert "department_evaluation" in {task.form for task in waiting}
        assert {_aware(task.due_at) for task in waiting} == {CLOSE}
