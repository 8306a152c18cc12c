"""Trends across the years on record: a project year by year (its chain of predecessors and
successors), a department or unit year by year, and the departments of two years side by side.

Everything is read in a handful of grouped queries over at most `MAX_YEARS` years, limited to
what the caller may see, whatever the number of projects.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from decimal import Decimal

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session, aliased

from engine.actors import Actor
from engine.cycle.projects import get_organisation, get_project
from engine.identity.access import project_scope, visible_units
from engine.models import (
    Alert,
    Allocation,
    Evaluation,
    EvaluationClose,
    EvaluationScore,
    FiscalYear,
    FundingDecision,
    MonitoringReport,
    Organisation,
    Project,
)
from engine.models.enums import AlertKind, Colour, EvaluationKind, OrgKind

MAX_YEARS = 20
# The worst colour first (domain.md: red > yellow > green > blue).
WORST_FIRST = (Colour.RED, Colour.YELLOW, Colour.GREEN, Colour.BLUE)
REDUCTIONS = ("cut", "cancel", "suspend")
CENT = Decimal("0.01")


@dataclass(frozen=True)
class ProjectYear:
    """One year of a project: what it asked, achieved, was alerted about and was given."""

    year: int
    project_id: int
    code: str
    requested: Decimal
    approved: Decimal | None
    indicators_met: int | None  # of the indicators its newest self-evaluation scored, at full
    indicators_scored: int | None
    # Target achievement: the points its indicators earned over the points they weigh.
    achievement: Decimal | None
    self_score: Decimal | None
    grade: str | None  # the grade the year's funding decision used, else the self-evaluation's
    execution_rate: Decimal | None  # at year end (the decision's facts), else to date
    execution_final: bool
    alert: str | None  # the worst project alert of the year
    alerts: dict[str, int] = field(default_factory=dict)
    decision: str | None = None
    factor: Decimal | None = None
    next_amount: Decimal | None = None  # next year's allocation decided from this year


@dataclass(frozen=True)
class OrgYear:
    """One year of a department's (or unit's) projects, summed."""

    year: int
    projects: int
    requested: Decimal
    mean_score: Decimal | None  # the mean of its projects' scored evaluations (ranks use it)
    rank: int | None
    grades: dict[str, int]
    red_alerts: int
    yellow_alerts: int
    reductions: int  # funding decisions that cut, cancel or suspend
    next_requested: Decimal | None
    next_amount: Decimal | None
    # The department's overall grade (部门整体绩效), as fixed with the rank at the year's close.
    overall_grade: str | None = None


@dataclass(frozen=True)
class Comparison:
    """A department in two years: `last` and `this` (None where it had no projects)."""

    department_id: int
    name: str
    last: OrgYear | None
    this: OrgYear | None


def project_trend(session: Session, actor: Actor, project_id: int) -> list[ProjectYear]:
    """The project's years, oldest first: itself, its predecessors and its successors that
    `actor` may see (NotFound when the project itself is not visible)."""
    project = get_project(session, actor, project_id)
    chain = _chain(session, actor, project)
    return _project_years(session, chain)


def org_trend(session: Session, actor: Actor, org_id: int) -> tuple[Organisation, list[OrgYear]]:
    """The projects of an organisation's units year by year, oldest first: a unit's own, a
    department's units', a finance desk's departments' units'; none for anyone else."""
    organisation = get_organisation(session, actor, org_id)
    units = _units_of(organisation)
    if units is None:
        return organisation, []
    years = _org_years(session, actor, units, by_department=False)
    if organisation.kind is OrgKind.DEPARTMENT:
        fixed = _standings(session, list(years))
        years = {
            year: replace(
                row,
                rank=fixed.get((organisation.id, year), {}).get("rank"),
                overall_grade=fixed.get((organisation.id, year), {}).get("grade"),
            )
            for year, row in years.items()
        }
    return organisation, [row for _year, row in sorted(years.items())]


def _units_of(organisation: Organisation):
    if organisation.kind is OrgKind.UNIT:
        return select(Organisation.id).where(Organisation.id == organisation.id)
    if organisation.kind is OrgKind.DEPARTMENT:
        return select(Organisation.id).where(Organisation.parent_id == organisation.id)
    if organisation.kind is OrgKind.FINANCE:
        departments = select(Organisation.id).where(Organisation.finance_desk_id == organisation.id)
        return select(Organisation.id).where(Organisation.parent_id.in_(departments))
    return None


