"""Workflow fixtures: an engine on a settable clock, the shipped processes, a small province."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from bpmn.xml import Source
from engine.actors import Actor
from engine.composition import build_engine, deploy_shipped
from engine.cycle.start import start_cycle
from engine.demo.simulation import Choices, Simulation
from engine.models import HumanTask, Project
from engine.synthetic.province import SeedRequest, seed_province
from engine.workflow.clock import ManualClock

DATA = Path(__file__).resolve().parents[2] / "bpmn" / "data"
OPERATOR = Actor.system("test")
# Where the test clock starts, and the small province (for fixtures built once per module).
STARTS_AT = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
PROVINCE = SeedRequest(year=2026, projects=12, seed=11)


def source(name: str) -> Source:
    """A BPMN/DMN test file from tests/bpmn/data."""
    path = DATA / name
    return Source(path.name, path.read_text(encoding="utf-8"))


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(STARTS_AT)


@pytest.fixture
def wf(clock):
    """The workflow engine, as `budgetloop` builds it, on the test clock."""
    return build_engine(clock)


@pytest.fixture
def shipped(sessions, wf):
    """The shipped process definitions, deployed."""
    with sessions() as session, session.begin():
        return deploy_shipped(session, wf, OPERATOR)


@pytest.fixture
def province(sessions, shipped):
    """A small seeded province (12 projects) with the shipped processes deployed."""
    with sessions() as session, session.begin():
        seed_province(session, PROVINCE)
        return session.scalars(select(Project.id).order_by(Project.id)).all()


@pytest.fixture
def start(sessions, wf):
    """Start the budget cycle of a project; returns the instance id."""

    return lambda project_id, **options: start_project(sessions, wf, project_id, **options)


def start_project(sessions, wf, project_id: int, **options) -> int:
    """Start the budget cycle of a project; returns the instance id."""
    with sessions() as session, session.begin():
        project = session.get(Project, project_id)
        outcome = start_cycle(session, wf, project, OPERATOR, **options)
    assert outcome.ok, outcome.error
    return outcome.instance_id


@pytest.fixture
def simulation(wf):
    return new_simulation(wf)


def new_simulation(wf) -> Simulation:
    """The `simulation` fixture's people: seeded, never returning a document."""
    return Simulation(wf, Choices(rng=random.Random(5), return_rate=0.0))


def ready_tasks(sessions, instance_id: int | None = None) -> list[HumanTask]:
    """Ready work-queue rows, oldest first."""
    with sessions() as session:
        query = select(HumanTask).where(HumanTask.status == "ready")
        if instance_id is not None:
            query = query.where(HumanTask.instance_id == instance_id)
        return list(session.scalars(query.order_by(HumanTask.id)))
