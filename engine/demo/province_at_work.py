"""The demo province at work: last year's loop closed, this year's under way at several paces.

`budgetloop demo --year Y` runs year Y−1 through its whole loop (filing, monitoring, evaluation,
rectification, result application — which starts year Y's cycles for the continuing projects),
then runs year Y's filing and monitoring and stops in its evaluation season, with each
department's projects stopped at different steps. Every role so finds work in its inbox: units
have self-evaluations to write, departments, finance desks and the performance division reviews
to do (the demo deploys a three-level review of self-evaluations, with the performance
division's 复核, as a finance department would from the modeller), third parties evaluations,
finance funding decisions to confirm.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import resources

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from bpmn.xml import Source
from engine import frames, reference, schema
from engine.composition import build_engine, deploy_shipped
from engine.cycle.start import business_key, cycle_data
from engine.db import unit_of_work
from engine.demo.departments import department_waits, open_year, start_departments
from engine.demo.late_filing import BehindChoices, holding, late_units, legs
from engine.demo.logins import login_of
from engine.demo.main import (
    DEMO_ACTOR,
    Progress,
    _fiscal_year,
    _stage_reporter,
    _start_cycles,
)
from engine.demo.parallel import Leg, drive_in_processes
from engine.demo.simulation import Simulation, drive
from engine.department_key import PREFIX
from engine.models import (
    DepartmentPlan,
    HumanTask,
    Message,
    Organisation,
    PolicySetting,
    ProcessDefinition,
    Project,
)
from engine.models.enums import OrgKind, Role
from engine.notifications.passes import run_pass
from engine.report import YearSummary, holiday_deadlines, summarise
from engine.synthetic.province import DEMO_REGION, SeedRequest, seed_province
from engine.workflow.clock import ManualClock
from engine.workflow.definitions import deploy

# Where the demo leaves the clock: year Y's evaluation season (it opens on 1 February Y+1).
PAUSE = (3, 20)
# What the demo's people work on: the projects' cycles and the departments' overall performance.
DRIVEN = ("cycle:", PREFIX)
# The steps of the evaluation season in the order a project passes them. A project stopped at
# step n has completed every task of the steps before n and none from n on.
SEASON_STEPS = (
    "自评 self-evaluation",
    "主管部门审核 department review",
    "财政审核 finance review",
    "绩效处复核 performance review",
    "部门/第三方/重点评价 outside evaluations",
    "资金安排确认 funding decision",
    "整改与下年 rectification and next year",
)
OUTSIDE_STEP = SEASON_STEPS.index("部门/第三方/重点评价 outside evaluations")
# This year the province evaluates more projects itself, so third parties have work.
DEMO_DEPARTMENT_EVALUATION = {"share": "0.35", "third_party_share": "0.5"}
# The province files on the 2021 frame (成本 a level-1 item) from the year under way on.
DEMO_FRAME = "cost_2021"


def season_step(task: HumanTask) -> int:
    """The step of the evaluation season a ready task belongs to."""
    if task.form in ("self_evaluation", "revise"):
        return 0
    if task.form == "review":
        return {Role.DEPARTMENT: 1, Role.FINANCE: 2, Role.PERFORMANCE: 3}.get(task.role, 3)
    if task.form in ("department_evaluation", "third_party_evaluation", "key_evaluation"):
        return 4
    if task.form == "decision_confirmation":
        return 5
    return 6


def stop_step(department_pace: int, position: int) -> int:
    """Where the project at `position` (0, 1, 2 …) of a department pauses: each department
    has its own pace (pace 0 is furthest behind), and its projects take turns over three
    neighbouring steps."""
    return min(len(SEASON_STEPS) - 1, department_pace % 4 + position % 3)


@dataclass
class ProvinceAtWork:
    """What the demo left: last year's summary, and where this year's projects wait."""

    previous: YearSummary
    year: int
    paused_at: datetime
    waiting: dict[str, dict[str, int]] = field(default_factory=dict)  # department → step → n
    # This year's red alerts whose deadline the working calendar moved, and the holidays.
    holiday_deadlines: tuple[int, Counter] = (0, Counter())
    # Last year's and this year's tables by frame (the province is on the 2021 frame this year).
    frame_use: list = field(default_factory=list)
    # This year's projects continuing last year's: each has two years to compare (trends).
    continuing: int = 0
    # The message centre's messages by kind, as the evaluation season left them.
    messages: Counter = field(default_factory=Counter)
    logins: dict[str, str] = field(default_factory=dict)
    # This year's department overall performance: the year's plans, and its tasks waiting by
    # step (each with the departments whose inbox holds one).
    department_plans: int = 0
    department_waiting: dict[str, list[str]] = field(default_factory=dict)


def run_province_demo(
    engine: Engine,
    sessions: sessionmaker[Session],
    *,
    year: int,
    projects: int,
    seed: int,
    units: int | None = None,
    say: Progress = lambda _line: None,
    processes: int = 1,
    url: str | None = None,
) -> ProvinceAtWork:
    """Close year−1's loop, run `year` into its evaluation season, and pick logins with work.
    With `processes` above 1 (PostgreSQL at `url`), the long leg — last year's loop and this
    year's filing and monitoring — is driven by that many processes (engine/demo/parallel.py)."""
    previous = year - 1
    say("schema: upgrading")
    schema.upgrade(engine)
    clock = ManualClock(datetime(previous, 1, 4, 1, 0, tzinfo=UTC))
    workflow = build_engine(clock)
    with unit_of_work(sessions) as session:
        reference.install(session)
        deploy_shipped(session, workflow, DEMO_ACTOR)
        _deploy_three_level_review(session, workflow.operations.names())
        seeded = _fiscal_year(session, previous) is None
        if seeded:
            say(f"seed: generating {projects:,} projects for {previous}")
            seed_province(
                session,
                SeedRequest(year=previous, projects=projects, seed=seed, units=units),
                actor="demo",
            )
        _configure_year(session, year)
    _start_cycles(sessions, workflow, previous, say)
    start_departments(sessions, workflow, previous, DEMO_ACTOR, say)
    # Last year's loop, and this year's filing and monitoring, as everyone does their work;
    # one department's units file their monitoring reports late each year (and some of its
    # projects are far behind), and answer their alerts when reminded (late_filing.py).
    with sessions() as session:
        late = late_units(session)
    simulation = Simulation(workflow, BehindChoices(rng=random.Random(seed), late_units=late))
    closing = []
    if processes > 1:
        say(f"driving {previous} and {year} in {processes} processes")
    for leg in legs(previous, year, late):
        if processes > 1:
            shared = Leg(clock(), leg.until, DRIVEN, seed, leg.units, leg.year, leg.form)
            stats, stopped = drive_in_processes(url, processes, shared)
            clock.set(max(clock(), stopped))
        else:
            stats = drive(
                simulation,
                sessions,
                clock,
                until=leg.until,
                scope=DRIVEN,
                progress=_stage_reporter(previous, say),
                may_complete=holding(leg.units, leg.year, leg.form) if leg.units else None,
            )
        closing.append(stats)
        if leg.units or leg.opens:
            # The late units act when their week comes, whatever timer fired last.
            clock.set(max(clock(), leg.until))
        if leg.opens:
            open_year(sessions, leg.opens)
            start_departments(sessions, workflow, leg.opens, DEMO_ACTOR, say)
        if leg.tell:
            run_pass(lambda: unit_of_work(sessions), clock())
    # This year's evaluation season, each department at its own pace.
    paused_at = datetime(year + 1, *PAUSE, 1, 0, tzinfo=UTC)
    stops = _stops(sessions, year)
    season = drive(
        simulation,
        sessions,
        clock,
        until=paused_at,
        scope=(f"cycle:{year}-", PREFIX),
        progress=_telling(_stage_reporter(year, say), sessions),
        may_complete=lambda task: (
            season_step(task) < stops.get(task.business_key, 99) and not department_waits(task)
        ),
    )
    run_pass(lambda: unit_of_work(sessions), clock())
    with sessions() as session:
        result = ProvinceAtWork(
            previous=_summary(session, previous, seeded, (*closing, season)),
            year=year,
            paused_at=paused_at,
            waiting=_waiting(session, year),
            holiday_deadlines=holiday_deadlines(session, _fiscal_year(session, year)),
            messages=Counter(
                dict(
                    session.execute(select(Message.kind, func.count()).group_by(Message.kind)).all()
                )
            ),
            frame_use=[frames.year_use(session, DEMO_REGION[0], y) for y in (previous, year)],
            department_plans=session.scalar(
                select(func.count())
                .select_from(DepartmentPlan)
                .where(DepartmentPlan.fiscal_year.has(year=year))
            ),
            department_waiting=_department_waiting(session, year),
            continuing=session.scalar(
                select(func.count()).where(
                    Project.fiscal_year.has(year=year), Project.predecessor_id.is_not(None)
                )
            ),
        )
    return result


