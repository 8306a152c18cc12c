"""Reminders: ready tasks and open rectification orders whose deadline is a few working days
away (counted with the region's working calendar) or has passed. A task or order reminded of
its current state is not read again, so a batch always reaches those still to remind."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import String, case, cast, exists, literal, or_, select
from sqlalchemy.orm import Session

from engine.department_key import parse_department_key
from engine.models import (
    FiscalYear,
    HumanTask,
    Message,
    Organisation,
    Project,
    RectificationOrder,
    User,
)
from engine.models.enums import RectificationStatus
from engine.notifications.drafts import (
    Draft,
    not_messaged,
    project_names,
    project_of,
    task_users,
    unit_users,
)
from engine.notifications.kinds import DEADLINE_NEAR, DEADLINE_PASSED
from engine.workdays import RegionCalendar, local_date

OPEN_ORDERS = (
    RectificationStatus.ISSUED,
    RectificationStatus.FEEDBACK_SUBMITTED,
    RectificationStatus.RETURNED,
)


def _prefix(kind: str, subject: str) -> str:
    """The start of a reminder's key — the same whether SQL looks it up or Python makes it."""
    return f"due-{'near' if kind == DEADLINE_NEAR else 'passed'}:{subject}:"


def task_deadlines(session: Session, now: datetime, lead: int, batch: int) -> list[Draft]:
    """Ready tasks whose due date is `lead` working days away or less, or past."""
    horizon = now + timedelta(days=lead * 3 + 14)  # covers `lead` working days and a holiday
    # The reminder this task would get now; a task that had it is not read again, so the
    # batch always reaches the tasks still to remind (the soonest due first).
    key = case(
        (HumanTask.due_at <= now, literal(_prefix(DEADLINE_PASSED, "task"))),
        else_=literal(_prefix(DEADLINE_NEAR, "task")),
    ) + cast(HumanTask.id, String)
    rows = session.execute(
        select(HumanTask.id, HumanTask.name, HumanTask.business_key, HumanTask.due_at)
        .where(
            HumanTask.status == "ready",
            HumanTask.due_at.is_not(None),
            HumanTask.due_at <= horizon,
            ~exists().where(Message.dedup_key == key),
        )
        .order_by(HumanTask.due_at, HumanTask.id)
        .limit(batch)
    )
    calendars = _Calendars(session)
    due_tasks: dict[tuple[str, int], list] = {}
    for task_id, name, business_key, due_at in rows:
        kind = _deadline_kind(calendars, business_key, due_at, now, lead)
        if kind is not None:
            due_tasks.setdefault((kind, task_id), [name, business_key, due_at])
    drafts = []
    projects = project_names(session, [key for _name, key, _due in due_tasks.values()])
    for (kind, task_id), (name, business_key, due_at) in due_tasks.items():
        day = local_date(due_at).isoformat()
        key = f"{_prefix(kind, 'task')}{task_id}"
        users = session.scalars(
            select(User.id)
            .select_from(HumanTask)
            .join(User, or_(*task_users(kind)))
            .where(HumanTask.id == task_id, not_messaged(User.id, literal(key)))
        )
        for user_id in users:
            drafts.append(
                Draft(
                    user_id,
                    kind,
                    key,
                    name,
                    f"{projects.get(business_key, project_of(business_key))} · 期限 {day}",
                    f"/tasks/{task_id}",
                )
            )
    return drafts


def order_deadlines(session: Session, now: datetime, lead: int, batch: int) -> list[Draft]:
    """Open rectification orders whose closing date is near or past: the unit is reminded."""
    today = local_date(now)
    key = (
        case(
            (RectificationOrder.close_due < today, literal(_prefix(DEADLINE_PASSED, "order"))),
            else_=literal(_prefix(DEADLINE_NEAR, "order")),
        )
        + cast(RectificationOrder.id, String)
        + literal(":")
        + cast(RectificationOrder.close_due, String)
    )
    rows = session.execute(
        select(RectificationOrder.id, RectificationOrder.close_due, Project)
        .join(Project, Project.id == RectificationOrder.project_id)
        .where(
            RectificationOrder.status.in_(OPEN_ORDERS),
            RectificationOrder.close_due <= today + timedelta(days=lead * 3 + 14),
            ~exists().where(Message.dedup_key == key),
        )
        .order_by(RectificationOrder.close_due, RectificationOrder.id)
        .limit(batch)
    )
    calendars = _Calendars(session)
    drafts = []
    for order_id, close_due, project in rows:
        calendar = calendars.of_region(project.fiscal_year.region_code)
        kind = kind_for(close_due, today, lead, calendar)
        if kind is None:
            continue
        key = f"{_prefix(kind, 'order')}{order_id}:{close_due}"
        users = session.scalars(
            select(User.id).where(
                unit_users(project.unit_id, kind), not_messaged(User.id, literal(key))
            )
        )
        for user_id in users:
            drafts.append(
                Draft(
                    user_id,
                    kind,
                    key,
                    f"整改销号：{project.name}",
                    f"{project.code} · 期限 {close_due.isoformat()}",
                    f"/projects/{project.id}",
                )
            )
    return drafts


class _Calendars:
    """Working calendars by region, and each task's region by its project (business key)."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._calendars: dict[str, RegionCalendar] = {}
        self._regions: dict[str, str | None] = {}

    def of_region(self, region_code: str) -> RegionCalendar:
        if region_code not in self._calendars:
            self._calendars[region_code] = RegionCalendar(self.session, region_code)
        return self._calendars[region_code]

    def of_task(self, business_key: str) -> RegionCalendar | None:
        """The calendar of the region a task's project (or department) belongs to."""
        department = parse_department_key(business_key)
        if department is not None:
            code = business_key.rsplit(":", 1)[0]  # the department, whatever the year
            region_of = select(Organisation.region_code).where(Organisation.code == department[0])
        else:
            code = business_key.split(":", 1)[-1]
            region_of = (
                select(FiscalYear.region_code)
                .join(Project, Project.fiscal_year_id == FiscalYear.id)
                .where(Project.code == code)
            )
        if code not in self._regions:
            self._regions[code] = self.session.scalar(region_of)
        region = self._regions[code]
        return self.of_region(region) if region else None


def _deadline_kind(calendars, business_key, due_at, now, lead) -> str | None:
    calendar = calendars.of_task(business_key)
    if calendar is None:
        return None
    if due_at <= now:
        return DEADLINE_PASSED
    return kind_for(local_date(due_at), local_date(now), lead, calendar)


def kind_for(due: date, today: date, lead: int, calendar) -> str | None:
    """Passed after the due date; near from `lead` working days before it."""
    if today > due:
        return DEADLINE_PASSED
    working_days_left = 0
    day = today
    while day < due and working_days_left <= lead:
        day += timedelta(days=1)
        working_days_left += calendar.is_working_day(day)
    return DEADLINE_NEAR if working_days_left <= lead else None
