"""The departments' overall performance (部门整体绩效) in the demo: started each year, the
year opened as it begins, and some departments still at their self-evaluation in March."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select

from engine import policy
from engine.actors import Actor
from engine.db import unit_of_work
from engine.demo.draws import fraction
from engine.department.start import SETTING, start_department, unstarted
from engine.models import FiscalYear, HumanTask, Organisation, PolicySetting
from engine.synthetic.province import DEMO_REGION

FINANCE_SHARE = "0.5"


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
    for department_id in pending:
        with unit_of_work(sessions) as session:
            fiscal_year = _year(session, year)
            department = session.get(Organisation, department_id)
            start_department(session, workflow, department, fiscal_year, actor)
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


def configure_departments(session, years: tuple[int, ...]) -> None:
    """A demo province has a handful of departments: finance evaluates half of them a year
    (the shipped share, 0.3, would often pick none)."""
    shipped = policy.setting(session, SETTING, None, None)
    for year in years:
        exists = session.scalar(
            select(PolicySetting.id).where(
                PolicySetting.key == SETTING,
                PolicySetting.region_code == DEMO_REGION[0],
                PolicySetting.fiscal_year == year,
            )
        )
        if exists is None:
            value = dict(shipped, finance_evaluation_share=FINANCE_SHARE)
            session.add(
                PolicySetting(
                    key=SETTING, region_code=DEMO_REGION[0], fiscal_year=year, body={"value": value}
                )
            )
