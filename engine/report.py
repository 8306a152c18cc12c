"""The year's summary a finance director reads: grades, alerts, rectifications, decisions, money."""

from __future__ import annotations

import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from engine import calendars, policy
from engine.classifications import FUNCTIONAL_CLASSES
from engine.department.summary import DepartmentYear, department_line, department_year
from engine.models import (
    AccountabilityAction,
    Alert,
    Allocation,
    ExAnteAssessment,
    FiscalYear,
    FundingDecision,
    Indicator,
    Organisation,
    Project,
    RectificationOrder,
    TargetTable,
)
from engine.models.enums import AlertKind, Colour, OrgKind
from engine.workdays import (
    deadline_after_working_days,
    local_date,
    region_calendar,
    region_zone,
)

WAN = Decimal(10_000)
ACTION_LABELS = (
    ("commendation", "通报表扬 commendation"),
    ("rectification", "整改 rectification"),
    ("reminder", "提醒 reminder"),
    ("interview", "约谈 interview"),
    ("circular", "通报 circular"),
)


@dataclass
class YearSummary:
    """Counts and sums of one fiscal year."""

    year: int
    stages: list[str] = field(default_factory=list)
    departments: int = 0
    units: int = 0
    projects: int = 0
    continuing: int = 0
    livelihood_exempt: int = 0
    indicators: int = 0
    requested_total: Decimal = Decimal(0)
    by_class: list[tuple[str, int, Decimal]] = field(default_factory=list)
    by_operator: list[tuple[str, int]] = field(default_factory=list)
    grades: Counter = field(default_factory=Counter)
    alerts: Counter = field(default_factory=Counter)
    rectifications: dict[str, int] = field(default_factory=dict)
    decisions: Counter = field(default_factory=Counter)
    actions: Counter = field(default_factory=Counter)
    overridden: int = 0
    # Idle funds reclaimed from the year's unspent balances: projects and amount.
    reclaimed: tuple[int, Decimal] = (0, Decimal(0))
    allocation_by_department: list[tuple[str, Decimal, Decimal]] = field(default_factory=list)
    activity: dict[str, int] = field(default_factory=dict)
    # Red alerts whose ten working days to answer ran through public holidays (the working
    # calendar moved their deadline): how many, and which holidays.
    holiday_deadlines: int = 0
    holidays_crossed: Counter = field(default_factory=Counter)
    # 事前绩效评估 of new projects: conclusions (support, adjust, reject, pending) by assessor.
    ex_ante: Counter = field(default_factory=Counter)
    ex_ante_by: Counter = field(default_factory=Counter)
    # 部门整体绩效: the departments' overall tables, monitoring, evaluations and grades.
    department_year: DepartmentYear | None = None