def _telling(report, sessions):
    """The season's progress report, and the message centre's pass whenever the clock moves
    (what `budgetloop work` does after the timers), so inboxes hold the season's messages."""
    last = {"at": None}

    def progress(stats, now) -> None:
        report(stats, now)
        if now != last["at"]:
            run_pass(lambda: unit_of_work(sessions), now)
            last["at"] = now

    return progress


def _summary(session: Session, year: int, seeded: bool, drives) -> YearSummary:
    summary = summarise(session, DEMO_REGION[0], year)
    seed = "seed" if seeded else "seed (reused)"
    summary.stages = ["schema", seed, f"cycle {year}", f"cycle {year + 1} (under way)"]
    summary.activity = {
        name: sum(getattr(stats, name) for stats in drives)
        for name in ("tasks", "timers", "incidents", "conflicts")
    }
    return summary


def _configure_year(session: Session, year: int) -> None:
    """This year's share of department evaluations (a province's setting for one year), and
    the 2021 indicator frame from this year on (last year keeps the default frame: the tables
    continued into this year move to the 2021 frame as they are carried forward)."""
    for filed in (year, year + 1):
        if not frames.choice(session, DEMO_REGION[0], filed).chosen:
            frames.choose(session, DEMO_ACTOR, DEMO_REGION[0], filed, DEMO_FRAME)
    exists = session.scalar(
        select(PolicySetting.id).where(
            PolicySetting.key == "department_evaluation",
            PolicySetting.region_code == DEMO_REGION[0],
            PolicySetting.fiscal_year == year,
        )
    )
    if exists is None:
        session.add(
            PolicySetting(
                key="department_evaluation",
                region_code=DEMO_REGION[0],
                fiscal_year=year,
                body={"value": DEMO_DEPARTMENT_EVALUATION},
            )
        )