def departments_year_on_year(session: Session, actor: Actor, year: int) -> list[Comparison]:
    """Each department the caller sees, in `year` − 1 and `year`, in code order."""
    units = select(Organisation.id).where(Organisation.kind == OrgKind.UNIT)
    seen = visible_units(actor)
    if seen is not None:
        units = units.where(Organisation.id.in_(seen))
    rows = _org_years(session, actor, units, by_department=True, years=(year - 1, year))
    departments = session.execute(
        select(Organisation.id, Organisation.name, Organisation.code)
        .where(Organisation.id.in_({department for department, _ in rows}))
        .order_by(Organisation.code)
    ).all()
    return [
        Comparison(d.id, d.name, rows.get((d.id, year - 1)), rows.get((d.id, year)))
        for d in departments
    ]


# ---- a project's chain --------------------------------------------------------------------


def _chain(session: Session, actor: Actor, project: Project) -> list[Project]:
    visible = project_scope(actor)
    older: list[Project] = []
    current = project
    while current.predecessor_id is not None and len(older) < MAX_YEARS:
        current = session.scalars(
            select(Project).where(Project.id == current.predecessor_id, visible)
        ).one_or_none()
        if current is None:
            break
        older.append(current)
    newer: list[Project] = []
    current = project
    while len(newer) < MAX_YEARS:
        current = session.scalars(
            select(Project)
            .where(Project.predecessor_id == current.id, visible)
            .order_by(Project.id)
            .limit(1)
        ).first()
        if current is None:
            break
        newer.append(current)
    return [*reversed(older), project, *newer]


def _project_years(session: Session, chain: list[Project]) -> list[ProjectYear]:
    ids = [p.id for p in chain]
    years = dict(
        session.execute(
            select(Project.id, FiscalYear.year)
            .join(FiscalYear, FiscalYear.id == Project.fiscal_year_id)
            .where(Project.id.in_(ids))
        ).all()
    )
    self_evaluations = {
        e.project_id: e
        for e in session.scalars(
            select(Evaluation)
            .where(
                Evaluation.project_id.in_(ids),
                Evaluation.kind == EvaluationKind.SELF,
                Evaluation.total_score.is_not(None),
            )
            .order_by(Evaluation.id)
        )
    }
    met = {
        evaluation_id: (scored, full, earned, weighed)
        for evaluation_id, scored, full, earned, weighed in session.execute(
            select(
                EvaluationScore.evaluation_id,
                func.count(),
                func.sum(case((EvaluationScore.score >= EvaluationScore.weight, 1), else_=0)),
                func.sum(EvaluationScore.score),
                func.sum(EvaluationScore.weight),
            )
            .where(
                EvaluationScore.evaluation_id.in_([e.id for e in self_evaluations.values()]),
                EvaluationScore.indicator_id.is_not(None),
            )
            .group_by(EvaluationScore.evaluation_id)
        )
    }
    decisions = {
        d.project_id: d
        for d in session.scalars(
            select(FundingDecision)
            .where(FundingDecision.project_id.in_(ids))
            .order_by(FundingDecision.id)
        )
    }
    allocations = dict(
        session.execute(
            select(Allocation.project_id, Allocation.amount).where(Allocation.project_id.in_(ids))
        ).all()
    )
    reports = {
        r.project_id: r
        for r in session.scalars(
            select(MonitoringReport)
            .where(MonitoringReport.project_id.in_(ids), MonitoringReport.submitted_at.is_not(None))
            .order_by(MonitoringReport.submitted_at, MonitoringReport.id)
        )
    }
    alerts: dict[int, Counter] = defaultdict(Counter)
    for project_id, colour, count in session.execute(
        select(Alert.project_id, Alert.colour, func.count())
        .where(Alert.project_id.in_(ids), Alert.kind == AlertKind.PROJECT)
        .group_by(Alert.project_id, Alert.colour)
    ):
        alerts[project_id][Colour(colour).value] = count
    rows = []
    for project in chain:
        evaluation = self_evaluations.get(project.id)
        decision = decisions.get(project.id)
        scored, full, earned, weighed = (
            met.get(evaluation.id, (None,) * 4) if evaluation else (None,) * 4
        )
        rate, final = _execution(decision, reports.get(project.id))
        colours = alerts.get(project.id, Counter())
        rows.append(
            ProjectYear(
                year=years[project.id],
                project_id=project.id,
                code=project.code,
                requested=project.requested_amount,
                approved=project.approved_amount,
                indicators_met=int(full) if full is not None else None,
                indicators_scored=scored,
                achievement=(Decimal(earned) / Decimal(weighed)).quantize(Decimal("0.0001"))
                if weighed
                else None,
                self_score=evaluation.total_score if evaluation else None,
                grade=(decision.facts.get("grade") if decision else None)
                or (evaluation.grade if evaluation else None),
                execution_rate=rate,
                execution_final=final,
                alert=next((c.value for c in WORST_FIRST if colours.get(c.value)), None),
                alerts=dict(colours),
                decision=decision.kind.value if decision else None,
                factor=(decision.override_factor or decision.factor) if decision else None,
                next_amount=allocations.get(project.id),
            )
        )
    return rows


