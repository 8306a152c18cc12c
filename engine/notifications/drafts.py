"""What a message will say and to whom: the draft each producer makes, and the conditions
that pick its readers (active, not muted, not told yet)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, exists, select
from sqlalchemy.orm import Session

from engine.department_key import parse_department_key
from engine.models import HumanTask, Message, MessageMute, Organisation, Project, User
from engine.models.enums import Role


@dataclass(frozen=True)
class Draft:
    user_id: int
    kind: str
    dedup_key: str
    title: str
    body: str
    link: str | None


def not_messaged(user_id, key):
    return ~exists().where(Message.user_id == user_id, Message.dedup_key == key)


def not_muted(user_id, kind):
    return ~exists().where(MessageMute.user_id == user_id, MessageMute.kind == kind)


def task_users(kind_of_task) -> tuple:
    """Active users a task belongs to, as two joins (each served by an index): a task naming
    an organisation goes to its role there; one naming none, to its role anywhere."""
    common = (User.active.is_(True), User.role == HumanTask.role, not_muted(User.id, kind_of_task))
    return (
        and_(HumanTask.org_id.is_not(None), User.organisation_id == HumanTask.org_id, *common),
        and_(HumanTask.org_id.is_(None), *common),
    )


def unit_users(unit_id, kind):
    return and_(
        User.active.is_(True),
        User.role == Role.UNIT,
        User.organisation_id == unit_id,
        not_muted(User.id, kind),
    )


def project_names(session: Session, business_keys: list[str]) -> dict[str, str]:
    """business key → "code name" of its project (or "name year 部门整体绩效" of a department's
    overall performance), in one query for each."""
    departments = {key: found for key in business_keys if (found := parse_department_key(key))}
    codes = {project_of(key) for key in business_keys if key not in departments}
    names = {}
    if codes:
        found = dict(
            session.execute(select(Project.code, Project.name).where(Project.code.in_(codes))).all()
        )
        names = {
            key: f"{project_of(key)} {found[project_of(key)]}"
            for key in business_keys
            if key not in departments and project_of(key) in found
        }
    if departments:
        found = dict(
            session.execute(
                select(Organisation.code, Organisation.name).where(
                    Organisation.code.in_({code for code, _ in departments.values()})
                )
            ).all()
        )
        for key, (code, year) in departments.items():
            if code in found:
                names[key] = f"{found[code]} {year} 年度部门整体绩效"
    return names


def project_of(business_key: str) -> str:
    return business_key.split(":", 1)[-1]
