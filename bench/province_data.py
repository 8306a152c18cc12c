"""A province loaded for read benchmarks: seeded projects, a monitoring round with its alerts,
funding decisions and next year's allocations, and a full inbox — all written set-based.

The projects come from `budgetloop seed` (engine.synthetic.province), the Jan–Jul reports and
their rows from engine.synthetic.monitoring (as bench/alerts.py), the alerts from
engine.monitoring.set_based. Decisions are made by the real rules host over the default rule
set, one batch for every project, and stored with executemany, as are allocations, accountability
actions, process instances and user tasks: nothing here goes through the ORM one row at a time.
"""

from __future__ import annotations

import hashlib
import random
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import func, insert, select, text
from sqlalchemy.orm import Session, aliased

from engine.composition import register_areas
from engine.db import create_db_engine, session_factory
from engine.identity.users import issue_token
from engine.models import (
    AccountabilityAction,
    Alert,
    Allocation,
    FiscalYear,
    FundingDecision,
    HumanTask,
    Organisation,
    ProcessDefinition,
    ProcessInstance,
    ProcessSpec,
    Project,
    User,
)
from engine.models.enums import AccountabilityKind, DecisionKind, DecisionStatus, Role
from engine.monitoring.set_based import compute_round
from engine.results import rulesets
from engine.synthetic.monitoring import generate_reports, issue_task
from engine.synthetic.province import SeedRequest, seed_province
from rules import Facts
from rules.host import host
from tests.support.databases import migrate

YEAR = 2026
BATCH = 5_000
CENT = Decimal("0.01")
# The grade mix of the simulated 10,000-project year (README): A 76 %, B 17 %, C 5 %, D 2 %.
GRADES = (["A", "B", "C", "D"], [76, 17, 5, 2])
# Decisions the finance desk has not confirmed yet: no allocation, a confirmation task instead.
UNCONFIRMED = 0.1
NOW = datetime(2026, 8, 20, 9, 0, tzinfo=UTC)


@dataclass
class Loaded:
    """What the benchmark needs to know about the loaded province."""

    projects: int = 0
    rows: dict[str, int] = field(default_factory=dict)
    stages: dict[str, float] = field(default_factory=dict)
    # role → bearer token of one user; the unit and department are the busiest.
    tokens: dict[str, str] = field(default_factory=dict)
    department_id: int = 0
    unit_id: int = 0


def load(url: str, projects: int, seed: int = 3) -> Loaded:
    """Migrate `url` and fill it; returns tokens and the ids the requests need."""
    loaded = Loaded(projects=projects)
    migrate(url)
    engine = create_db_engine(url)
    sessions = session_factory(engine)
    rng = random.Random(seed)
    register_areas()  # the alert families
    try:
        with _stage(loaded, "seed"), sessions() as session, session.begin():
            seed_province(session, SeedRequest(year=YEAR, projects=projects, seed=seed))
        with _stage(loaded, "monitoring"), sessions() as session, session.begin():
            year = session.scalars(select(FiscalYear).where(FiscalYear.year == YEAR)).one()
            task_id = issue_task(session, year, 7, "jan_jul")
            generate_reports(session, task_id, rng)
        with _stage(loaded, "alerts"), sessions() as session, session.begin():
            compute_round(session, task_id, now=NOW)
        with _stage(loaded, "decisions"), sessions() as session, session.begin():
            _decide(session, rng)
        with _stage(loaded, "tasks"), sessions() as session, session.begin():
            _tasks(session, rng)
        with _stage(loaded, "tokens"), sessions() as session, session.begin():
            _tokens(session, loaded)
        with _stage(loaded, "analyze"):
            _analyze(engine)
        with sessions() as session:
            for model in (Project, Alert, FundingDecision, Allocation, HumanTask):
                loaded.rows[model.__tablename__] = session.scalar(
                    select(func.count()).select_from(model)
                )
    finally:
        engine.dispose()
    return loaded


class _stage:
    def __init__(self, loaded: Loaded, name: str) -> None:
        self.loaded, self.name = loaded, name

    def __enter__(self) -> None:
        self.started = time.perf_counter()

    def __exit__(self, *_) -> None:
        self.loaded.stages[self.name] = time.perf_counter() - self.started