def _execution(decision, report) -> tuple[Decimal | None, bool]:
    if decision is not None and decision.facts.get("execution_rate") is not None:
        return Decimal(decision.facts["execution_rate"]), True
    if report is not None and report.budget:
        return (report.executed_to_date / report.budget).quantize(Decimal("0.0001")), False
    return None, False


# ---- organisations' years -----------------------------------------------------------------


def _org_years(session, actor, units, *, by_department: bool, years=None) -> dict:
    """Year → OrgYear over the projects of `units` the actor sees; by department,
    (department id, year) → OrgYear."""
    unit = aliased(Organisation)
    key = [unit.parent_id] if by_department else []
    scope = [Project.unit_id.in_(units), project_scope(actor)]
    if years is not None:
        scope.append(FiscalYear.year.in_(years))

    def grouped(*columns, join=None, where=()):
        stmt = (
            select(*key, FiscalYear.year, *columns)
            .select_from(Project)
            .join(FiscalYear, FiscalYear.id == Project.fiscal_year_id)
            .join(unit, unit.id == Project.unit_id)
        )
        if join is not None:
            stmt = stmt.join(*join)
        rows = session.execute(stmt.where(*scope, *where).group_by(*key, FiscalYear.year))
        return {tuple(row[: len(key) + 1]): tuple(row[len(key) + 1 :]) for row in rows}

    totals = grouped(func.count(), func.sum(Project.requested_amount))
    newest = sorted({k[-1] for k in totals}, reverse=True)[:MAX_YEARS]
    if not newest:
        return {}
    scope.append(FiscalYear.year.in_(newest))
    scores = grouped(
        func.sum(Evaluation.total_score),
        func.count(),
        join=(Evaluation, Evaluation.project_id == Project.id),
        where=[Evaluation.total_score.is_not(None)],
    )
    alerts = grouped(
        func.sum(case((Alert.colour == Colour.RED, 1), else_=0)),
        func.sum(case((Alert.colour == Colour.YELLOW, 1), else_=0)),
        join=(Alert, Alert.project_id == Project.id),
        where=[Alert.kind == AlertKind.PROJECT],
    )
    money = grouped(
        func.sum(Allocation.requested),
        func.sum(Allocation.amount),
        join=(Allocation, Allocation.project_id == Project.id),
    )
    grades: dict[tuple, Counter] = defaultdict(Counter)
    reductions: Counter = Counter()
    for row in session.execute(
        select(*key, FiscalYear.year, FundingDecision.facts, FundingDecision.kind)
        .select_from(Project)
        .join(FiscalYear, FiscalYear.id == Project.fiscal_year_id)
        .join(unit, unit.id == Project.unit_id)
        .join(FundingDecision, FundingDecision.project_id == Project.id)
        .where(*scope)
    ):
        group_key, facts, kind = tuple(row[: len(key) + 1]), row[-2], row[-1]
        grades[group_key][facts.get("grade") or "—"] += 1
        reductions[group_key] += kind.value in REDUCTIONS
    fixed = _standings(session, newest) if by_department else {}
    result = {}
    for group_key, (count, requested) in totals.items():
        if group_key[-1] not in newest:
            continue
        total, scored = scores.get(group_key, (None, 0))
        red, yellow = alerts.get(group_key, (0, 0))
        next_requested, next_amount = money.get(group_key, (None, None))
        year = group_key[-1]
        result[group_key if by_department else year] = OrgYear(
            year=year,
            projects=count,
            requested=requested or Decimal(0),
            mean_score=(Decimal(total) / scored).quantize(CENT) if scored else None,
            rank=fixed.get((group_key[0], year), {}).get("rank") if by_department else None,
            overall_grade=fixed.get((group_key[0], year), {}).get("grade")
            if by_department
            else None,
            grades=dict(grades.get(group_key, {})),
            red_alerts=int(red or 0),
            yellow_alerts=int(yellow or 0),
            reductions=reductions.get(group_key, 0),
            next_requested=next_requested,
            next_amount=next_amount,
        )
    return result


def _standings(session: Session, years: list[int]) -> dict[tuple[int, int], dict]:
    """(department id, year) → what the year's close fixed for it: its rank, and its overall
    grade where its overall expenditure was evaluated."""
    standings = {}
    for year, fixed in session.execute(
        select(FiscalYear.year, EvaluationClose.ranks)
        .join(FiscalYear, FiscalYear.id == EvaluationClose.fiscal_year_id)
        .where(FiscalYear.year.in_(years))
    ):
        for department, entry in (fixed or {}).items():
            standings[(int(department), year)] = entry
    return standings
