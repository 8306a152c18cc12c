"""One department's units file their mid-year monitoring report late, in the last full week of
September, as some units do: a red alert raised then has ten working days to be answered that
run through the Mid-Autumn and National Day holidays, and the demo shows the working calendar
moving those deadlines (the summary counts them)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

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


def holding(units: frozenset[int], year: int) -> Callable[[HumanTask], bool]:
    """Whether a simulated person does a task now: not these units' monitoring reports of
    `year` (a report of an earlier year held back in its own leg is filed now)."""
    prefix = f"cycle:{year}-"
    return lambda task: (
        not (
            task.form == "monitoring_report"
            and task.org_id in units
            and task.business_key.startswith(prefix)
        )
    )
