"""Demo accounts: one shared password for the demo province's users, and who to log in as."""

from __future__ import annotations

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from engine.department_key import PREFIX as DEPARTMENT_PREFIX
from engine.identity.passwords import hash_password
from engine.identity.permissions import USER_ROLES
from engine.models import Alert, HumanTask, Organisation, User
from engine.models.enums import AlertStatus, Colour, Role

# Printed by `budgetloop demo`; only ever set on users that have no password of their own.
DEMO_PASSWORD = "budgetloop-demo"


def grant_demo_passwords(session: Session) -> dict[str, str]:
    """Give passwordless users the demo password; return one login per role to try."""
    session.execute(
        update(User)
        .where(User.password_hash.is_(None))
        .values(password_hash=hash_password(DEMO_PASSWORD))
    )
    first = select(User.role, func.min(User.login)).where(User.active.is_(True)).group_by(User.role)
    found = dict(session.execute(first).all())
    return {role.value: found[role] for role in USER_ROLES if role in found}


def logins_with_work(session: Session) -> dict[str, str]:
    """One login per role whose inbox has work; the unit, department and finance desk printed
    belong together (the finance desk handles the unit's department)."""
    ready = (
        select(HumanTask.role, HumanTask.org_id, func.count())
        .where(HumanTask.status == "ready")
        .group_by(HumanTask.role, HumanTask.org_id)
    )
    work = {(role, org): n for role, org, n in session.execute(ready)}
    chosen: dict[str, str] = {}
    units = sorted(
        ((n, org) for (role, org), n in work.items() if role == Role.UNIT and org is not None),
        key=lambda pair: (-pair[0], pair[1]),
    )
    # A department whose own overall-performance task waits is shown first, so the printed
    # department login meets 部门整体绩效 as well as its projects' reviews.
    own_tasks = set(
        session.scalars(
            select(HumanTask.org_id).where(
                HumanTask.status == "ready",
                HumanTask.role == Role.DEPARTMENT,
                HumanTask.business_key.startswith(DEPARTMENT_PREFIX),
            )
        )
    )
    for with_own_task in (True, False):
        for _n, unit_id in units:
            unit = session.get(Organisation, unit_id)
            department = session.get(Organisation, unit.parent_id) if unit.parent_id else None
            if department is None or (with_own_task and department.id not in own_tasks):
                continue
            if (Role.DEPARTMENT, department.id) in work and (
                Role.FINANCE,
                department.finance_desk_id,
            ) in work:
                chosen[Role.UNIT.value] = login_of(session, Role.UNIT, unit.id)
                chosen[Role.DEPARTMENT.value] = login_of(session, Role.DEPARTMENT, department.id)
                desk = department.finance_desk_id
                chosen[Role.FINANCE.value] = login_of(session, Role.FINANCE, desk)
                break
        if chosen:
            break
    for role in USER_ROLES:
        if role.value in chosen:
            continue
        orgs = [org for (r, org), _n in sorted(work.items(), key=lambda kv: -kv[1]) if r == role]
        for org in orgs:
            login = login_of(session, role, org)
            if login:
                chosen[role.value] = login
                break
    # Oversight bodies have no process steps; their work is the red alerts left open (督办).
    if Role.SUPERVISOR.value not in chosen and _open_red_alerts(session):
        chosen[Role.SUPERVISOR.value] = login_of(session, Role.SUPERVISOR, None)
    return {role.value: chosen[role.value] for role in USER_ROLES if chosen.get(role.value)}


def _open_red_alerts(session: Session) -> int:
    return session.scalar(
        select(func.count())
        .select_from(Alert)
        .where(Alert.status == AlertStatus.OPEN, Alert.colour == Colour.RED)
    )


def login_of(session: Session, role: Role | str, org_id: int | None) -> str | None:
    """The first active login of `role` in the organisation (in any, without one)."""
    query = select(User.login).where(User.role == role, User.active.is_(True))
    if org_id is not None:
        query = query.where(User.organisation_id == org_id)
    return session.scalars(query.order_by(User.login)).first()
