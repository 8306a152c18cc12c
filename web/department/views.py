"""Department plans as the API and the pages show them: a list row with where the plan stands,
and one plan with its indicators under their frame levels, its monitoring and evaluations."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.actors import Actor
from engine.department.queries import (
    PlanView,
    Standing,
    Step,
    get_plan,
    plan_for_key,
    standings,
    steps,
)
from engine.models import (
    DepartmentEvaluation,
    DepartmentIndicator,
    DepartmentMonitoring,
    DepartmentPlan,
    FrameNode,
)
from engine.paging import Page

# The evaluations in the order a reader meets them: the department's own, then finance's.
KINDS = ("self", "finance")


@dataclass(frozen=True)
class PlanRow:
    """A plan in a list: its standing (grades, mid-year colour), its execution rate and where
    its process is (the steps waiting and who has them)."""

    plan: DepartmentPlan
    standing: Standing
    execution_rate: Decimal | None
    steps: tuple[Step, ...] = ()

    @property
    def grade(self) -> str | None:
        return self.standing.grade


def plan_rows(session: Session, page: Page) -> Page:
    """The page of plans with each plan's standing and steps, read in five queries for the
    page."""
    ids = [plan.id for plan in page.items]
    standing = standings(session, ids) if ids else {}
    rates = dict(
        session.execute(
            select(DepartmentMonitoring.plan_id, DepartmentMonitoring.execution_rate).where(
                DepartmentMonitoring.plan_id.in_(ids)
            )
        ).all()
    )
    waiting = steps(session, page.items) if ids else {}
    rows = [
        PlanRow(plan, standing[plan.id], rates.get(plan.id), tuple(waiting.get(plan.id, ())))
        for plan in page.items
    ]
    return Page(rows, page.page, page.per_page, page.total)


@dataclass(frozen=True)
class IndicatorLine:
    """An indicator of the table with its level-1 and level-2 frame items."""

    indicator: DepartmentIndicator
    level1: FrameNode | None
    level2: FrameNode | None


@dataclass(frozen=True)
class ProgressLine:
    """An indicator's mid-year progress as the department reported it."""

    indicator: DepartmentIndicator | None
    row: dict

    def get(self, name: str):
        return self.row.get(name)


@dataclass
class PlanDetail:
    """One plan as the caller may see it (PlanView), arranged for reading."""

    view: PlanView
    indicators: list[IndicatorLine] = field(default_factory=list)
    progress: list[ProgressLine] = field(default_factory=list)
    level1: list[FrameNode] = field(default_factory=list)

    @property
    def plan(self) -> DepartmentPlan:
        return self.view.plan

    @property
    def monitoring(self) -> DepartmentMonitoring | None:
        return self.view.monitoring

    @property
    def evaluations(self) -> list[DepartmentEvaluation]:
        return [self.view.evaluations[k] for k in KINDS if k in self.view.evaluations]

    @property
    def counting(self) -> DepartmentEvaluation | None:
        return self.view.counting

    @property
    def grade(self) -> str | None:
        return self.counting.grade if self.counting is not None else None

    @property
    def instance_id(self) -> int | None:
        return self.view.instance_id

    def indicator_of(self, key) -> DepartmentIndicator | None:
        """The indicator a scored row (keyed by the indicator's id) is about."""
        return next((i.indicator for i in self.indicators if str(i.indicator.id) == str(key)), None)


def indicator_lines(plan: DepartmentPlan) -> list[IndicatorLine]:
    """The plan's indicators in their order, each with its frame items."""
    nodes = {node.id: node for node in plan.frame.nodes}
    lines = []
    for indicator in plan.indicators:
        level2 = nodes.get(indicator.node_id)
        level1 = nodes.get(level2.parent_id) if level2 is not None else None
        lines.append(IndicatorLine(indicator, level1, level2))
    return lines


def plan_detail(session: Session, actor: Actor, plan_id: int) -> PlanDetail:
    """The plan if `actor` may see it (NotFound otherwise), its indicators by frame level."""
    view = get_plan(session, actor, plan_id)
    nodes = {node.id: node for node in view.plan.frame.nodes}
    lines = indicator_lines(view.plan)
    by_id = {line.indicator.id: line.indicator for line in lines}
    progress = [
        ProgressLine(by_id.get(row.get("indicator_id")), row)
        for row in (view.monitoring.rows or [] if view.monitoring is not None else [])
        if isinstance(row, dict)
    ]
    level1 = sorted((n for n in nodes.values() if n.level == 1), key=lambda n: (n.position, n.id))
    return PlanDetail(view, lines, progress, level1)


def plan_of_task(session: Session, task) -> DepartmentPlan | None:
    """The plan a department_performance task works on (None for any other task)."""
    return plan_for_key(session, task.business_key)
