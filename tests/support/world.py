"""A lived-in year for web tests: the demo province run through its whole cycle, once per
backend, with a password and an API token for a user of every role; copied per test."""

from __future__ import annotations

import shutil
import uuid
from dataclasses import dataclass, field

from sqlalchemy import func, select, text, update

from engine.db import create_db_engine, session_factory, unit_of_work
from engine.demo.main import run_demo
from engine.identity.passwords import hash_password
from engine.identity.users import issue_token
from engine.models import Alert, Evaluation, Organisation, Project, User
from engine.models.enums import OrgKind
from engine.synthetic.province import SeedRequest, seed_province
from tests.support.pending_decision import leave_one_unconfirmed
from tests.support.shared import Shared

YEAR, PROJECTS, UNITS, SEED = 2026, 36, 36, 7
PASSWORD = "correct-horse-battery"
ROLES = ("unit", "department", "finance", "performance", "evaluator", "supervisor")


@dataclass(frozen=True)
class Account:
    role: str
    login: str
    user_id: int
    org_id: int
    token: str


@dataclass
class World:
    """Who is who in the lived-in year (the same in every copy)."""

    accounts: dict[str, Account] = field(default_factory=dict)
    # Accounts outside the main accounts' scopes, to prove what is not visible.
    strangers: dict[str, Account] = field(default_factory=dict)
    # The code of next year's project whose funding decision waits for the finance desk.
    pending_decision: str | None = None

    def __getitem__(self, role: str) -> Account:
        return self.accounts[role]

    def headers(self, role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.accounts[role].token}"}


def live_a_year(url: str) -> World:
    """Run the demo year into the database at `url` and pick the accounts."""
    engine = create_db_engine(url)
    try:
        sessions = session_factory(engine)
        # Seeded first with more units than a 30-project demo would get, so that the year
        # spans several departments and finance desks (scopes need someone to keep out).
        with unit_of_work(sessions) as session:
            seed_province(
                session, SeedRequest(year=YEAR, projects=PROJECTS, units=UNITS, seed=SEED)
            )
        run_demo(engine, sessions, year=YEAR, projects=PROJECTS, seed=SEED)
        with unit_of_work(sessions) as session:
            session.execute(update(User).values(password_hash=hash_password(PASSWORD)))
            world = _pick_accounts(session)
        world.pending_decision = leave_one_unconfirmed(
            engine, YEAR + 1, world["department"].org_id, world["unit"].org_id, SEED
        )
        return world
    finally:
        engine.dispose()


def _pick_accounts(session) -> World:
    busiest_unit = session.scalar(
        select(Project.unit_id)
        .join(Alert, Alert.project_id == Project.id)
        .group_by(Project.unit_id)
        .order_by(func.count().desc(), Project.unit_id)
        .limit(1)
    )
    unit = session.get(Organisation, busiest_unit)
    department = unit.parent
    evaluator_id = session.scalar(
        select(Evaluation.evaluator_org_id)
        .join(Organisation, Organisation.id == Evaluation.evaluator_org_id)
        .where(Organisation.kind == OrgKind.EVALUATOR)
        .group_by(Evaluation.evaluator_org_id)
        .order_by(func.count().desc(), Evaluation.evaluator_org_id)
        .limit(1)
    )
    orgs = {
        "unit": unit.id,
        "department": department.id,
        "finance": department.finance_desk_id,
        "performance": _first_of_kind(session, OrgKind.PERFORMANCE),
        "evaluator": evaluator_id or _first_of_kind(session, OrgKind.EVALUATOR),
        "supervisor": _first_of_kind(session, OrgKind.OVERSIGHT),
    }
    world = World(accounts={role: _account(session, role, orgs[role]) for role in ROLES})
    other_unit = session.scalar(
        select(Project.unit_id)
        .join(Organisation, Organisation.id == Project.unit_id)
        .where(Organisation.parent_id != department.id)
        .order_by(Project.unit_id)
        .limit(1)
    )
    world.strangers["unit"] = _account(session, "unit", other_unit)
    other_evaluator = session.scalar(
        select(Organisation.id)
        .where(Organisation.kind == OrgKind.EVALUATOR, Organisation.id != orgs["evaluator"])
        .order_by(Organisation.id)
        .limit(1)
    )
    world.strangers["evaluator"] = _account(session, "evaluator", other_evaluator)
    return world


def _first_of_kind(session, kind: OrgKind) -> int:
    return session.scalar(
        select(Organisation.id).where(Organisation.kind == kind).order_by(Organisation.id)
    )


def _account(session, role: str, org_id: int) -> Account:
    user = session.scalars(
        select(User).where(User.organisation_id == org_id, User.role == role).order_by(User.id)
    ).first()
    return Account(role, user.login, user.id, org_id, issue_token(session, user))


class SqliteWorld:
    """The lived-in year in a SQLite file, built once per run (`shared`), copied per test."""

    def __init__(self, shared: Shared, templates) -> None:
        self.root = shared.folder("sqlite-world")
        self.template = self.root / "world.sqlite3"

        def build() -> World:
            shutil.copyfile(templates.template, self.template)
            return live_a_year(f"sqlite:///{self.template}")

        self.world = shared.once("sqlite-world", build)

    def fresh(self) -> str:
        path = self.root / f"world-{uuid.uuid4().hex[:8]}.sqlite3"
        shutil.copyfile(self.template, path)
        return f"sqlite:///{path}"


class PostgresWorld:
    """The lived-in year in a PostgreSQL template database, built once per run (`shared`) in
    the run's cluster, cloned per test."""

    def __init__(self, shared: Shared, templates) -> None:
        self.templates = templates

        def build() -> tuple[str, World]:
            url = templates.fresh()
            return url.rsplit("/", 1)[1], live_a_year(url)

        self.name, self.world = shared.once("postgres-world", build)

    def fresh(self) -> str:
        name = f"w_{uuid.uuid4().hex[:12]}"
        with self.templates.admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{self.name}"'))
        return self.templates.cluster.url(name)
