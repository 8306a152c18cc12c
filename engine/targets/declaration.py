"""A target table laid out as the 项目支出绩效目标申报表 (the form units sign and file on paper).

The indicators are grouped under their 一级 and 二级指标 in the frame's order, each group knowing
how many rows it spans, so that a page can merge the level cells as the paper form does.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy.orm import Session

from engine.models import FrameNode, Indicator, Organisation, TargetTable
from engine.targets.queries import frame_nodes


@dataclass
class Level2:
    node: FrameNode
    indicators: list[Indicator] = field(default_factory=list)


@dataclass
class Level1:
    node: FrameNode
    children: list[Level2] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return sum(len(child.indicators) for child in self.children)

    @property
    def weight(self) -> Decimal:
        return sum((i.weight for c in self.children for i in c.indicators), Decimal(0))


@dataclass(frozen=True)
class Declaration:
    table: TargetTable
    department: Organisation | None
    branches: list[Level1]  # level-1 items with indicators, in the frame's order
    fixed: list[FrameNode]  # level-1 items scored from data (预算执行率), with their weight
    total: Decimal  # indicator weights plus fixed items: the frame's total when complete


def declaration(session: Session, table: TargetTable) -> Declaration:
    """`table` (already scoped to the caller) as the 申报表 lays it out."""
    nodes = frame_nodes(session, table.frame_id)
    level1 = {n.id: Level1(n) for n in nodes if n.level == 1 and not n.fixed_item}
    level2 = {n.id: Level2(n) for n in nodes if n.level == 2 and n.parent_id in level1}
    for child in level2.values():
        level1[child.node.parent_id].children.append(child)
    for indicator in sorted(table.indicators, key=lambda i: i.position):
        if indicator.node_id in level2:
            level2[indicator.node_id].indicators.append(indicator)
    branches = []
    for branch in level1.values():
        branch.children = [c for c in branch.children if c.indicators]
        if branch.children:
            branches.append(branch)
    fixed = [n for n in nodes if n.level == 1 and n.fixed_item]
    unit = table.project.unit
    department = session.get(Organisation, unit.parent_id) if unit.parent_id else None
    total = sum((b.weight for b in branches), Decimal(0)) + sum(
        (n.weight or Decimal(0) for n in fixed), Decimal(0)
    )
    return Declaration(table, department, branches, fixed, total)