def summarise(session: Session, region_code: str, year: int) -> YearSummary:
    """Everything the demo prints about `year`."""
    fiscal_year = session.scalars(
        select(FiscalYear).where(FiscalYear.region_code == region_code, FiscalYear.year == year)
    ).one()
    in_year = Project.fiscal_year_id == fiscal_year.id
    summary = YearSummary(year=year)

    def count(*where):
        return session.scalar(select(func.count()).select_from(Project).where(in_year, *where))

    summary.departments = session.scalar(
        select(func.count()).where(Organisation.kind == OrgKind.DEPARTMENT)
    )
    summary.units = session.scalar(select(func.count()).where(Organisation.kind == OrgKind.UNIT))
    summary.projects = count()
    summary.continuing = count(Project.is_continuing)
    summary.livelihood_exempt = count(Project.is_livelihood_exempt)
    rows = session.execute(
        select(Project.functional_class, func.count(), func.sum(Project.requested_amount))
        .where(in_year)
        .group_by(Project.functional_class)
        .order_by(func.sum(Project.requested_amount).desc())
    ).all()
    summary.by_class = [(code, n, total) for code, n, total in rows]
    summary.requested_total = sum((total for _, _, total in rows), Decimal(0))
    summary.by_operator = [
        (op.value, n)
        for op, n in session.execute(
            select(Indicator.operator, func.count())
            .join(TargetTable, Indicator.target_table_id == TargetTable.id)
            .join(Project, TargetTable.project_id == Project.id)
            .where(in_year)
            .group_by(Indicator.operator)
            .order_by(func.count().desc())
        )
    ]
    summary.indicators = sum(n for _, n in summary.by_operator)
    project_ids = select(Project.id).where(in_year).scalar_subquery()
    summary.alerts = Counter(
        {
            colour.value: n
            for colour, n in session.execute(
                select(Alert.colour, func.count())
                .where(Alert.kind == AlertKind.PROJECT, Alert.project_id.in_(project_ids))
                .group_by(Alert.colour)
            )
        }
    )
    summary.holiday_deadlines, summary.holidays_crossed = holiday_deadlines(
        session, fiscal_year, project_ids
    )
    for conclusion, assessor, n in session.execute(
        select(ExAnteAssessment.conclusion, ExAnteAssessment.assessor, func.count())
        .where(ExAnteAssessment.project_id.in_(project_ids))
        .group_by(ExAnteAssessment.conclusion, ExAnteAssessment.assessor)
    ):
        summary.ex_ante[conclusion or "pending"] += n
        summary.ex_ante_by[assessor] += n
    summary.department_year = department_year(session, fiscal_year.id)
    orders = session.scalars(
        select(RectificationOrder).where(RectificationOrder.project_id.in_(project_ids))
    ).all()
    summary.rectifications = {
        "opened": len(orders),
        "closed": sum(1 for o in orders if o.closed_at is not None),
        "open": sum(1 for o in orders if o.closed_at is None),
        "overdue": sum(1 for o in orders if o.overdue),
    }
    decisions = session.scalars(
        select(FundingDecision).where(FundingDecision.fiscal_year_id == fiscal_year.id)
    ).all()
    summary.decisions = Counter(d.kind.value for d in decisions)
    summary.grades = Counter(d.facts.get("grade") or "—" for d in decisions)
    summary.overridden = sum(1 for d in decisions if d.override_factor is not None)
    idle = [d.reclaim_amount for d in decisions if d.reclaim_amount is not None]
    summary.reclaimed = (len(idle), sum(idle, Decimal(0)))
    summary.actions = Counter(
        {
            kind.value: n
            for kind, n in session.execute(
                select(AccountabilityAction.kind, func.count())
                .join(FundingDecision, AccountabilityAction.decision_id == FundingDecision.id)
                .where(FundingDecision.fiscal_year_id == fiscal_year.id)
                .group_by(AccountabilityAction.kind)
            )
        }
    )
    department = aliased(Organisation)
    unit = aliased(Organisation)
    summary.allocation_by_department = [
        (name, requested, allocated)
        for name, requested, allocated in session.execute(
            select(department.name, func.sum(Allocation.requested), func.sum(Allocation.amount))
            .join(Project, Allocation.project_id == Project.id)
            .join(unit, Project.unit_id == unit.id)
            .join(department, unit.parent_id == department.id)
            .where(in_year)
            .group_by(department.name)
            .order_by(func.sum(Allocation.amount) - func.sum(Allocation.requested))
        )
    ]
    return summary


def pad(text: str, width: int) -> str:
    """Left-align `text` in `width` terminal columns (CJK characters take two)."""
    used = sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)
    return text + " " * max(0, width - used)


def _share(counter: Counter, order) -> str:
    total = sum(counter.values()) or 1
    return "  ".join(
        f"{key} {counter.get(key, 0):,} ({counter.get(key, 0) / total:.0%})"
        for key in order
        if counter.get(key)
    )


def holiday_deadlines(session: Session, fiscal_year, project_ids=None) -> tuple[int, Counter]:
    """The red alerts of the year whose response deadline the region's working calendar moved
    past public holidays, and the holidays they ran through (days of each)."""
    if project_ids is None:
        project_ids = (
            select(Project.id).where(Project.fiscal_year_id == fiscal_year.id).scalar_subquery()
        )
    moved, crossed = 0, Counter()
    raised = session.scalars(
        select(Alert.raised_at).where(
            Alert.kind == AlertKind.PROJECT,
            Alert.colour == Colour.RED,
            Alert.project_id.in_(project_ids),
        )
    ).all()
    if not raised:
        return moved, crossed
    settings = policy.setting(session, "alerts", fiscal_year.region_code, fiscal_year.year)
    days = int(settings["response_working_days"])
    zone, calendar = region_zone(session, fiscal_year), region_calendar(session, fiscal_year)
    names: dict[int, calendars.StoredCalendar | None] = {}
    for moment in raised:
        due = deadline_after_working_days(moment, days, zone, calendar)
        if due == deadline_after_working_days(moment, days, zone):
            continue
        moved += 1
        first, last = local_date(moment, zone), due.date()
        for offset in range((last - first).days + 1):
            day = first + timedelta(days=offset)
            if day.year not in names:
                names[day.year] = calendars.stored(session, day.year, fiscal_year.region_code)
            stored = names[day.year]
            name = stored.calendar.holiday_named(day) if stored else None
            if name:
                crossed[name] += 1
    return moved, crossed


