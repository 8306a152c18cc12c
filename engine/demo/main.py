"""The main job on the demo province: set up, generate, run the year through the engine, report."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from engine import reference, schema
from engine.actors import Actor
from engine.composition import build_engine, deploy_shipped
from engine.cycle.start import business_key, start_cycle
from engine.db import unit_of_work
from engine.demo.departments import start_departments
from engine.demo.simulation import Choices, Simulation, drive
from engine.department_key import PREFIX
from engine.models import FiscalYear, ProcessInstance, Project
from engine.report import YearSummary, summarise
from engine.synthetic.province import DEMO_REGION, SeedRequest, seed_province
from engine.workflow.clock import ManualClock

Progress = Callable[[str], None]
BEIJING = timezone(timedelta(hours=8))
DEMO_ACTOR = Actor.system("demo")
# (last month, counted from January of the year, in which the stage runs; its name)
STAGES = (
    (7, "目标申报 target filing"),
    (12, "运行监控 monitoring"),
    (16, "评价与结果应用 evaluation and results"),
    (99, "整改跟踪 rectification follow-up"),
)


def run_demo(
    engine: Engine,
    sessions: sessionmaker[Session],
    *,
    year: int,
    projects: int,
    seed: int,
    say: Progress = lambda _line: None,
) -> YearSummary:
    """Upgrade the schema, generate the demo year if absent, run it through the engine, report."""
    say("schema: upgrading")
    schema.upgrade(engine)
    clock = ManualClock(datetime(year, 1, 4, 1, 0, tzinfo=UTC))
    workflow = build_engine(clock)
    with unit_of_work(sessions) as session:
        reference.install(session)
        deploy_shipped(session, workflow, DEMO_ACTOR)
    stages = ["schema"]
    with unit_of_work(sessions) as session:
        if _fiscal_year(session, year) is None:
            say(f"seed: generating {projects:,} projects for {year}")
            seed_province(
                session, SeedRequest(year=year, projects=projects, seed=seed), actor="demo"
            )
            stages.append("seed")
        else:
            say(f"seed: {year} already present, reusing it")
            stages.append("seed (reused)")
    started = _start_cycles(sessions, workflow, year, say)
    start_departments(sessions, workflow, year, DEMO_ACTOR, say)
    activity = {}
    if started:
        simulation = Simulation(workflow, Choices(rng=random.Random(seed)))
        stats = drive(
            simulation,
            sessions,
            clock,
            until=datetime(year + 1, 12, 31, tzinfo=UTC),
            scope=(f"cycle:{year}-", PREFIX),
            progress=_stage_reporter(year, say),
        )
        activity = {
            "tasks": stats.tasks,
            "timers": stats.timers,
            "incidents": stats.incidents,
            "conflicts": stats.conflicts,
        }
        stages.append("cycle")
    with sessions() as session:
        summary = summarise(session, DEMO_REGION[0], year)
    summary.stages = stages
    summary.activity = activity
    return summary


def _fiscal_year(session: Session, year: int) -> FiscalYear | None:
    return session.scalars(
        select(FiscalYear).where(FiscalYear.region_code == DEMO_REGION[0], FiscalYear.year == year)
    ).one_or_none()


def _start_cycles(sessions, workflow, year: int, say: Progress) -> int:
    """Start the budget cycle of every project of the year that has none yet."""
    with sessions() as session:
        fiscal_year = _fiscal_year(session, year)
        started = set(session.scalars(select(ProcessInstance.business_key)))
        pending = [
            project_id
            for project_id, code in session.execute(
                select(Project.id, Project.code)
                .where(Project.fiscal_year_id == fiscal_year.id)
                .order_by(Project.id)
            )
            if f"cycle:{code}" not in started
        ]
    if pending:
        say(f"cycle: starting {len(pending):,} budget cycles")
    for project_id in pending:
        with unit_of_work(sessions) as session:
            project = session.get(Project, project_id)
            if business_key(project) not in started:
                start_cycle(session, workflow, project, DEMO_ACTOR)
    return len(pending)


def _stage(year: int, now: datetime) -> str:
    """The stage of the loop a date falls in, counted in months from January of `year`."""
    local = now.astimezone(BEIJING)
    months = (local.year - year) * 12 + local.month
    return next(name for limit, name in STAGES if months <= limit)


def _stage_reporter(year: int, say: Progress):
    last = {"stage": None, "tasks": 0}

    def report(stats, now) -> None:
        stage = _stage(year, now)
        if stage != last["stage"] or stats.tasks - last["tasks"] >= 2000:
            say(
                f"{now:%Y-%m-%d} {stage}: {stats.tasks:,} tasks done, {stats.timers:,} timers fired"
            )
            last.update(stage=stage, tasks=stats.tasks)

    return report
