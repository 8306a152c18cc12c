"""Producing messages: one pass over what happened, run by the background work after timers
fire (`budgetloop tick`, `budgetloop work`) and by `budgetloop messages sweep`.

Every message names its event and moment in `dedup_key` (`task:12`, `due-near:task:12`,
`due-passed:order:7:2026-10-20`) and is inserted with ON CONFLICT DO NOTHING on (user, key):
passes may overlap, run on several workers or be repeated, and each user still gets each
message once. Each category reads at
most `batch` events a pass (the rest come next pass), and only events of the last `news_days`
days, so a pass costs the same however long the history. A muted kind is never produced.
"""

from __future__ import annotations

import itertools
from collections import Counter
from datetime import datetime, timedelta

from sqlalchemy import String, and_, cast, literal, or_, select
from sqlalchemy.orm import Session, aliased

from engine import policy
from engine.db import insert_skipping
from engine.errors import NotFound
from engine.models import (
    Alert,
    FundingDecision,
    HumanTask,
    Message,
    Organisation,
    Project,
    User,
)
from engine.models.enums import (
    AlertKind,
    AlertStatus,
    Colour,
    DecisionStatus,
    Role,
)
from engine.notifications.drafts import (
    Draft,
    not_messaged,
    not_muted,
    project_names,
    project_of,
    task_users,
    unit_users,
)
from engine.notifications.kinds import (
    ALERT,
    DECISION,
    RETURNED,
    TASK,
)
from engine.notifications.reminders import order_deadlines, task_deadlines

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


def sweep(session: Session, now: datetime, region_code: str | None = None) -> Counter:
    """Produce every message due at `now`; returns how many of each kind were new."""
    settings = {**DEFAULTS, **_settings(session, region_code, now.year)}
    since = now - timedelta(days=int(settings["news_days"]))
    batch = int(settings["batch"])
    drafts: list[Draft] = []
    drafts += _tasks(session, since, batch)
    drafts += _alerts(session, since, batch)
    drafts += _decisions(session, since, batch)
    drafts += task_deadlines(session, now, int(settings["lead_working_days"]), batch)
    drafts += order_deadlines(session, now, int(settings["lead_working_days"]), batch)
    return _insert(session, drafts, now)


def _settings(session: Session, region_code: str | None, year: int) -> dict:
    try:
        return policy.setting(session, "reminders", region_code, year)
    except NotFound:
        return {}


def _tasks(session: Session, since: datetime, batch: int) -> list[Draft]:
    drafts = []
    key = literal("task:") + cast(HumanTask.id, String)
    is_revision = HumanTask.form == "revise"
    for (kind, returned), users in itertools.product(((TASK, False), (RETURNED, True)), range(2)):
        rows = session.execute(
            select(User.id, HumanTask.id, HumanTask.name, HumanTask.business_key)
            .join(User, task_users(kind)[users])
            .where(
                HumanTask.status == "ready",
                HumanTask.created_at >= since,
                is_revision if returned else or_(HumanTask.form.is_(None), ~is_revision),
                not_messaged(User.id, key),
            )
            .order_by(HumanTask.id)
            .limit(batch)
        ).all()
        projects = project_names(session, [business_key for *_, business_key in rows])
        for user_id, task_id, name, business_key in rows:
            drafts.append(
                Draft(
                    user_id,
                    kind,
                    f"task:{task_id}",
                    name,
                    projects.get(business_key, project_of(business_key)),
                    f"/tasks/{task_id}",
                )
            )
    return drafts


def _alerts(session: Session, since: datetime, batch: int) -> list[Draft]:
    """Red and yellow project alerts to the project's unit; red ones to its department too."""
    key = literal("alert:") + cast(Alert.id, String)
    unit = aliased(Organisation)
    department_users = and_(
        User.active.is_(True),
        User.role == Role.DEPARTMENT,
        User.organisation_id == unit.parent_id,
        Alert.colour == Colour.RED,
        not_muted(User.id, ALERT),
    )
    drafts = []
    for recipients in (unit_users(Project.unit_id, ALERT), department_users):
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
                not_messaged(User.id, key),
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
        .join(User, unit_users(Project.unit_id, DECISION))
        .where(
            FundingDecision.status.in_([DecisionStatus.CONFIRMED, DecisionStatus.OVERRIDDEN]),
            FundingDecision.decided_at >= since,
            not_messaged(User.id, key),
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


def _insert(session: Session, drafts: list[Draft], now: datetime) -> Counter:
    counts: Counter = Counter()
    if not drafts:
        return counts
    for start in range(0, len(drafts), 500):
        rows = [
            {
                "user_id": d.user_id,
                "kind": d.kind,
                "dedup_key": d.dedup_key,
                "title": d.title[:200],
                "body": d.body[:2000],
                "link": d.link,
                "created_at": now,
            }
            for d in drafts[start : start + 500]
        ]
        statement = insert_skipping(session, Message, rows, ["user_id", "dedup_key"])
        counts.update(session.scalars(statement.returning(Message.kind)).all())
    return counts
