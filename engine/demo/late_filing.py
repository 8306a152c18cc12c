"""One department's units file their mid-year monitoring report late, in the last full week of
September, as some units do: a red alert raised then has ten working days to be answered that
run through the Mid-Autumn and National Day holidays, and the demo shows the working calendar
moving those deadlines (the summary counts them). The message centre reminds them of the
overdue report, and of the alert's deadline a few working days before it, when they answer."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from engine.demo.draws import fraction
from engine.demo.simulation import Choices
from engine.models import HumanTask, Organisation, Project
from engine.models.enums import OrgKind

BEIJING = timezone(timedelta(hours=8))


def late_filing_moment(year: int) -> datetime:
    """10:00 Beijing time on the Monday of the week of 24 September (22 Sep 2025, 21 Sep 2026)."""
    day = date(year, 9, 24)
    return datetime.combine(day - timedelta(days=day.weekday()), time(10), BEIJING)


def late_units(session: Session) -> frozenset[int]:
    """The units of the department with the most projects (the demo's slowest department)."""
    unit = aliased(Organisation)
    department = session.scalars(
        select(Organisation.id)
        .join(unit, unit.parent_id == Organisation.id)
        .join(Project, Project.unit_id == unit.id)
        .where(Organisation.kind == OrgKind.DEPARTMENT)
        .group_by(Organisation.id, Organisation.code)
        .order_by(func.count().desc(), Organisation.code)
        .limit(1)
    ).first()
    if department is None:
        return frozenset()
    return frozenset(
        session.scalars(select(Organisation.id).where(Organisation.parent_id == department))
    )


# Seventeen days after filing is three working days before the response is due, both years:
# filed 22 Sep 2025, due 11 Oct, reminded 9 Oct; filed 21 Sep 2026, due 12 Oct, reminded 8 Oct.
ANSWERED_AFTER = timedelta(days=17)


@dataclass(frozen=True)
class Leg:
    """A stretch of the simulated year: driven until `until`, these units' tasks of `form`
    of `year` left waiting; `tell`: the message centre's pass runs when it ends."""

    until: datetime
    units: frozenset[int] = frozenset()
    year: int = 0
    form: str = ""
    tell: bool = False
    # Each department's overall performance of `opens` starts when the leg ends (部门整体绩效).
    opens: int = 0


def legs(previous: int, year: int, units: frozenset[int]) -> list[Leg]:
    """Last year's loop and this year's filing and monitoring, with the late units' pauses."""
    plan = []
    for each in (previous, year):
        if each == year:
            # The year's departments file their overall tables as it begins.
            plan.append(Leg(datetime(year, 1, 4, tzinfo=UTC), opens=year))
        filed = late_filing_moment(each)
        # Reminded of the report, overdue since 31 August, just before they file it.
        plan.append(Leg(filed, units, each, "monitoring_report", tell=True))
        plan.append(Leg(filed + ANSWERED_AFTER, units, each, "alert_response", tell=True))
    plan.append(Leg(datetime(year, 12, 31, tzinfo=UTC)))
    return plan


def holding(units: frozenset[int], year: int, form: str) -> Callable[[HumanTask], bool]:
    """Whether a simulated person does a task now: not these units' tasks of `form` of `year`
    (one of an earlier year, held back in its own leg, is done now), nor, while monitoring
    reports are held, the departments' own monitoring of that year."""
    prefix = f"cycle:{year}-"
    # A department reports its own monitoring once its units have (their execution rolls up).
    department = f":{year}" if form == "monitoring_report" else None
    return lambda task: (
        not (
            (task.form == form and task.org_id in units and task.business_key.startswith(prefix))
            or (
                department is not None
                and task.form == "department_monitoring"
                and task.business_key.endswith(department)
            )
        )
    )


@dataclass
class BehindChoices(Choices):
    """The demo's choices, with the slowest department behind as well as late: one in three
    of its projects is far behind by July (red alerts), drawn from the project's code, so the
    other draws of the year stay as the seed made them."""

    late_units: frozenset[int] = frozenset()

    def project_performance(self, project: Project) -> float:
        drawn = super().project_performance(project)
        if project.unit_id in self.late_units and fraction(project.code, "behind") < 1 / 3:
            return min(drawn, 0.55)
        return drawn
