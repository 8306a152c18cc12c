"""Starting a department's overall performance process for a year, and what it starts with."""

from __future__ import annotations

import hashlib
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import policy
from engine.actors import Actor
from engine.department.documents import open_plan
from engine.department_key import department_key
from engine.errors import Conflict, InvalidInput, NotFound
from engine.models import FiscalYear, Organisation, ProcessInstance
from engine.models.enums import OrgKind
from engine.workdays import end_of_day, region_zone, start_of_day

PROCESS = "department_performance"
SETTING = "department_performance"


def business_key(department: Organisation, year: int) -> str:
    return department_key(department.code, year)


def selected_for_finance(department: Organisation, year: int, share: str) -> bool:
    """A stable draw per department and year: finance's selection rotates year by year."""
    digest = hashlib.blake2b(f"finance_evaluation:{department.code}:{year}".encode(), digest_size=8)
    return int.from_bytes(digest.digest()) / 2**64 < float(share)


def _day(setting: dict, name: str, year: int) -> date:
    try:
        return date(year, int(setting[name]["month"]), int(setting[name]["day"]))
    except (KeyError, TypeError, ValueError):
        raise InvalidInput(
            f"the {SETTING} setting's {name} is not a day of the year such as "
            '{"month": 9, "day": 1}',
            errors={f"{SETTING}.{name}": "not a date"},
        ) from None


def process_data(
    session: Session,
    department: Organisation,
    fiscal_year: FiscalYear,
    *,
    finance_evaluation: bool | None = None,
) -> dict:
    """The data a department_performance instance starts with: its plan, who reviews, when
    its stages open; `finance_evaluation` overrides finance's selection by the setting."""
    setting = policy.setting(session, SETTING, fiscal_year.region_code, fiscal_year.year)
    year, zone = fiscal_year.year, region_zone(session, fiscal_year)
    if finance_evaluation is None:
        finance_evaluation = selected_for_finance(
            department, year, setting["finance_evaluation_share"]
        )
    plan = open_plan(session, department, fiscal_year)
    performance = session.scalars(
        select(Organisation.id).where(
            Organisation.kind == OrgKind.PERFORMANCE,
            Organisation.region_code == department.region_code,
        )
    ).first()
    return {
        "plan_id": plan.id,
        "department_code": department.code,
        "fiscal_year": year,
        "department_org_id": department.id,
        "finance_org_id": department.finance_desk_id,
        "performance_org_id": performance,
        # Local dates in the region's time zone (domain.md "Dates").
        "monitoring_opens_at": start_of_day(
            _day(setting, "monitoring_opens", year), zone
        ).isoformat(),
        "monitoring_due": end_of_day(_day(setting, "monitoring_due", year), zone).isoformat(),
        "self_evaluation_opens_at": start_of_day(
            _day(setting, "self_evaluation_opens", year + 1), zone
        ).isoformat(),
        "self_evaluation_due": end_of_day(
            _day(setting, "self_evaluation_due", year + 1), zone
        ).isoformat(),
        "finance_evaluation": bool(finance_evaluation),
    }


def start_department(
    session: Session,
    engine,
    department: Organisation,
    fiscal_year: FiscalYear,
    actor: Actor,
    **options,
):
    """Start a department's overall performance process for a year (once)."""
    if department.kind is not OrgKind.DEPARTMENT:
        raise InvalidInput(
            f"{department.code} is not a department", errors={"department": "not a department"}
        )
    if department.finance_desk_id is None:
        raise InvalidInput(
            f"department {department.code} has no finance desk to review its targets",
            errors={"department": "no finance desk"},
        )
    key = business_key(department, fiscal_year.year)
    running = session.scalars(
        select(ProcessInstance.id).where(ProcessInstance.business_key == key)
    ).first()
    if running is not None:
        raise Conflict(
            f"department {department.code} already has its {fiscal_year.year} process "
            f"(instance {running})"
        )
    data = process_data(session, department, fiscal_year, **options)
    return engine.start(session, PROCESS, key, data, actor)


def departments_of(session: Session, region_code: str) -> list[Organisation]:
    """The region's departments, by code."""
    found = session.scalars(
        select(Organisation)
        .where(Organisation.kind == OrgKind.DEPARTMENT, Organisation.region_code == region_code)
        .order_by(Organisation.code)
    ).all()
    if not found:
        raise NotFound(f"no departments in region {region_code}")
    return list(found)


def unstarted(session: Session, region_code: str, year: int) -> list[int]:
    """The ids of the region's departments with a finance desk whose `year` has not started."""
    departments = [d for d in departments_of(session, region_code) if d.finance_desk_id]
    keys = {business_key(d, year): d.id for d in departments}
    started = set(
        session.scalars(
            select(ProcessInstance.business_key).where(ProcessInstance.business_key.in_(keys))
        )
    )
    return [department_id for key, department_id in keys.items() if key not in started]
