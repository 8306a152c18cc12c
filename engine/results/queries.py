"""Result application as the caller may see it: rule sets, funding decisions, allocations and
what has been disclosed to the public. Read models shared by the API and the pages."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased, defer

from engine.actors import Actor
from engine.cycle.start import business_key
from engine.errors import NotFound
from engine.identity.access import project_scope
from engine.identity.permissions import Permission, require
from engine.models import (
    AccountabilityAction,
    Allocation,
    Disclosure,
    FiscalYear,
    FundingDecision,
    HumanTask,
    Organisation,
    Project,
)
from engine.models import RuleSet as RuleSetRow
from engine.models.enums import DecisionStatus, DisclosureKind
from engine.paging import Page, paginate, sort_by

# Rule sets are policy, not project data: who reads, writes and simulates them is the
# permission table's READ_RULESETS, WRITE_RULESETS and SIMULATE_RULESETS.
CONFIRMATION_FORM = "decision_confirmation"
PUBLIC_KINDS = (DisclosureKind.TARGETS, DisclosureKind.GRADE)

RULESET_SORTS = {"id": RuleSetRow.id, "version": RuleSetRow.version}
DECISION_SORTS = {"id": FundingDecision.id}
DISCLOSURE_SORTS = {"code": Project.code, "id": Project.id}

Unit, Department = aliased(Organisation), aliased(Organisation)


def ruleset_ref(row: RuleSetRow | None) -> str | None:
    """`name/region/year@version`, as the rules layer names a stored version."""
    if row is None:
        return None
    return f"{row.name}/{row.region_code}/{row.fiscal_year}@{row.version}"


# --- rule sets -------------------------------------------------------------------------------


def default_region(session: Session, year: int | None = None) -> str | None:
    """The region whose fiscal year `year` (or the latest) exists; None on an empty database."""
    stmt = select(FiscalYear.region_code).order_by(FiscalYear.year.desc(), FiscalYear.region_code)
    if year is not None:
        stmt = stmt.where(FiscalYear.year == year)
    return session.scalars(stmt.limit(1)).first()


def list_rule_sets(
    session: Session,
    actor: Actor,
    region: str | None,
    year: int | None,
    page: int,
    per_page: int,
    sort: str | None = None,
) -> Page:
    require(actor, Permission.READ_RULESETS, "reading rule sets")
    stmt = select(RuleSetRow)
    if region:
        stmt = stmt.where(RuleSetRow.region_code == region)
    if year is not None:
        stmt = stmt.where(RuleSetRow.fiscal_year == year)
    return paginate(
        session, sort_by(stmt, sort or "-id", RULESET_SORTS, RuleSetRow.id), page, per_page
    )


def get_rule_set(session: Session, actor: Actor, ruleset_id: int) -> RuleSetRow:
    require(actor, Permission.READ_RULESETS, "reading rule sets")
    row = session.get(RuleSetRow, ruleset_id)
    if row is None:
        raise NotFound(
            f"no rule set {ruleset_id}",
            errors={"rule_set": "not found"},
            key="no_rule_set",
            params={"id": ruleset_id},
        )
    return row


def latest_decision_year(session: Session) -> int | None:
    """The last year whose results were applied: the newest with settled funding decisions
    (what a simulation replays by default); else the newest with any."""
    settled = session.scalar(
        select(func.max(FiscalYear.year)).where(
            FiscalYear.id.in_(
                select(FundingDecision.fiscal_year_id).where(
                    FundingDecision.status != DecisionStatus.PROPOSED
                )
            )
        )
    )
    if settled is not None:
        return settled
    return session.scalar(
        select(func.max(FiscalYear.year)).where(
            FiscalYear.id.in_(select(FundingDecision.fiscal_year_id))
        )
    )


# --- funding decisions -----------------------------------------------------------------------


@dataclass(frozen=True)
class DecisionFilter:
    year: int | None = None
    kind: str | None = None
    status: str | None = None
    needs_review: bool | None = None
    department_id: int | None = None
    grade: str | None = None  # the evaluation grade the rules read (facts.grade)


@dataclass
class DecisionRow:
    """A decision with what a reader needs beside it."""

    decision: FundingDecision
    project: Project
    unit: Organisation
    department: Organisation | None
    year: int
    rule_set: RuleSetRow | None
    task_id: int | None = None
    actions: list[AccountabilityAction] = field(default_factory=list)
    allocation: Allocation | None = None

    @property
    def ruleset(self) -> str | None:
        return ruleset_ref(self.rule_set)

    @property
    def effective_factor(self) -> Decimal:
        d = self.decision
        return d.override_factor if d.override_factor is not None else d.factor


def _decision_rows():
    return (
        select(FundingDecision, Project, Unit, Department, FiscalYear.year, RuleSetRow)
        .join(Project, Project.id == FundingDecision.project_id)
        .join(Unit, Unit.id == Project.unit_id)
        .outerjoin(Department, Department.id == Unit.parent_id)
        .join(FiscalYear, FiscalYear.id == FundingDecision.fiscal_year_id)
        .outerjoin(RuleSetRow, RuleSetRow.id == FundingDecision.rule_set_id)
        .options(defer(RuleSetRow.body))
    )


def _decisions(actor: Actor):
    return _decision_rows().where(project_scope(actor, Project.id, Project.unit_id))


def ready_confirmations(session: Session, projects: list[Project]) -> dict[int, int]:
    """Project id → its ready decision-confirmation task."""
    keys = {business_key(project): project.id for project in projects}
    if not keys:
        return {}
    rows = session.execute(
        select(HumanTask.id, HumanTask.business_key).where(
            HumanTask.form == CONFIRMATION_FORM,
            HumanTask.status == "ready",
            HumanTask.business_key.in_(keys),
        )
    )
    return {keys[key]: task_id for task_id, key in rows}


def list_decisions(
    session: Session, actor: Actor, where: DecisionFilter, page: int, per_page: int, sort=None
) -> Page:
    stmt = _decisions(actor)
    if where.year is not None:
        stmt = stmt.where(FiscalYear.year == where.year)
    if where.kind:
        stmt = stmt.where(FundingDecision.kind == where.kind)
    if where.status:
        stmt = stmt.where(FundingDecision.status == where.status)
    if where.needs_review is not None:
        stmt = stmt.where(FundingDecision.needs_review.is_(where.needs_review))
    if where.department_id is not None:
        stmt = stmt.where(Unit.parent_id == where.department_id)
    if where.grade:
        stmt = stmt.where(FundingDecision.facts["grade"].as_string() == where.grade)
    stmt = sort_by(stmt, sort, DECISION_SORTS, FundingDecision.id)
    result = paginate(session, stmt, page, per_page, scalars=False)
    rows = [DecisionRow(*row) for row in result.items]
    tasks = ready_confirmations(session, [row.project for row in rows])
    for row in rows:
        row.task_id = tasks.get(row.project.id)
    return Page(rows, result.page, result.per_page, result.total)


MAX_DECISION_ID = 2**31 - 1


def get_decision(session: Session, actor: Actor, decision_id: int) -> DecisionRow:
    """A decision the caller may see, with its actions, allocation and ready confirmation."""
    # Decision ids are INTEGER columns: a larger number names nothing, and PostgreSQL would
    # refuse to compare it rather than find no row.
    in_range = 1 <= decision_id <= MAX_DECISION_ID
    found = (
        session.execute(_decisions(actor).where(FundingDecision.id == decision_id)).first()
        if in_range
        else None
    )
    if found is None:
        raise NotFound(
            f"no funding decision {decision_id}",
            errors={"decision": "not found"},
            key="no_funding_decision",
            params={"id": decision_id},
        )
    row = DecisionRow(*found)
    row.actions = list(
        session.scalars(
            select(AccountabilityAction)
            .where(AccountabilityAction.decision_id == decision_id)
            .order_by(AccountabilityAction.id)
        )
    )
    row.allocation = session.scalars(
        select(Allocation).where(Allocation.decision_id == decision_id).order_by(Allocation.id)
    ).first()
    row.task_id = ready_confirmations(session, [row.project]).get(row.project.id)
    return row


# --- disclosure ------------------------------------------------------------------------------


@dataclass
class DisclosedProject:
    """What the public may read about one project: its targets and its grade."""

    project: Project
    unit: Organisation
    department: Organisation | None
    year: int
    grade: str | None = None
    score: str | None = None
    goal: str | None = None
    indicators: list[dict] = field(default_factory=list)
    disclosed_at: datetime | None = None


@dataclass(frozen=True)
class DisclosureFilter:
    year: int | None = None
    department_id: int | None = None
    q: str | None = None


def _disclosed_ids():
    return select(Disclosure.project_id).where(
        Disclosure.withdrawn_at.is_(None), Disclosure.kind.in_(PUBLIC_KINDS)
    )


def list_disclosures(
    session: Session, where: DisclosureFilter, page: int, per_page: int, sort=None
) -> Page:
    """Disclosed projects (anyone may read them, logged in or not), with targets and grade."""
    stmt = (
        select(Project, Unit, Department, FiscalYear.year)
        .join(Unit, Unit.id == Project.unit_id)
        .outerjoin(Department, Department.id == Unit.parent_id)
        .join(FiscalYear, FiscalYear.id == Project.fiscal_year_id)
        .where(Project.id.in_(_disclosed_ids()))
    )
    if where.year is not None:
        stmt = stmt.where(FiscalYear.year == where.year)
    if where.department_id is not None:
        stmt = stmt.where(Unit.parent_id == where.department_id)
    if where.q:
        stmt = stmt.where(Project.name.contains(where.q, autoescape=True))
    result = paginate(
        session, sort_by(stmt, sort, DISCLOSURE_SORTS, Project.id), page, per_page, scalars=False
    )
    items = [DisclosedProject(*row) for row in result.items]
    by_project = {item.project.id: item for item in items}
    if by_project:
        published = session.scalars(
            select(Disclosure)
            .where(
                Disclosure.project_id.in_(by_project),
                Disclosure.withdrawn_at.is_(None),
                Disclosure.kind.in_(PUBLIC_KINDS),
            )
            .order_by(Disclosure.id)
        )
        for disclosure in published:  # the latest of each kind wins
            item = by_project[disclosure.project_id]
            payload = disclosure.payload or {}
            if disclosure.kind is DisclosureKind.GRADE:
                item.grade, item.score = payload.get("grade"), payload.get("score")
            else:
                item.goal = payload.get("goal")
                item.indicators = list(payload.get("indicators") or [])
            item.disclosed_at = max(filter(None, (item.disclosed_at, disclosure.disclosed_at)))
    return Page(items, result.page, result.per_page, result.total)


def disclosure_choices(session: Session) -> tuple[list[tuple[int, str]], list[int]]:
    """The departments and years that have disclosed projects (the public page's filters)."""
    departments = session.execute(
        select(Department.id, Department.name)
        .join(Unit, Unit.parent_id == Department.id)
        .join(Project, Project.unit_id == Unit.id)
        .where(Project.id.in_(_disclosed_ids()))
        .group_by(Department.id, Department.name, Department.code)
        .order_by(Department.code)
    ).all()
    years = session.scalars(
        select(FiscalYear.year)
        .join(Project, Project.fiscal_year_id == FiscalYear.id)
        .where(Project.id.in_(_disclosed_ids()))
        .group_by(FiscalYear.year)
        .order_by(FiscalYear.year.desc())
    ).all()
    return [(i, n) for i, n in departments], list(years)


def latest_decision_of(session: Session, project_id: int) -> DecisionRow | None:
    """The project's newest decision (for a task page whose access is already checked)."""
    found = session.execute(
        _decision_rows()
        .where(FundingDecision.project_id == project_id)
        .order_by(FundingDecision.id.desc())
        .limit(1)
    ).first()
    return DecisionRow(*found) if found is not None else None
