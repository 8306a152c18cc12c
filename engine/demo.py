"""The main job on the demo province: set up, generate, run what exists of the cycle, summarise."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from engine import reference, schema
from engine.classifications import FUNCTIONAL_CLASSES
from engine.db import unit_of_work
from engine.models import FiscalYear, Indicator, Organisation, Project, TargetTable
from engine.models.enums import OrgKind
from engine.synthetic.province import DEMO_REGION, SeedRequest, seed_province

Progress = Callable[[str], None]


@dataclass
class DemoSummary:
    """What a finance director reads after the run."""

    year: int
    stages: list[str] = field(default_factory=list)
    departments: int = 0
    units: int = 0
    projects: int = 0
    indicators: int = 0
    requested_total: Decimal = Decimal(0)
    by_class: list[tuple[str, int, Decimal]] = field(default_factory=list)
    by_operator: list[tuple[str, int]] = field(default_factory=list)
    livelihood_exempt: int = 0
    continuing: int = 0


def run_demo(
    engine: Engine,
    sessions: sessionmaker[Session],
    *,
    year: int,
    projects: int,
    seed: int,
    say: Progress = lambda _line: None,
) -> DemoSummary:
    """Upgrade the schema, generate the demo year if it is not there yet, and summarise."""
    summary = DemoSummary(year=year)
    say("schema: upgrading")
    schema.upgrade(engine)
    with unit_of_work(sessions) as session:
        reference.install(session)
    summary.stages.append("schema")
    with unit_of_work(sessions) as session:
        if _fiscal_year(session, year) is None:
            say(f"seed: generating {projects:,} projects for {year}")
            seed_province(
                session, SeedRequest(year=year, projects=projects, seed=seed), actor="demo"
            )
            summary.stages.append("seed")
        else:
            say(f"seed: {year} already present, reusing it")
            summary.stages.append("seed (reused)")
    with sessions() as session:
        _summarise(session, summary)
    return summary


def _fiscal_year(session: Session, year: int) -> FiscalYear | None:
    return session.scalars(
        select(FiscalYear).where(FiscalYear.region_code == DEMO_REGION[0], FiscalYear.year == year)
    ).one_or_none()


def _summarise(session: Session, summary: DemoSummary) -> None:
    fiscal_year = _fiscal_year(session, summary.year)
    in_year = Project.fiscal_year_id == fiscal_year.id
    summary.departments = session.scalar(
        select(func.count()).where(Organisation.kind == OrgKind.DEPARTMENT)
    )
    summary.units = session.scalar(select(func.count()).where(Organisation.kind == OrgKind.UNIT))
    summary.projects = session.scalar(select(func.count()).select_from(Project).where(in_year))
    summary.livelihood_exempt = session.scalar(
        select(func.count()).select_from(Project).where(in_year, Project.is_livelihood_exempt)
    )
    summary.continuing = session.scalar(
        select(func.count()).select_from(Project).where(in_year, Project.is_continuing)
    )
    rows = session.execute(
        select(Project.functional_class, func.count(), func.sum(Project.requested_amount))
        .where(in_year)
        .group_by(Project.functional_class)
        .order_by(func.sum(Project.requested_amount).desc())
    ).all()
    summary.by_class = [(code, count, total) for code, count, total in rows]
    summary.requested_total = sum((total for _, _, total in summary.by_class), Decimal(0))
    indicators = (
        select(Indicator.operator, func.count())
        .join(TargetTable, Indicator.target_table_id == TargetTable.id)
        .join(Project, TargetTable.project_id == Project.id)
        .where(in_year)
        .group_by(Indicator.operator)
        .order_by(func.count().desc())
    )
    summary.by_operator = [(op.value, count) for op, count in session.execute(indicators)]
    summary.indicators = sum(count for _, count in summary.by_operator)


def pad(text: str, width: int) -> str:
    """Left-align `text` in `width` terminal columns (CJK characters take two)."""
    used = sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)
    return text + " " * max(0, width - used)


def format_summary(summary: DemoSummary) -> str:
    """The summary as a finance director reads it (Chinese first, English in brackets)."""
    wan = Decimal(10_000)
    lines = [
        f"示范省 {summary.year} 年度预算绩效 · 运行摘要 (demo summary)",
        f"  已完成阶段 (stages run): {', '.join(summary.stages)}",
        f"  主管部门 (departments): {summary.departments:,}   预算单位 (units): {summary.units:,}",
        f"  项目 (projects): {summary.projects:,}   其中延续 (continuing): {summary.continuing:,}"
        f"   民生豁免 (livelihood-exempt): {summary.livelihood_exempt:,}",
        f"  申报预算合计 (requested): {summary.requested_total / wan:,.1f} 万元",
        f"  绩效指标 (indicators): {summary.indicators:,}  "
        + "  ".join(
            f"{op} {count / max(summary.indicators, 1):.0%}" for op, count in summary.by_operator
        ),
        "  按支出功能分类 (by functional class):",
    ]
    for code, count, total in summary.by_class:
        name = FUNCTIONAL_CLASSES.get(code, ("", ""))[0]
        lines.append(f"    {code} {pad(name, 20)} {count:>7,} 个项目  {total / wan:>14,.1f} 万元")
    return "\n".join(lines)
