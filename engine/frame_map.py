"""Which indicator frame a region files on in a year, and a table moved from one frame to another.

Since the Ministry of Finance's 2021 guidance on project expenditure indicators, 成本指标 is a
level-1 item beside 产出, 效益 and 满意度 (the shipped frame `cost_2021`); before it, cost was a
level-2 item under 产出 (the frame `default`). A region chooses its frame per year (the policy
setting `indicator_frame`) and may set its own level-1 weights, kept as a version of the frame
for that region and year. A table records the frame it was filed on, so a year already filed
keeps its frame whatever the region chooses later.

A table moves between frames item by item: each level-2 item goes to the item of the same code
in the other frame, or to the one that names it as its counterpart ("default:cost" on the 2021
frame's 经济/社会/生态环境成本指标). Where a level-1 item's indicators then weigh more or less
than the new frame gives it, their weights are scaled in proportion, in whole cents, the odd
cents to the heaviest rows first, so the item adds up exactly.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from engine import policy
from engine.errors import InvalidInput, NotFound
from engine.models import FrameNode, Indicator, IndicatorFrame, TargetTable

CHOICE_KEY = "indicator_frame"
CENT = Decimal("0.01")


def frame_for(session: Session, region_code: str | None, year: int | None) -> IndicatorFrame:
    """The frame a region's project tables are filed on in `year` (its own weights if set)."""
    code = policy.setting(session, CHOICE_KEY, region_code, year)["code"]
    return frame_named(session, code, region_code, year)


def frame_named(
    session: Session, code: str, region_code: str | None, year: int | None
) -> IndicatorFrame:
    """The region's newest version of frame `code` for `year`, else the shipped one."""
    own = and_(IndicatorFrame.region_code == region_code, IndicatorFrame.fiscal_year == year)
    shipped = and_(IndicatorFrame.region_code.is_(None), IndicatorFrame.fiscal_year.is_(None))
    frame = session.scalars(
        select(IndicatorFrame)
        .where(IndicatorFrame.code == code, or_(own, shipped))
        .order_by(IndicatorFrame.region_code.is_(None), IndicatorFrame.version.desc())
        .limit(1)
    ).first()
    if frame is None:
        raise NotFound(
            f"no indicator frame '{code}'",
            errors={"frame": "not found"},
            key="no_frame_named",
            params={"frame": code},
        )
    return frame


def branch_weights(nodes: list[FrameNode], filled: set[str]) -> dict[str, Decimal]:
    """Level-1 indicator item code → its weight, for a table whose indicators fill the level-1
    items `filled`: an item the table leaves empty gives its weight to the one it folds into."""
    weights = {
        n.code: n.weight
        for n in nodes
        if n.level == 1 and not n.fixed_item and n.weight is not None
    }
    for node in nodes:
        if (
            node.folds_into in weights
            and node.code in weights
            and node.code not in filled
            and node.folds_into in filled
        ):
            weights[node.folds_into] += weights.pop(node.code)
    return weights


def level1_of(nodes: list[FrameNode]) -> dict[str, str]:
    """Level-2 item code → the code of its level-1 item."""
    by_id = {n.id: n for n in nodes}
    return {n.code: by_id[n.parent_id].code for n in nodes if n.level == 2 and n.parent_id in by_id}


def counterparts(
    source: list[FrameNode], source_code: str, target: list[FrameNode], target_code: str
) -> dict[str, FrameNode]:
    """Source level-2 item code → the target frame's level-2 item its indicators move to."""
    level2 = [n for n in target if n.level == 2]
    by_code = {n.code: n for n in level2}
    named = {}
    for node in level2:
        if node.counterpart and node.counterpart.startswith(f"{source_code}:"):
            named.setdefault(node.counterpart.split(":", 1)[1], node)
    moves = {}
    for node in source:
        if node.level != 2:
            continue
        found = named.get(node.code)
        if found is None and node.counterpart and node.counterpart.startswith(f"{target_code}:"):
            found = by_code.get(node.counterpart.split(":", 1)[1])
        if found is None:
            found = by_code.get(node.code)
        if found is not None:
            moves[node.code] = found
    return moves


@dataclass(frozen=True)
class Row:
    """An indicator where it sits: its id, name, level-2 item code and weight."""

    id: int
    name: str
    level2: str
    weight: Decimal


@dataclass(frozen=True)
class Move:
    """One indicator's place and weight before and after its table moves to another frame."""

    indicator_id: int
    name: str
    level2_before: str
    level2_after: str
    weight_before: Decimal
    weight_after: Decimal


def place(rows: list[Row], source: IndicatorFrame, target: IndicatorFrame) -> list[Move]:
    """Where one table's `rows` go on `target`; InvalidInput names an item with no place."""
    moves = counterparts(source.nodes, source.code, target.nodes, target.code)
    names = {n.code: n.name_zh for n in source.nodes}
    for row in rows:
        if row.level2 not in moves:
            raise InvalidInput(
                f"indicator '{row.name}' is under {names.get(row.level2, row.level2)} "
                f"({row.level2}), which frame '{target.code}' has no place for",
                errors={"frame": f"no place for {row.level2}"},
                key="frame_no_place",
                params={"indicator": row.name, "item": row.level2, "frame": target.code},
            )
    parent = level1_of(target.nodes)
    new_level1 = [parent[moves[row.level2].code] for row in rows]
    weights = branch_weights(target.nodes, set(new_level1))
    groups: dict[str, list[int]] = defaultdict(list)
    for index, level1 in enumerate(new_level1):
        groups[level1].append(index)
    after = [row.weight for row in rows]
    for level1, indexes in groups.items():
        if level1 in weights:
            scaled = scale([rows[i].weight for i in indexes], weights[level1])
            for index, weight in zip(indexes, scaled, strict=True):
                after[index] = weight
    return [
        Move(row.id, row.name, row.level2, moves[row.level2].code, row.weight, weight)
        for row, weight in zip(rows, after, strict=True)
    ]


def apply_move(session: Session, table: TargetTable, target: IndicatorFrame) -> list[Move]:
    """Move one table onto `target` in place; returns what each indicator became."""
    source = session.get(IndicatorFrame, table.frame_id)
    code_of = {n.id: n.code for n in source.nodes}
    indicators = list(
        session.scalars(
            select(Indicator)
            .where(Indicator.target_table_id == table.id)
            .order_by(Indicator.position, Indicator.id)
        )
    )
    rows = [Row(i.id, i.name, code_of[i.node_id], i.weight) for i in indicators]
    planned = place(rows, source, target)
    node_ids = {n.code: n.id for n in target.nodes}
    for indicator, move in zip(indicators, planned, strict=True):
        indicator.node_id = node_ids[move.level2_after]
        indicator.weight = move.weight_after
    table.frame_id = target.id
    session.flush()
    return planned


def scale(weights: list[Decimal], total: Decimal) -> list[Decimal]:
    """`weights` in proportion, in whole cents, adding up exactly to `total`."""
    have = sum(weights, Decimal(0))
    if have == total:
        return list(weights)
    cents = int((total / CENT).to_integral_value())
    if have <= 0:
        base, odd = divmod(cents, len(weights))
        return [(base + (1 if i < odd else 0)) * CENT for i in range(len(weights))]
    exact = [w * cents / have for w in weights]
    floors = [int(x) for x in exact]
    order = sorted(range(len(weights)), key=lambda i: (-(exact[i] - floors[i]), -weights[i], i))
    for i in order[: cents - sum(floors)]:
        floors[i] += 1
    return [f * CENT for f in floors]
