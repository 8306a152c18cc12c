"""Producing messages: one pass over what happened, run by the background work after timers
fire (`budgetloop tick`, `budgetloop work`) and by `budgetloop messages sweep`.

Every message names its event and moment in `dedup_key` (`task:12`, `due-near:task:12`,
`due-passed:order:7:2026-10-20`)
and is inserted with ON CONFLICT DO NOTHING on (user, key): passes may overlap, run on several
workers or be repeated, and each user still gets each message once. Each category reads at
most `batch` events a pass (the rest come next pass), and only events of the last `news_days`
days, so a pass costs the same however long the history. A muted kind is never produced.
"""

from __future__ import annotations

import itertools
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import String, and_, case, cast, exists, literal, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, aliased

from engine import policy
from engine.errors import NotFound
from engine.models import (
    Alert,
    FiscalYear,
    FundingDecision,
    HumanTask,
    Message,
    MessageMute,
    Organisation,
    Project,
    RectificationOrder,
    User,
)
from engine.models.enums import (
    AlertKind,
    AlertStatus,
    Colour,
    DecisionStatus,
    RectificationStatus,
    Role,
)
from engine.notifications.kinds import (
    ALERT,
    DEADLINE_NEAR,
    DEADLINE_PASSED,
    DECISION,
    RETURNED,
    TASK,
)
from engine.workdays import RegionCalendar, local_date

DEFAULTS = {"lead_working_days": 3, "news_days": 30, "batch": 500}
# What a funding decision means for next year, as the unit reads it.
DECISION_WORDS = {
    "increase": "优先保障",
    "maintain": "维持",
    "cut": "压减",
    "cancel": "取消",
    "suspend": "暂停",
    "reclaim": "收回结余",
    "review": "待复核",
}
OPEN_ORDERS = (
    RectificationStatus.ISSUED,
    RectificationStatus.FEEDBACK_SUBMITTED,
    RectificationStatus.RETURNED,
)


@dataclass(frozen=True)
class Draft:
    user_id: int
    kind: str
    dedup_key: str
    title: str
    body: str
    link: str | None


def sweep(session: Session, now: datetime, region_code: str | None = None) -> Counter:
    """Produce every message due at `now`; returns how many of each kind were new."""
    settings = {**DEFAULTS, **_settings(session, region_code, now.year)}
    since = now - timedelta(days=int(settings["news_days"]))
    batch = int(settings["batch"])
    drafts: list[Draft] = []
    drafts += _tasks(session, since, batch)
    drafts += _alerts(session, since, batch)
    drafts += _decisions(session, since, batch)
    drafts += _task_deadlines(session, now, int(settings["lead_working_days"]), batch)
    drafts += _order_deadlines(session, now, int(settings["lead_working_days"]), batch)
    return _insert(session, drafts, now)


def _settings(session: Session, region_code: str | None, year: int) -> dict:
    try:
        return policy.setting(session, "reminders", region_code, year)
    except NotFound:
        return {}


def _not_messaged(user_id, key):
    return ~exists().where(Message.user_id == user_id, Message.dedup_key == key)


def _not_muted(user_id, kind):
    return ~exists().where(MessageMute.user_id == user_id, MessageMute.kind == kind)


def _task_users(kind_of_task) -> tuple:
    """Active users a task belongs to, as two joins (each served by an index): a task naming
    an organisation goes to its role there; one naming none, to its role anywhere."""
    common = (User.active.is_(True), User.role == HumanTask.role, _not_muted(User.id, kind_of_task))
    return (
        and_(HumanTask.org_id.is_not(None), User.organisation_id == HumanTask.org_id, *common),
        and_(HumanTask.org_id.is_(None), *common),
    )