def _deploy_three_level_review(session: Session, operations) -> None:
    """The performance division adds its own check of self-evaluations (预算绩效管理处复核): a
    configured flow, deployed through the same validation as the modeller's."""
    key = "review__self_evaluation"
    if session.scalar(select(ProcessDefinition.id).where(ProcessDefinition.key == key)):
        return
    text = resources.files("engine").joinpath("data", "demo", f"{key}.bpmn").read_text("utf-8")
    deploy(session, [Source(f"{key}.bpmn", text)], DEMO_ACTOR, operations)


def _departments(session: Session) -> list[Organisation]:
    return list(
        session.scalars(
            select(Organisation)
            .where(Organisation.kind == OrgKind.DEPARTMENT)
            .order_by(Organisation.code)
        )
    )


def _departments_of_projects(session: Session, year: int) -> dict[str, int]:
    """business key → the index of its project's department, for every cycle of `year`."""
    index = {d.id: i for i, d in enumerate(_departments(session))}
    rows = session.execute(
        select(Project.code, Organisation.parent_id)
        .join(Organisation, Project.unit_id == Organisation.id)
        .where(Project.fiscal_year.has(year=year))
    )
    return {f"cycle:{code}": index.get(parent, 0) for code, parent in rows}


def _stops(sessions, year: int) -> dict[str, int]:
    """business key → the step its project pauses at, for every cycle of `year`.

    The department with the most projects goes slowest (pace 0), so the steps furthest
    behind — units' self-evaluations — have work in them at any size. A project picked for an
    outside evaluation (department, third party or key) goes through its reviews and waits
    for that evaluation: in March they are still under way."""
    with sessions() as session:
        departments = _departments_of_projects(session, year)
        projects = session.scalars(select(Project).where(Project.fiscal_year.has(year=year)))
        outside = {
            business_key(project)
            for project in projects
            if _evaluated_from_outside(cycle_data(session, project))
        }
    members: dict[int, list[str]] = {}
    for key in sorted(departments):
        members.setdefault(departments[key], []).append(key)
    by_size = sorted(members, key=lambda d: (-len(members[d]), d))
    return {
        key: OUTSIDE_STEP if key in outside else stop_step(pace, position)
        for pace, department in enumerate(by_size)
        for position, key in enumerate(members[department])
    }


def _evaluated_from_outside(data: dict) -> bool:
    return bool(data.get("key_evaluation") or data.get("department_evaluation"))


def _waiting(session: Session, year: int) -> dict[str, dict[str, int]]:
    """Per department, how many of this year's ready tasks wait at each step."""
    names = [d.name for d in _departments(session)]
    departments = _departments_of_projects(session, year)
    tasks = session.scalars(
        select(HumanTask).where(
            HumanTask.status == "ready", HumanTask.business_key.startswith(f"cycle:{year}-")
        )
    )
    waiting: dict[str, dict[str, int]] = {}
    for task in tasks:
        index = departments.get(task.business_key)
        steps = waiting.setdefault(names[index] if index is not None else "—", {})
        step = SEASON_STEPS[season_step(task)]
        steps[step] = steps.get(step, 0) + 1
    return waiting


def _department_waiting(session: Session, year: int) -> dict[str, list[str]]:
    """This year's department tasks waiting, by step: who holds each, with a login to try
    (the summary's printed department need not be one of them)."""
    waiting: dict[str, list[str]] = {}
    rows = session.execute(
        select(HumanTask.name, HumanTask.role, Organisation.id, Organisation.name)
        .outerjoin(Organisation, Organisation.id == HumanTask.org_id)
        .where(
            HumanTask.status == "ready",
            HumanTask.business_key.startswith(PREFIX),
            HumanTask.business_key.endswith(f":{year}"),
        )
        .order_by(HumanTask.id)
    )
    for step, role, org_id, holder in rows:
        login = login_of(session, role, org_id) if org_id is not None else None
        shown = f"{holder} {login}" if holder and login else (holder or "—")
        waiting.setdefault(step, []).append(shown)
    return waiting
