"""Next year's allocations as the caller may see them: the paged list, the whole year for
the Excel export, and this year → next year per department."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.orm import Session, aliased, defer

from engine.actors import Actor
from engine.identity.access import in_department, project_scope, projects_in_scope
from engine.models import Allocation, FiscalYear, FundingDecision, Organisation, Project
from engine.models import RuleSet as RuleSetRow
from engine.paging import Page, paginate_keys, sort_by
from engine.results.queries import ruleset_ref

ALLOCATION_SORTS = {"id": Allocation.id, "code": Project.code}

Unit, Department = aliased(Organisation), aliased(Organisation)


@dataclass(frozen=True)
class AllocationRow:
    allocation: Allocation
    project: Project
    unit: Organisation
    department: Organisation | None
    year: int
    next_year: int
    decision: FundingDecision | None
    rule_set: RuleSetRow | None

    @property
    def this_year(self) -> Decimal:
        return self.project.approved_amount or self.project.requested_amount

    @property
    def change(self) -> Decimal:
        return self.allocation.amount - self.this_year

    @property
    def ruleset(self) -> str | None:
        return ruleset_ref(self.rule_set)

    @property
    def rules(self) -> list[str]:
        return list(self.decision.fired_rules) if self.decision is not None else []


# An allocation funds the year after its project's (engine/cycle/start.py: next_fiscal_year,
# the region's year + 1), so "this year's allocations" are those funding next year: the
# condition then sits on the allocation's own indexed column instead of a join to projects.


def _projects_in(actor: Actor, department_id: int | None = None):
    """Conditions limiting allocations to the projects in scope (and of one department)."""
    of_department = () if department_id is None else (in_department(department_id),)
    projects = projects_in_scope(actor, *of_department)
    return [] if projects is None else [Allocation.project_id.in_(projects)]


def latest_allocation_year(session: Session, actor: Actor) -> int | None:
    """The newest evaluated year with allocations the caller may see."""
    # Newest first, one probe per fiscal year (there are a handful) until one funds something.
    # In one statement, PostgreSQL hashed every allocation (EXISTS, max() over a join) or, with
    # two years on record, scanned the table for the year that has none.
    in_scope = _projects_in(actor)
    years = session.execute(select(FiscalYear.id, FiscalYear.year).order_by(FiscalYear.year.desc()))
    for year_id, year in years.all():
        funded = select(Allocation.id).where(Allocation.fiscal_year_id == year_id, *in_scope)
        if session.scalar(funded.limit(1)) is not None:
            return year - 1
    return None


def _year_of(fiscal_year_id) -> ColumnElement:
    # A correlated lookup, not a join: two fewer tables for PostgreSQL's planner to order
    # (planning the eight-table join took four times as long as running it for a page).
    return select(FiscalYear.year).where(FiscalYear.id == fiscal_year_id).scalar_subquery()


def _funding(year: int) -> ColumnElement:
    """Allocations of `year`'s projects: those funding the year after (see above)."""
    return Allocation.fiscal_year_id.in_(select(FiscalYear.id).where(FiscalYear.year == year + 1))


def _allocations(actor: Actor, year: int | None, department_id: int | None):
    stmt = (
        select(Allocation, Project, Unit, Department)
        .add_columns(_year_of(Project.fiscal_year_id), _year_of(Allocation.fiscal_year_id))
        .add_columns(FundingDecision, RuleSetRow)
        .join(Project, Project.id == Allocation.project_id)
        .join(Unit, Unit.id == Project.unit_id)
        .outerjoin(Department, Department.id == Unit.parent_id)
        .outerjoin(FundingDecision, FundingDecision.id == Allocation.decision_id)
        .outerjoin(RuleSetRow, RuleSetRow.id == FundingDecision.rule_set_id)
        # A row names its rule set; the body (kilobytes of JSON) is not read for that.
        .options(defer(RuleSetRow.body))
        .where(project_scope(actor, Project.id, Project.unit_id))
    )
    if year is not None:
        stmt = stmt.where(_funding(year))
    if department_id is not None:
        stmt = stmt.where(Unit.parent_id == department_id)
    return stmt


def _allocation_keys(actor: Actor, year: int | None, department_id: int | None, sort):
    """The ids of the allocations listed, joined to nothing unless sorted by project code."""
    stmt = select(Allocation.id).where(*_projects_in(actor, department_id))
    if year is not None:
        stmt = stmt.where(_funding(year))
    if (sort or "").removeprefix("-") == "code":
        stmt = stmt.join(Project, Project.id == Allocation.project_id)
    return sort_by(stmt, sort, ALLOCATION_SORTS, Allocation.id)


def list_allocations(
    session: Session,
    actor: Actor,
    year: int | None,
    department_id: int | None,
    page: int,
    per_page: int,
    sort: str | None = None,
) -> Page:
    def load(ids: list[int]) -> dict[int, AllocationRow]:
        rows = session.execute(_allocations(actor, None, None).where(Allocation.id.in_(ids)))
        return {row.allocation.id: row for row in (AllocationRow(*r) for r in rows)}

    keys = _allocation_keys(actor, year, department_id, sort)
    return paginate_keys(session, keys, page, per_page, load)


def all_allocations(
    session: Session, actor: Actor, year: int | None, department_id: int | None = None
) -> list[AllocationRow]:
    """Every allocation row of the year in scope (the Excel export), by department and code."""
    stmt = _allocations(actor, year, department_id).order_by(Department.code, Project.code)
    return [AllocationRow(*row) for row in session.execute(stmt)]


@dataclass(frozen=True)
class DepartmentTotal:
    department_id: int | None
    department: str | None
    projects: int
    this_year: Decimal
    requested: Decimal
    next_year: Decimal
    overridden: int

    @property
    def change(self) -> Decimal:
        return self.next_year - self.this_year


def allocation_summary(session: Session, actor: Actor, year: int | None) -> list[DepartmentTotal]:
    """This year → next year per department, summed by the database (one GROUP BY)."""
    this_year = func.coalesce(Project.approved_amount, Project.requested_amount)
    stmt = (
        select(
            Department.id,
            Department.name,
            func.count(Allocation.id),
            func.coalesce(func.sum(this_year), 0),
            func.coalesce(func.sum(Allocation.requested), 0),
            func.coalesce(func.sum(Allocation.amount), 0),
            func.coalesce(func.sum(case((Allocation.overridden.is_(True), 1), else_=0)), 0),
        )
        .select_from(Allocation)
        .join(Project, Project.id == Allocation.project_id)
        .join(Unit, Unit.id == Project.unit_id)
        .outerjoin(Department, Department.id == Unit.parent_id)
        .join(FiscalYear, FiscalYear.id == Project.fiscal_year_id)
        .where(project_scope(actor, Project.id, Project.unit_id))
        .group_by(Department.id, Department.name, Department.code)
        .order_by(Department.code)
    )
    if year is not None:
        stmt = stmt.where(FiscalYear.year == year)
    return [
        DepartmentTotal(
            dept_id,
            name,
            int(count),
            Decimal(this),
            Decimal(requested),
            Decimal(amount),
            int(overridden),
        )
        for dept_id, name, count, this, requested, amount, overridden in session.execute(stmt)
    ]
