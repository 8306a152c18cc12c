"""One funding decision left for the finance desk to confirm in the lived-in year.

The demo confirms every decision of its year, so a test of the confirmation desk would find
nothing to do. This drives ONE of next year's carried-forward projects (in the main
department, not the main unit, so the unit's filing tasks stay as they were) through its year
until its `decision_confirmation` task is ready, and stops there.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime

from sqlalchemy import select

from engine.composition import build_engine
from engine.cycle.start import business_key
from engine.db import session_factory
from engine.demo.simulation import Choices, Simulation, drive
from engine.models import FiscalYear, HumanTask, Organisation, Project
from engine.workflow.clock import ManualClock


class _Held(Exception):
    """The confirmation task is ready: stop driving."""


class _UntilConfirmation(Simulation):
    def complete_one(self, sessions, task_id: int):
        with sessions() as session:
            task = session.get(HumanTask, task_id)
            if task is not None and task.form == "decision_confirmation":
                raise _Held
        return super().complete_one(sessions, task_id)


def leave_one_unconfirmed(engine, year: int, department_id: int, unit_id: int, seed: int) -> str:
    """Drive one `year` project of the department to its ready confirmation; its code."""
    sessions = session_factory(engine)
    with sessions() as session:
        project = session.scalars(
            select(Project)
            .join(Organisation, Organisation.id == Project.unit_id)
            .join(FiscalYear, FiscalYear.id == Project.fiscal_year_id)
            .where(
                FiscalYear.year == year,
                Organisation.parent_id == department_id,
                Project.unit_id != unit_id,
            )
            .order_by(Project.id)
            .limit(1)
        ).one()
        key = business_key(project)
    clock = ManualClock(datetime(year, 1, 31, tzinfo=UTC))
    simulation = _UntilConfirmation(build_engine(clock), Choices(rng=random.Random(seed)))
    try:
        drive(simulation, sessions, clock, until=datetime(year + 2, 6, 30, tzinfo=UTC), scope=key)
    except _Held:
        return key.split(":", 1)[1]
    raise AssertionError(f"{key} never reached its decision confirmation")
