"""The province's organisations and their users: departments, units, finance desks, …"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.models import Organisation, User
from engine.models.enums import OrgKind, Role
from engine.synthetic import names
from engine.synthetic.draw import ordinal, person_name

MAX_UNITS_PER_DEPARTMENT = 999
EVALUATOR_FIRMS = 12
# How many budget units a department of each functional class tends to supervise, relative to
# the average: schools and hospitals are numerous, party and government offices few.
UNITS_BY_CLASS = {
    "201": 0.45,
    "203": 0.3,
    "204": 1.2,
    "205": 3.0,
    "206": 1.0,
    "207": 1.0,
    "208": 1.6,
    "210": 2.6,
    "211": 1.0,
    "212": 1.2,
    "213": 2.0,
    "214": 1.3,
    "220": 1.0,
    "221": 0.8,
    "224": 0.8,
    "229": 0.6,
}


@dataclass(frozen=True)
class UnitInfo:
    """What project generation needs to know about a unit."""

    id: int
    place: str | None
    functional_class: str


def default_unit_count(projects: int) -> int:
    """About six projects a unit, capped at a large province's 2,000 units."""
    return max(1, min(2000, math.ceil(projects / 6)))


def department_count(units: int) -> int:
    """About sixteen units a department, between 1 and the 100 departments we have names for."""
    return max(1, min(len(names.DEPARTMENTS), math.ceil(units / 16)))


def existing_units(session: Session, region_code: str) -> list[UnitInfo]:
    """The units a region already has (seeding another year reuses them)."""
    rows = session.execute(
        select(Organisation.id, Organisation.name, Organisation.functional_class)
        .where(Organisation.region_code == region_code, Organisation.kind == OrgKind.UNIT)
        .order_by(Organisation.id)
    ).all()
    return [UnitInfo(row.id, _place_of(row.name), row.functional_class) for row in rows]


def _place_of(unit_name: str) -> str | None:
    for place in names.CITIES_AND_COUNTIES:
        if unit_name.startswith(place):
            return place
    return None


def create(session: Session, rng: random.Random, region_code: str, units: int) -> list[UnitInfo]:
    """Create finance desks, the performance division, oversight, evaluators, departments, units."""
    desks = _finance_desks(session, region_code)
    _single(session, region_code, OrgKind.PERFORMANCE, *names.PERFORMANCE_DIVISION)
    for code, name in names.OVERSIGHT_BODIES:
        _single(session, region_code, OrgKind.OVERSIGHT, code, name)
    for index, name in enumerate(rng.sample(names.EVALUATOR_FIRMS, EVALUATOR_FIRMS), start=1):
        _single(session, region_code, OrgKind.EVALUATOR, f"E{index:03d}", name)

    chosen = sorted(_weighted_sample(rng, names.DEPARTMENTS, department_count(units)))
    departments = []
    for code, name, functional_class in chosen:
        department = Organisation(
            code=code,
            name=name,
            kind=OrgKind.DEPARTMENT,
            region_code=region_code,
            functional_class=functional_class,
            finance_desk_id=desks[functional_class].id,
        )
        session.add(department)
        departments.append(department)
    session.flush()

    infos = _units(session, rng, region_code, departments, units)
    _users(session, rng, region_code)
    return infos


def _weighted_sample(rng, departments, count):
    """Departments without replacement, big-spending classes first (Efraimidis–Spirakis keys)."""
    keyed = sorted(
        departments,
        key=lambda d: rng.random() ** (1 / UNITS_BY_CLASS[d[2]]),
        reverse=True,
    )
    return keyed[:count]


def _finance_desks(session: Session, region_code: str) -> dict[str, Organisation]:
    by_class: dict[str, Organisation] = {}
    for code, name, classes in names.FINANCE_DESKS:
        desk = _single(session, region_code, OrgKind.FINANCE, code, name)
        for functional_class in classes:
            by_class[functional_class] = desk
    return by_class


def _single(session, region_code, kind, code, name) -> Organisation:
    organisation = Organisation(code=code, name=name, kind=kind, region_code=region_code)
    session.add(organisation)
    session.flush()
    return organisation


def _units(session, rng, region_code, departments, count) -> list[UnitInfo]:
    # Departments differ in size: weight them so some have many units and some few.
    weights = [rng.lognormvariate(0, 0.6) * UNITS_BY_CLASS[d.functional_class] for d in departments]
    assigned = [1] * len(departments)  # every department supervises at least one unit
    for _ in range(count - len(departments)):
        index = rng.choices(range(len(departments)), weights)[0]
        while assigned[index] >= MAX_UNITS_PER_DEPARTMENT:
            index = (index + 1) % len(departments)
        assigned[index] += 1
    taken: set[str] = set()
    units: list[tuple[Organisation, str | None]] = []
    for department, how_many in zip(departments, assigned, strict=True):
        for serial in range(1, how_many + 1):
            name, place = _unit_name(rng, department.functional_class, taken)
            unit = Organisation(
                code=f"{department.code}{serial:03d}",
                name=name,
                kind=OrgKind.UNIT,
                region_code=region_code,
                parent_id=department.id,
                functional_class=department.functional_class,
            )
            session.add(unit)
            units.append((unit, place))
    session.flush()
    return [UnitInfo(unit.id, place, unit.functional_class) for unit, place in units]


def _unit_name(rng, functional_class, taken) -> tuple[str, str | None]:
    patterns = names.UNIT_PATTERNS[functional_class]
    for _ in range(30):
        place = rng.choice(names.CITIES_AND_COUNTIES)
        name = rng.choice(patterns).format(place=place, n=ordinal(rng))
        if name not in taken:
            break
    else:
        # Small classes run out of distinct names in a very large province: number the rest.
        name = f"{name}（{len(taken)}）"
    taken.add(name)
    return name, place if name.startswith(place) else None


ROLE_OF_KIND = {
    OrgKind.UNIT: Role.UNIT,
    OrgKind.DEPARTMENT: Role.DEPARTMENT,
    OrgKind.FINANCE: Role.FINANCE,
    OrgKind.PERFORMANCE: Role.PERFORMANCE,
    OrgKind.EVALUATOR: Role.EVALUATOR,
    OrgKind.OVERSIGHT: Role.SUPERVISOR,
}


def _users(session: Session, rng: random.Random, region_code: str) -> None:
    """One staff member per organisation (login = role + organisation code), no password yet."""
    organisations = session.execute(
        select(Organisation.id, Organisation.code, Organisation.kind)
        .where(Organisation.region_code == region_code)
        .order_by(Organisation.id)
    ).all()
    for org in organisations:
        role = ROLE_OF_KIND[org.kind]
        session.add(
            User(
                login=f"{role.value}.{org.code}".lower(),
                display_name=person_name(rng, names.SURNAMES, names.GIVEN_NAME_CHARS),
                role=role,
                organisation_id=org.id,
            )
        )
    session.flush()