def _batches(rows: list, size: int = BATCH):
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def _decide(session: Session, rng: random.Random) -> None:
    """Every project's outcome through the default rule set; confirmed ones get an allocation."""
    year = session.scalars(select(FiscalYear).where(FiscalYear.year == YEAR)).one()
    following = FiscalYear(region_code=year.region_code, year=YEAR + 1)
    session.add(following)
    session.flush()
    ruleset_row, ruleset = rulesets.active(session, year.region_code, YEAR)
    projects = session.execute(
        select(
            Project.id,
            Project.code,
            Project.unit_id,
            Project.is_continuing,
            Project.is_livelihood_exempt,
            Project.requested_amount,
        )
        .where(Project.fiscal_year_id == year.id)
        .order_by(Project.id)
    ).all()
    # Departments in a random order of merit, as engine.evaluation.department_ranks would rank them.
    parents = dict(
        session.execute(
            select(Organisation.id, Organisation.parent_id).where(
                Organisation.parent_id.is_not(None)
            )
        ).all()
    )
    departments = sorted(set(parents.values()))
    rng.shuffle(departments)
    ranks = {department: rank for rank, department in enumerate(departments, start=1)}
    facts = [
        Facts(
            project_code=code,
            year=YEAR,
            grade=rng.choices(*GRADES)[0],
            is_continuing=continuing,
            is_livelihood_exempt=exempt,
            execution_rate=Decimal(rng.randint(350, 1_000)) / 1_000,
            rectification_overdue=rng.random() < 0.01,
            department_rank=ranks.get(parents.get(unit_id)),
        )
        for _, code, unit_id, continuing, exempt, _ in projects
    ]
    decisions = host().evaluate_many(ruleset, facts)
    for batch in _batches(list(zip(projects, decisions, strict=True))):
        confirmed = [rng.random() >= UNCONFIRMED for _ in batch]
        ids = session.scalars(
            insert(FundingDecision).returning(FundingDecision.id, sort_by_parameter_order=True),
            [
                {
                    "project_id": project.id,
                    "fiscal_year_id": year.id,
                    "rule_set_id": ruleset_row.id,
                    "kind": DecisionKind(decision.kind.value),
                    "factor": decision.factor,
                    "facts": decision.facts,
                    "fired_rules": list(decision.fired),
                    "needs_review": decision.needs_review,
                    # Idle funds: the unspent balance, as apply_rules records it.
                    "reclaim_amount": _unspent(project, decision) if decision.reclaim else None,
                    "status": DecisionStatus.CONFIRMED if ok else DecisionStatus.PROPOSED,
                    "decided_at": NOW,
                    "confirmed_at": NOW if ok else None,
                }
                for (project, decision), ok in zip(batch, confirmed, strict=True)
            ],
        ).all()
        actions = [
            {
                "project_id": project.id,
                "decision_id": decision_id,
                "organisation_id": project.unit_id,
                "kind": AccountabilityKind(action.value),
                "created_at": NOW,
            }
            for (project, decision), decision_id in zip(batch, ids, strict=True)
            for action in decision.actions
        ]
        if actions:
            session.execute(insert(AccountabilityAction), actions)
        session.execute(
            insert(Allocation),
            [
                {
                    "project_id": project.id,
                    "fiscal_year_id": following.id,
                    "decision_id": decision_id,
                    "requested": project.requested_amount,
                    "factor": decision.factor.quantize(Decimal("0.0001")),
                    "amount": (project.requested_amount * decision.factor).quantize(
                        CENT, ROUND_HALF_UP
                    ),
                    "overridden": False,
                    "decided_at": NOW,
                }
                for (project, decision), decision_id, ok in zip(batch, ids, confirmed, strict=True)
                if ok
            ],
        )


def _tasks(session: Session, rng: random.Random) -> None:
    """A budget cycle per project, and the ready tasks of a busy August.

    Every unit fills in each project's Jan–Jul monitoring report; every department reviews
    each of its units' projects (target changes); every unconfirmed decision waits for its
    finance desk. The instances' state is never read by the endpoints measured, so it is empty.
    """
    source = "<definitions><!-- benchmark placeholder: instances are never run --></definitions>"
    sha = hashlib.sha256(source.encode()).hexdigest()
    session.add(ProcessSpec(sha256=sha, body="{}", versions={}))
    definition = ProcessDefinition(
        key="bench_cycle",
        version=1,
        kind="bpmn",
        file_name="bench_cycle.bpmn",
        sha256=sha,
        source=source,
        provides=["bench_cycle"],
        deployed_by="bench",
    )
    session.add(definition)
    session.flush()
    Unit = aliased(Organisation)
    Department = aliased(Organisation)
    projects = session.execute(
        select(Project.code, Project.unit_id, Unit.parent_id, Department.finance_desk_id)
        .join(Unit, Unit.id == Project.unit_id)
        .join(Department, Department.id == Unit.parent_id)
        .order_by(Project.id)
    ).all()
    unconfirmed = set(
        session.scalars(
            select(Project.code)
            .join(FundingDecision, FundingDecision.project_id == Project.id)
            .where(FundingDecision.status == DecisionStatus.PROPOSED)
        )
    )
    for batch in _batches(projects):
        ids = session.scalars(
            insert(ProcessInstance).returning(ProcessInstance.id, sort_by_parameter_order=True),
            [
                {
                    "definition_id": definition.id,
                    "process_key": "budget_cycle",
                    "business_key": f"cycle:{code}",
                    "spec_sha256": sha,
                    "status": "running",
                    "state": "{}",
                    "created_at": NOW - timedelta(days=230),
                    "updated_at": NOW,
                }
                for code, *_ in batch
            ],
        ).all()
        tasks = []
        for (code, unit_id, department_id, desk_id), instance_id in zip(batch, ids, strict=True):
            created = NOW - timedelta(minutes=rng.randint(0, 30 * 24 * 60))
            ready = _ReadyTask(rng, instance_id, f"cycle:{code}", created)
            tasks.append(ready.row(*FILL_REPORT, unit_id))
            tasks.append(ready.row(*DEPARTMENT_REVIEW, department_id, later=timedelta(hours=1)))
            if code in unconfirmed:
                tasks.append(ready.row(*CONFIRM_DECISION, desk_id))
        session.execute(insert(HumanTask), tasks)


