"""Drive one project's cycle with the demo's simulated people until a task of some form is ready.

The lived-in year leaves most work done; a test that needs a monitoring report, an alert
response or a funding decision waiting for the finance desk drives one project there, through
the real engine, and gets the ready task's id.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, datetime

from engine.composition import build_engine
from engine.db import session_factory
from engine.demo.simulation import Choices, Simulation, drive
from engine.models import HumanTask
from engine.workflow.clock import ManualClock


class _Held(Exception):
    """The task asked for is ready: stop driving."""


def drive_to_form(
    db_engine,
    project_code: str,
    form: str,
    year: int,
    performance: Callable | None = None,
    seed: int = 3,
) -> int:
    """The id of `project_code`'s first ready task of `form`, driving its cycle until there."""

    class UntilForm(Simulation):
        def complete_one(self, sessions, task_id: int):
            with sessions() as session:
                task = session.get(HumanTask, task_id)
                if task is not None and task.form == form:
                    raise _Held(task_id)
            return super().complete_one(sessions, task_id)

    clock = ManualClock(datetime(year, 1, 31, tzinfo=UTC))
    choices = Choices(rng=random.Random(seed), return_rate=0, performance=performance)
    simulation = UntilForm(build_engine(clock), choices)
    try:
        drive(
            simulation,
            session_factory(db_engine),
            clock,
            until=datetime(year + 2, 6, 30, tzinfo=UTC),
            scope=f"cycle:{project_code}",
        )
    except _Held as held:
        return held.args[0]
    raise AssertionError(f"{project_code} never reached a {form} task")