def _tasks(session: Session, since: datetime, batch: int) -> list[Draft]:
    drafts = []
    key = literal("task:") + cast(HumanTask.id, String)
    is_revision = HumanTask.form == "revise"
    for (kind, returned), users in itertools.product(((TASK, False), (RETURNED, True)), range(2)):
        rows = session.execute(
            select(User.id, HumanTask.id, HumanTask.name, HumanTask.business_key)
            .join(User, _task_users(kind)[users])
            .where(
                HumanTask.status == "ready",
                HumanTask.created_at >= since,
                is_revision if returned else or_(HumanTask.form.is_(None), ~is_revision),
                _not_messaged(User.id, key),
            )
            .order_by(HumanTask.id)
            .limit(batch)
        ).all()
        projects = _project_names(session, [business_key for *_, business_key in rows])
        for user_id, task_id, name, business_key in rows:
            drafts.append(
                Draft(
                    user_id,
                    kind,
                    f"task:{task_id}",
                    name,
                    projects.get(business_key, _project_of(business_key)),
                    f"/tasks/{task_id}",
                )
            )
    return drafts


def _project_names(session: Session, business_keys: list[str]) -> dict[str, str]:
    """business key → "code name" of its project, in one query."""
    codes = {_project_of(key) for key in business_keys}
    if not codes:
        return {}
    found = dict(
        session.execute(select(Project.code, Project.name).where(Project.code.in_(codes))).all()
    )
    return {
        key: f"{_project_of(key)} {found[_project_of(key)]}"
        for key in business_keys
        if _project_of(key) in found
    }


def _unit_users(unit_id, kind):
    return and_(
        User.active.is_(True),
        User.role == Role.UNIT,
        User.organisation_id == unit_id,
        _not_muted(User.id, kind),
    )


def _alerts(session: Session, since: datetime, batch: int) -> list[Draft]:
    """Red and yellow project alerts to the project's unit; red ones to its department too."""
    key = literal("alert:") + cast(Alert.id, String)
    unit = aliased(Organisation)
    department_users = and_(
        User.active.is_(True),
        User.role == Role.DEPARTMENT,
        User.organisation_id == unit.parent_id,
        Alert.colour == Colour.RED,
        _not_muted(User.id, ALERT),
    )
    drafts = []
    for recipients in (_unit_users(Project.unit_id, ALERT), department_users):
        rows = session.execute(
            select(User.id, Alert.id, Alert.colour, Project.id, Project.code, Project.name)
            .join(Project, Project.id == Alert.project_id)
            .join(unit, unit.id == Project.unit_id)
            .join(User, recipients)
            .where(
                # Every status, so that the (status, raised_at) index serves the time window.
                Alert.status.in_(list(AlertStatus)),
                Alert.raised_at >= since,
                Alert.kind == AlertKind.PROJECT,
                Alert.colour.in_([Colour.RED, Colour.YELLOW]),
                _not_messaged(User.id, key),
            )
            .order_by(Alert.id)
            .limit(batch)
        )
        drafts += [
            Draft(
                user_id,
                ALERT,
                f"alert:{alert_id}",
                name,
                f"{'红色预警' if colour == Colour.RED else '黄色预警'} · {code}",
                f"/projects/{project_id}",
            )
            for user_id, alert_id, colour, project_id, code, name in rows
        ]
    return drafts


def _decisions(session: Session, since: datetime, batch: int) -> list[Draft]:
    key = literal("decision:") + cast(FundingDecision.id, String)
    rows = session.execute(
        select(
            User.id,
            FundingDecision.id,
            FundingDecision.kind,
            Project.id,
            Project.code,
            Project.name,
        )
        .join(Project, Project.id == FundingDecision.project_id)
        .join(User, _unit_users(Project.unit_id, DECISION))
        .where(
            FundingDecision.status.in_([DecisionStatus.CONFIRMED, DecisionStatus.OVERRIDDEN]),
            FundingDecision.decided_at >= since,
            _not_messaged(User.id, key),
        )
        .order_by(FundingDecision.id)
        .limit(batch)
    )
    return [
        Draft(
            user_id,
            DECISION,
            f"decision:{decision_id}",
            name,
            f"下年度{DECISION_WORDS.get(kind.value, kind.value)} · {code}",
            f"/projects/{project_id}",
        )
        for user_id, decision_id, kind, project_id, code, name in rows
    ]


