"""Weights for a sheet that has none: each level-1 item's weight shared evenly by its indicators.

The MoF 项目支出绩效目标申报表 has no 分值 column; the frame gives each level-1 item its weight
(产出 50, 效益 30, 满意度 10 in the default frame). A finance officer expects what the 自评 rules
do when a unit sets no weights of its own: the indicators under an item share its weight evenly.
The split is made in whole cents (the column's precision) and the odd cents go to the first rows,
so each item's weights add up exactly to the frame's figure, e.g. 50 over 3 rows is
16.67 + 16.67 + 16.66.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from decimal import Decimal

from engine.frame_map import branch_weights
from engine.models import FrameNode
from engine.targets.validation import IndicatorDraft

CENT = Decimal("0.01")


def unweighted_items(drafts: list[IndicatorDraft], nodes: list[FrameNode]) -> list[FrameNode]:
    """The level-1 items with indicators in `drafts` whose weight the frame does not set."""
    parent_of = _parents(nodes)
    used = {parent_of.get(d.node_code) for d in drafts}
    return [n for n in nodes if n.level == 1 and n.id in used and n.weight is None]


def share(drafts: list[IndicatorDraft], nodes: list[FrameNode]) -> list[IndicatorDraft]:
    """`drafts` with each level-1 item's weight split evenly, in cents, over its indicators."""
    parent_of = _parents(nodes)
    by_id = {n.id: n for n in nodes}
    rows: dict[int, list[int]] = defaultdict(list)
    for index, draft in enumerate(drafts):
        parent = parent_of.get(draft.node_code)
        if parent is not None:
            rows[parent].append(index)
    # An item the sheet leaves empty may give its weight to another (2021's 成本 to 产出).
    weights = branch_weights(nodes, {by_id[parent].code for parent in rows})
    shared = list(drafts)
    for parent, indexes in rows.items():
        weight = weights.get(by_id[parent].code, by_id[parent].weight)
        cents = int((weight / CENT).to_integral_value())
        base, odd = divmod(cents, len(indexes))
        for position, index in enumerate(indexes):
            weight = (base + (1 if position < odd else 0)) * CENT
            shared[index] = replace(drafts[index], weight=weight)
    return shared


def _parents(nodes: list[FrameNode]) -> dict[str, int]:
    """Level-2 node code → the id of its level-1 item."""
    return {n.code: n.parent_id for n in nodes if n.level == 2 and n.parent_id is not None}
