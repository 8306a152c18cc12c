"""Projects with fund lines and draft target tables, generated and inserted in batches."""

from __future__ import annotations

import random
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import insert
from sqlalchemy.orm import Session

from engine.frame_map import branch_weights, scale
from engine.models import FundLine, Indicator, Project, TargetTable
from engine.models.enums import Basis, BudgetType, FundSource, ObjectKind, Operator
from engine.synthetic import names
from engine.synthetic.draw import budget, split_amount, split_points, weighted_index
from engine.synthetic.organisations import UnitInfo

LIVELIHOOD_SHARE = 0.05
CONTINUING_SHARE = 0.55
OWN_CLASS_SHARE = 0.85
KINDS = [
    (ObjectKind.PROJECT, 90),
    (ObjectKind.TRANSFER_PAYMENT, 4),
    (ObjectKind.POLICY, 3),
    (ObjectKind.SPECIAL_BOND, 3),
]


@dataclass(frozen=True)
class Context:
    """Everything one year's generation needs, loaded once."""

    year: int
    fiscal_year_id: int
    frame_id: int
    node_ids: dict[str, int]  # the library's level-2 item code → its node's id in the frame
    branches: dict[str, str]  # the library's level-2 item code → its level-1 item in the frame
    frame_nodes: list  # the frame's nodes, for its level-1 weights
    library: dict[str, dict[str, list[dict]]]  # class → level1 → items
    units: list[UnitInfo]
    unit_cumulative_weights: list[float]
    units_by_id: dict[int, UnitInfo]
    # Year − 1's continuing projects not yet continued, as (id, unit_id, name, class).
    predecessors: list[tuple[int, int, str, str]]


@dataclass
class Counts:
    projects: int = 0
    fund_lines: int = 0
    target_tables: int = 0
    indicators: int = 0


def insert_batch(
    session: Session, rng: random.Random, context: Context, codes: list[int], counts: Counts
) -> None:
    """Generate and insert one batch of projects with everything that hangs below them."""
    drafts = [_project(rng, context, code) for code in codes]
    ids = session.scalars(
        insert(Project).returning(Project.id, sort_by_parameter_order=True),
        [draft["row"] for draft in drafts],
    ).all()
    fund_lines, tables = [], []
    for project_id, draft in zip(ids, drafts, strict=True):
        fund_lines.extend(_fund_lines(rng, project_id, draft["row"]))
        tables.append(
            {
                "project_id": project_id,
                "revision": 1,
                "frame_id": context.frame_id,
                "goal": _goal(draft["row"]["name"]),
            }
        )
    session.execute(insert(FundLine), fund_lines)
    table_ids = session.scalars(
        insert(TargetTable).returning(TargetTable.id, sort_by_parameter_order=True), tables
    ).all()
    indicators = []
    for table_id, draft in zip(table_ids, drafts, strict=True):
        indicators.extend(_indicators(rng, context, table_id, draft["row"]["functional_class"]))
    session.execute(insert(Indicator), indicators)
    counts.projects += len(ids)
    counts.fund_lines += len(fund_lines)
    counts.target_tables += len(table_ids)
    counts.indicators += len(indicators)


def _project(rng: random.Random, context: Context, code: int) -> dict:
    unit = context.units[weighted_index(rng, context.unit_cumulative_weights)]
    functional_class = unit.functional_class
    if rng.random() > OWN_CLASS_SHARE:
        functional_class = rng.choice(list(names.PROJECT_PATTERNS))
    predecessor_id, continuing, exempt = None, rng.random() < CONTINUING_SHARE, False
    if rng.random() < LIVELIHOOD_SHARE:
        name, functional_class = rng.choice(names.LIVELIHOOD_PATTERNS)
        exempt, continuing = True, True
    elif continuing and context.predecessors:
        predecessor_id, unit_id, name, functional_class = context.predecessors.pop()
        unit = context.units_by_id.get(unit_id, unit)
    else:
        pattern = rng.choice(names.PROJECT_PATTERNS[functional_class])
        name = pattern.format(place=unit.place or rng.choice(names.CITIES_AND_COUNTIES))
    kind = rng.choices([k for k, _ in KINDS], [w for _, w in KINDS])[0]
    budget_type = (
        BudgetType.SOCIAL_INSURANCE
        if exempt and rng.random() < 0.5
        else (BudgetType.GOVERNMENT_FUNDS if rng.random() < 0.1 else BudgetType.GENERAL_PUBLIC)
    )
    return {
        "row": {
            "code": f"{context.year}-{code:07d}",
            "name": name,
            "fiscal_year_id": context.fiscal_year_id,
            "unit_id": unit.id,
            "functional_class": functional_class,
            "kind": kind,
            "budget_type": budget_type,
            "is_continuing": continuing,
            "is_livelihood_exempt": exempt,
            # Policy projects are the province's major policies (重大政策): assessed ex ante.
            "is_major_policy": kind is ObjectKind.POLICY,
            "predecessor_id": predecessor_id,
            "requested_amount": budget(rng),
        }
    }


