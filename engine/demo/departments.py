"""The departments' overall performance (部门整体绩效) in the demo: started each year, the
year opened as it begins, and some departments still at their self-evaluation in March."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select

from engine.actors import Actor
from engine.db import unit_of_work
from engine.demo.draws import fraction
from engine.department.start import start_department, unstarted
from engine.models import FiscalYear, HumanTask, Organisation
from engine.synthetic.province import DEMO_REGION


def _year(session, year: int):
    return session.scalars(
        select(FiscalYear).where(FiscalYear.region_code == DEMO_REGION[0], FiscalYear.year == year)
    ).one_or_none()


def start_departments(
    sessions, workflow, year: int, actor: Actor, say: Callable[[str], None]
) -> int:
    """Start each department's overall performance (部门整体绩效) of the year not started yet."""
    with sessions() as session:
        pending = unstarted(session, DEMO_REGION[0], year)
    if pending:
        say(f"departments: starting {len(pending):,} departments' overall performance")
    for position, department_id in enumerate(pending):
        with unit_of_work(sessions) as session:
            fiscal_year = _year(session, year)
            department = session.get(Organisation, department_id)
            # Finance evaluates every other department: a demo province has only a handful,
            # which the shipped share (0.3, a draw per department) would often leave with none.
            start_department(
                session,
                workflow,
                department,
                fiscal_year,
                actor,
                finance_evaluation=(position + year) % 2 == 0,
            )
    return len(pending)


def department_waits(task: HumanTask) -> bool:
    """Whether a department leaves its self-evaluation for later: about two in five are still
    at it when the season pauses (部门整体支出绩效自评 is due by mid-April)."""
    if task.form != "department_self_evaluation":
        return False
    return fraction(task.business_key, "department_pace") < 0.4


def open_year(sessions, year: int) -> None:
    """The demo region's fiscal `year`, opened as it begins (carrying projects forward into
    it would open it later, in May, when last year's results are applied)."""
    with unit_of_work(sessions) as session:
        if _year(session, year) is None:
            session.add(FiscalYear(region_code=DEMO_REGION[0], year=year))