def holiday_line(moved: int, crossed: Counter) -> str:
    names = "、".join(name for name, _ in crossed.most_common())
    return (
        f"  工作日历 (working calendar): 红色预警说明期限跨越法定节假日 {moved:,} 条（{names}），"
        "按工作日顺延 (red alerts whose working days to answer ran through public holidays)"
    )


EX_ANTE_WORDS = (
    ("support", "建议予以支持"),
    ("adjust", "调整后支持"),
    ("reject", "不予支持"),
    ("pending", "评估中"),
)


def ex_ante_line(conclusions: Counter, assessors: Counter) -> str:
    shown = "  ".join(
        f"{word} {conclusions[code]:,}" for code, word in EX_ANTE_WORDS if conclusions[code]
    )
    return (
        f"  事前绩效评估 (ex-ante assessment): 新增重大项目 {sum(conclusions.values()):,} 个"
        f"（主管部门评估 {assessors['department']:,}，委托第三方 {assessors['third_party']:,}）"
        f"：{shown}；不予支持的项目未纳入年度预算 (not supported: not in the year's budget)"
    )


def format_summary(summary: YearSummary, region_name: str = "示范省") -> str:
    """The summary, Chinese first with English in brackets."""
    lines = [
        f"{region_name} {summary.year} 年度预算绩效 · 运行摘要 (demo summary)",
        f"  已完成阶段 (stages run): {', '.join(summary.stages)}",
    ]
    if summary.activity:
        lines.append(
            "  流程活动 (engine activity): "
            + "  ".join(f"{k} {v:,}" for k, v in summary.activity.items())
        )
    lines += [
        f"  主管部门 (departments): {summary.departments:,}   预算单位 (units): {summary.units:,}",
        f"  项目 (projects): {summary.projects:,}   其中延续 (continuing): {summary.continuing:,}"
        f"   民生豁免 (livelihood-exempt): {summary.livelihood_exempt:,}",
        f"  申报预算合计 (requested): {summary.requested_total / WAN:,.1f} 万元",
        f"  绩效指标 (indicators): {summary.indicators:,}  "
        + "  ".join(f"{op} {n / max(summary.indicators, 1):.0%}" for op, n in summary.by_operator),
    ]
    if summary.grades:
        lines.append("  评价等级 (grades): " + _share(summary.grades, ["A", "B", "C", "D", "—"]))
    if summary.alerts:
        lines.append(
            "  监控预警 (project alerts): "
            + _share(summary.alerts, ["red", "yellow", "green", "blue"])
        )
    if summary.holiday_deadlines:
        lines.append(holiday_line(summary.holiday_deadlines, summary.holidays_crossed))
    if summary.ex_ante:
        lines.append(ex_ante_line(summary.ex_ante, summary.ex_ante_by))
    if summary.department_year and summary.department_year.plans:
        lines.append(department_line(summary.department_year))
    if summary.rectifications.get("opened"):
        r = summary.rectifications
        lines.append(
            f"  整改 (rectification): 下达 {r['opened']:,}  已销号 {r['closed']:,}  "
            f"未完成 {r['open']:,}  逾期 {r['overdue']:,}"
        )
    if summary.decisions:
        lines.append(
            "  资金安排决定 (decisions): "
            + _share(
                summary.decisions,
                ["increase", "maintain", "cut", "reclaim", "suspend", "cancel", "review"],
            )
            + f"   人工调整 (overridden): {summary.overridden:,}"
        )
    if summary.reclaimed[0]:
        projects, amount = summary.reclaimed
        lines.append(
            f"  收回闲置资金 (idle funds reclaimed): {projects:,} 个项目  {amount / WAN:,.1f} 万元"
        )
    if summary.actions:
        lines.append(
            "  问责与表扬 (accountability actions): "
            + "  ".join(
                f"{label} {summary.actions[kind]:,}"
                for kind, label in ACTION_LABELS
                if summary.actions.get(kind)
            )
        )
    if summary.allocation_by_department:
        lines.append("  下年度预算安排变化，按部门 (next-year allocation change by department):")
        for name, requested, allocated in summary.allocation_by_department[:12]:
            change = allocated - requested
            rate = change / requested if requested else Decimal(0)
            lines.append(
                f"    {pad(name, 34)} {requested / WAN:>12,.1f} → {allocated / WAN:>12,.1f}"
                f" 万元  {change / WAN:>+10,.1f} ({rate:+.1%})"
            )
    lines.append("  按支出功能分类 (by functional class):")
    for code, n, total in summary.by_class:
        name = FUNCTIONAL_CLASSES.get(code, ("", ""))[0]
        lines.append(f"    {code} {pad(name, 20)} {n:>7,} 个项目  {total / WAN:>14,.1f} 万元")
    return "\n".join(lines)