def _fund_lines(rng: random.Random, project_id: int, row: dict) -> list[dict]:
    main = {
        BudgetType.GENERAL_PUBLIC: FundSource.GENERAL_PUBLIC_BUDGET,
        BudgetType.GOVERNMENT_FUNDS: FundSource.GOVERNMENT_FUNDS,
        BudgetType.SOCIAL_INSURANCE: FundSource.GENERAL_PUBLIC_BUDGET,
    }[row["budget_type"]]
    sources = [main]
    if row["kind"] is ObjectKind.SPECIAL_BOND:
        sources = [FundSource.SPECIAL_BONDS]
    extra = [FundSource.UNIT_OWN, FundSource.CARRIED_OVER, FundSource.OTHER]
    while rng.random() < 0.3 and len(sources) < 3:
        sources.append(extra[len(sources) - 1])
    amounts = split_amount(rng, row["requested_amount"], len(sources))
    return [
        {"project_id": project_id, "source": source, "amount": amount}
        for source, amount in zip(sources, amounts, strict=True)
    ]


def _goal(project_name: str) -> str:
    return (
        f"通过实施{project_name}，按期保质完成年度建设和服务任务，"
        "资金使用规范高效，服务对象满意度不低于90%。"
    )


def _indicators(rng: random.Random, context: Context, table_id: int, functional_class: str):
    total = rng.randint(6, 15)
    effect = max(1, round(total * 0.3))
    counts = {"output": total - 1 - effect, "effect": effect, "satisfaction": 1}
    library = context.library[functional_class]
    rows, branches = [], []
    for level1, how_many in counts.items():
        pool = library[level1]
        chosen = rng.sample(pool, min(how_many, len(pool)))
        chosen += [rng.choice(pool) for _ in range(how_many - len(chosen))]
        # Each row is drawn as its item is chosen (the order of the draws is the seed's);
        # weights are given once every row's level-1 item in the frame is known.
        for item in chosen:
            rows.append(_indicator(rng, context, table_id, len(rows) + 1, item, Decimal(0)))
            branches.append(context.branches[item["level2"]])
    # Each of the frame's level-1 items shares its weight among the rows filed under it.
    points = branch_weights(context.frame_nodes, set(branches))
    for branch in dict.fromkeys(branches):
        indexes = [i for i, b in enumerate(branches) if b == branch]
        for index, weight in zip(indexes, _split(points[branch], len(indexes)), strict=True):
            rows[index]["weight"] = weight
    return rows


def _split(points: Decimal, parts: int) -> list[Decimal]:
    """Whole points where the item's weight is whole (the shipped frames), else cents."""
    if points == points.to_integral_value():
        return split_points(int(points), parts)
    return scale([Decimal(1)] * parts, points)


def _indicator(rng, context, table_id, position, item, weight: Decimal) -> dict:
    operator = Operator(item["operator"])
    row = {
        "target_table_id": table_id,
        "node_id": context.node_ids[item["level2"]],
        "position": position,
        "name": item["name"],
        "operator": operator,
        "unit_of_measure": item.get("unit", ""),
        "weight": weight,
        "basis": Basis(item.get("basis", "plan")),
        "scoring_note": item.get("note"),
        "library_code": item["code"],
        "target_value": None,
        "target_text": None,
    }
    if operator is Operator.QUALITATIVE:
        row["target_text"] = item.get("bands_hint") or "达到预期目标"
    else:
        row["target_value"] = _target(rng, item)
    return row


def _target(rng: random.Random, item: dict) -> Decimal:
    low, high = Decimal(str(item["typical_min"])), Decimal(str(item["typical_max"]))
    if low == high:
        return low
    value = Decimal(str(rng.uniform(float(low), float(high))))
    if item.get("unit") == "%" or high - low < 10:
        return value.quantize(Decimal("0.1"))
    return value.quantize(Decimal("1"))