# (element id, name, called process, role, form) as the shipped BPMN definitions have them.
FILL_REPORT = (
    "Task_FillMonitoringReport",
    "填报监控报告",
    "monitoring",
    "unit",
    "monitoring_report",
)
DEPARTMENT_REVIEW = ("Task_DepartmentReview", "主管部门审核", "review", "department", "review")
CONFIRM_DECISION = (
    "Task_ConfirmAllocation",
    "确认资金安排",
    "budget_adjustment",
    "finance",
    "decision_confirmation",
)


@dataclass(frozen=True)
class _ReadyTask:
    rng: random.Random
    instance_id: int
    business_key: str
    created: datetime

    def row(self, element, name, process, role, form, org, later=timedelta(0)) -> dict:
        created = self.created + later
        return {
            "instance_id": self.instance_id,
            "task_id": str(uuid.UUID(int=self.rng.getrandbits(128))),
            "element_id": element,
            "name": name,
            "process_key": process,
            "role": role,
            "org_id": org,
            "form": form,
            "business_key": self.business_key,
            "status": "ready",
            "due_at": created + timedelta(days=10),
            "created_at": created,
        }


def _tokens(session: Session, loaded: Loaded) -> None:
    """A token for one user per role; the department with the most projects, and its busiest
    unit, stand for the worst-placed department and unit clients."""
    Unit = aliased(Organisation)
    busiest = (
        select(Unit.parent_id, func.count())
        .select_from(Project)
        .join(Unit, Unit.id == Project.unit_id)
        .group_by(Unit.parent_id)
        .order_by(func.count().desc(), Unit.parent_id)
        .limit(1)
    )
    loaded.department_id = session.execute(busiest).first()[0]
    loaded.unit_id = session.execute(
        select(Project.unit_id, func.count())
        .join(Unit, Unit.id == Project.unit_id)
        .where(Unit.parent_id == loaded.department_id)
        .group_by(Project.unit_id)
        .order_by(func.count().desc(), Project.unit_id)
        .limit(1)
    ).first()[0]
    desk = session.get(Organisation, loaded.department_id).finance_desk_id
    org_of = {
        Role.UNIT: loaded.unit_id,
        Role.DEPARTMENT: loaded.department_id,
        Role.FINANCE: desk,
    }
    for role in (Role.UNIT, Role.DEPARTMENT, Role.FINANCE, Role.PERFORMANCE, Role.SUPERVISOR):
        stmt = select(User).where(User.role == role).order_by(User.id).limit(1)
        if role in org_of:
            stmt = stmt.where(User.organisation_id == org_of[role])
        loaded.tokens[role.value] = issue_token(session, session.scalars(stmt).one())


def _analyze(engine) -> None:
    """Planner statistics, as a database in service has them (autovacuum; `ANALYZE` on SQLite)."""
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE"))
    else:
        with engine.begin() as connection:
            connection.execute(text("ANALYZE"))


def describe(loaded: Loaded) -> str:
    stages = ", ".join(f"{name} {seconds:.1f} s" for name, seconds in loaded.stages.items())
    rows = ", ".join(f"{count:,} {name}" for name, count in loaded.rows.items())
    return f"{rows}\n  loaded in: {stages}"


def _unspent(project, decision) -> Decimal:
    rate = Decimal(decision.facts["execution_rate"])
    return (project.requested_amount * (1 - rate)).quantize(Decimal("0.01"))
