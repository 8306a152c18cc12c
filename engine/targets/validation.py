"""Check a target table against its indicator frame; every problem says where and why."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from engine.frame_map import branch_weights
from engine.models import FrameNode
from engine.models.enums import Basis, Operator

MIN_INDICATORS, MAX_INDICATORS = 3, 15


@dataclass(frozen=True)
class IndicatorDraft:
    """One indicator as filed (from a form, the API or a spreadsheet row)."""

    node_code: str
    name: str
    operator: Operator
    target_value: Decimal | None
    target_text: str | None
    unit_of_measure: str
    weight: Decimal
    basis: Basis = Basis.PLAN
    scoring_note: str | None = None
    library_code: str | None = None
    where: str = ""  # how the filer finds it again, e.g. "sheet 绩效目标, row 12"


@dataclass(frozen=True)
class Problem:
    """Where (a field path) and why; `code` and `params` let a UI say it in its own language."""

    where: str
    field: str
    reason: str
    code: str = ""
    params: dict = field(default_factory=dict)

    def __str__(self) -> str:
        return (
            f"{self.where}: {self.field}: {self.reason}"
            if self.where
            else (f"{self.field}: {self.reason}")
        )


def check(
    drafts: list[IndicatorDraft],
    nodes: list[FrameNode],
    total: Decimal,
    limits: tuple[int, int] = (MIN_INDICATORS, MAX_INDICATORS),
) -> list[Problem]:
    """Every problem of a table of indicators under a frame (empty when it may be filed);
    `limits` bounds how many indicators it has (a department's overall table has more)."""
    problems: list[Problem] = []
    level2 = {node.code: node for node in nodes if node.level == 2}
    by_id = {node.id: node for node in nodes}
    low, high = limits
    if not low <= len(drafts) <= high:
        problems.append(
            Problem(
                "",
                "indicators",
                f"a table has {low}–{high} indicators, this one has {len(drafts)}",
                "count",
                {"min": low, "max": high, "count": len(drafts)},
            )
        )
    names = defaultdict(list)
    branch_weight: dict[str, Decimal] = defaultdict(Decimal)
    for draft in drafts:
        names[draft.name.strip()].append(draft.where)
        problems += _check_one(draft, level2)
        node = level2.get(draft.node_code)
        if node is not None:
            branch_weight[by_id[node.parent_id].code] += draft.weight
    for name, places in names.items():
        if name and len(places) > 1:
            problems.append(
                Problem(places[1], "name", f"'{name}' appears twice", "duplicate", {"name": name})
            )
    fixed = sum((n.weight or 0 for n in nodes if n.level == 1 and n.fixed_item), Decimal(0))
    expected = total - fixed
    filed = sum((d.weight for d in drafts), Decimal(0))
    if filed != expected:
        problems.append(
            Problem(
                "",
                "weight",
                f"weights add up to {_plain(filed)}, the frame needs {_plain(expected)}",
                "weight_total",
                {"filed": _plain(filed), "expected": _plain(expected)},
            )
        )
    # An item the table leaves empty may give its weight to another (成本 to 产出 in 2021's frame).
    weights = branch_weights(nodes, set(branch_weight))
    for node in nodes:
        if node.code in weights and node.level == 1:
            got = branch_weight.get(node.code, Decimal(0))
            if got != weights[node.code]:
                problems.append(
                    Problem(
                        "",
                        "weight",
                        f"{node.name_zh} ({node.name_en}) indicators weigh "
                        f"{_plain(got)}, the frame gives it {_plain(weights[node.code])}",
                        "branch_weight",
                        {
                            "node_zh": node.name_zh,
                            "node_en": node.name_en,
                            "got": _plain(got),
                            "expected": _plain(weights[node.code]),
                        },
                    )
                )
    return problems


def _plain(number: Decimal) -> str:
    """90 rather than 90.00 or 9E+1."""
    return format(number.normalize(), "f")


def _check_one(draft: IndicatorDraft, level2: dict[str, FrameNode]) -> list[Problem]:
    problems = []

    def bad(field: str, reason: str, code: str, **params) -> None:
        problems.append(Problem(draft.where, field, reason, code, params))

    if draft.node_code not in level2:
        bad(
            "level",
            f"'{draft.node_code}' is not a level-2 item of the frame ({', '.join(sorted(level2))})",
            "level_unknown",
            node=draft.node_code,
        )
    if not draft.name or not draft.name.strip():
        bad("name", "the indicator needs a name", "name_missing")
    elif len(draft.name) > 200:
        bad("name", "longer than 200 characters", "name_too_long")
    if draft.weight <= 0:
        bad("weight", "must be more than 0", "weight_positive")
    if draft.operator is Operator.QUALITATIVE:
        if draft.target_value is not None:
            bad(
                "target",
                "a qualitative indicator states its target in words, not a number",
                "qualitative_number",
            )
        if not (draft.target_text or "").strip():
            bad("target", "a qualitative indicator needs its target described", "qualitative_text")
    else:
        if draft.target_value is None:
            bad(
                "target",
                f"operator {draft.operator.value} needs a numeric target",
                "target_missing",
                operator=draft.operator.value,
            )
        elif draft.target_value < 0:
            bad("target", "must not be negative", "target_negative")
        if not (draft.unit_of_measure or "").strip():
            bad(
                "unit",
                "a numeric indicator needs its unit of measure (个, 人次, %, 万元, 天 …)",
                "unit_missing",
            )
    return problems