def _task_deadlines(session: Session, now: datetime, lead: int, batch: int) -> list[Draft]:
    """Ready tasks whose due date is `lead` working days away or less, or past."""
    horizon = now + timedelta(days=lead * 3 + 14)  # covers `lead` working days and a holiday
    # The reminder this task would get now; a task that had it is not read again, so the
    # batch always reaches the tasks still to remind (the soonest due first).
    key = case(
        (HumanTask.due_at <= now, literal("due-passed:task:")), else_=literal("due-near:task:")
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
    projects = _project_names(session, [key for _name, key, _due in due_tasks.values()])
    for (kind, task_id), (name, business_key, due_at) in due_tasks.items():
        day = local_date(due_at).isoformat()
        key = f"due-{'near' if kind == DEADLINE_NEAR else 'passed'}:task:{task_id}"
        users = session.scalars(
            select(User.id)
            .select_from(HumanTask)
            .join(User, or_(*_task_users(kind)))
            .where(HumanTask.id == task_id, _not_messaged(User.id, literal(key)))
        )
        for user_id in users:
            drafts.append(
                Draft(
                    user_id,
                    kind,
                    key,
                    name,
                    f"{projects.get(business_key, _project_of(business_key))} · 期限 {day}",
                    f"/tasks/{task_id}",
                )
            )
    return drafts


def _order_deadlines(session: Session, now: datetime, lead: int, batch: int) -> list[Draft]:
    """Open rectification orders whose closing date is near or past: the unit is reminded."""
    today = local_date(now)
    key = (
        case(
            (RectificationOrder.close_due < today, literal("due-passed:order:")),
            else_=literal("due-near:order:"),
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
        kind = _kind_for(close_due, today, lead, calendar)
        if kind is None:
            continue
        key = f"due-{'near' if kind == DEADLINE_NEAR else 'passed'}:order:{order_id}:{close_due}"
        users = session.scalars(
            select(User.id).where(
                _unit_users(project.unit_id, kind), _not_messaged(User.id, literal(key))
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
        code = business_key.split(":", 1)[-1]
        if code not in self._regions:
            self._regions[code] = self.session.scalar(
                select(FiscalYear.region_code)
                .join(Project, Project.fiscal_year_id == FiscalYear.id)
                .where(Project.code == code)
            )
        region = self._regions[code]
        return self.of_region(region) if region else None


def _deadline_kind(calendars, business_key, due_at, now, lead) -> str | None:
    calendar = calendars.of_task(business_key)
    if calendar is None:
        return None
    if due_at <= now:
        return DEADLINE_PASSED
    return _kind_for(local_date(due_at), local_date(now), lead, calendar)


def _kind_for(due: date, today: date, lead: int, calendar) -> str | None:
    """Passed after the due date; near from `lead` working days before it."""
    if today > due:
        return DEADLINE_PASSED
    working_days_left = 0
    day = today
    while day < due and working_days_left <= lead:
        day += timedelta(days=1)
        working_days_left += calendar.is_working_day(day)
    return DEADLINE_NEAR if working_days_left <= lead else None


def _project_of(business_key: str) -> str:
    return business_key.split(":", 1)[-1]


def _insert(session: Session, drafts: list[Draft], now: datetime) -> Counter:
    counts: Counter = Counter()
    if not drafts:
        return counts
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    for start in range(0, len(drafts), 500):
        chunk = drafts[start : start + 500]
        statement = (
            insert(Message)
            .values(
                [
                    {
                        "user_id": d.user_id,
                        "kind": d.kind,
                        "dedup_key": d.dedup_key,
                        "title": d.title[:200],
                        "body": d.body[:2000],
                        "link": d.link,
                        "created_at": now,
                    }
                    for d in chunk
                ]
            )
            .on_conflict_do_nothing(index_elements=["user_id", "dedup_key"])
            .returning(Message.kind)
        )
        counts.update(session.scalars(statement).all())
    return counts
