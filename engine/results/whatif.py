"""What-if: run a candidate rule set over a year's outcomes and report what would change."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from engine.errors import NotFound
from engine.models import EvaluationClose, FiscalYear, FundingDecision, Organisation, Project
from engine.results.rulesets import facts_from
from rules import RuleSet, parse_ruleset
from rules.host import host

CENT = Decimal("0.01")


@dataclass
class Change:
    """One project whose decision would change."""

    project_code: str
    department: str
    old: str
    new: str
    delta: Decimal
    # Idle funds reclaimed from this year's balance, before and with the candidate.
    old_reclaim: bool = False
    new_reclaim: bool = False


@dataclass
class WhatIf:
    """The difference a candidate rule set would make to a year's decisions."""

    ruleset: str
    decisions: int = 0
    changes: list[Change] = field(default_factory=list)
    delta_by_department: dict[str, Decimal] = field(default_factory=dict)

    @property
    def total_delta(self) -> Decimal:
        return sum(self.delta_by_department.values(), Decimal(0))


def simulate(session: Session, candidate: RuleSet, region_code: str, year: int) -> WhatIf:
    """Evaluate `candidate` on the facts every decision of `year` recorded; write nothing."""
    # A candidate may reuse the name and version of a stored rule set; give it a reference of
    # its own (by content) so the rules host never confuses the two.
    body = json.loads(candidate.to_json())
    body["region"] = f"what-if-{candidate.sha256[:12]}"
    candidate = parse_ruleset(body)
    fiscal_year = session.scalars(
        select(FiscalYear).where(FiscalYear.region_code == region_code, FiscalYear.year == year)
    ).first()
    if fiscal_year is None:
        raise NotFound(f"no fiscal year {year} in region {region_code}")
    unit, department = aliased(Organisation), aliased(Organisation)
    rows = session.execute(
        select(
            FundingDecision, Project.code, Project.requested_amount, department.name, department.id
        )
        .join(Project, FundingDecision.project_id == Project.id)
        .join(unit, Project.unit_id == unit.id)
        .outerjoin(department, unit.parent_id == department.id)
        .where(FundingDecision.fiscal_year_id == fiscal_year.id)
        .order_by(FundingDecision.project_id, FundingDecision.id)
    ).all()
    latest = {
        decision.project_id: (decision, code, requested, dept, dept_id)
        for decision, code, requested, dept, dept_id in rows
    }
    result = WhatIf(ruleset=candidate.ref, decisions=len(latest))
    deltas: dict[str, Decimal] = defaultdict(Decimal)
    items = list(latest.values())
    grades = _department_grades(session, fiscal_year.id)
    outcomes = host().evaluate_many(
        candidate, [_facts(decision.facts, grades.get(dept_id)) for decision, *_, dept_id in items]
    )
    for (decision, code, requested, dept, _), outcome in zip(items, outcomes, strict=True):
        current = (
            decision.override_factor if decision.override_factor is not None else (decision.factor)
        )
        reclaimed = decision.reclaim_amount is not None or decision.kind.value == "reclaim"
        if _same(decision.kind.value, current, reclaimed, outcome):
            continue
        delta = (requested * (outcome.factor - current)).quantize(CENT, ROUND_HALF_UP)
        name = dept or "—"
        deltas[name] += delta
        result.changes.append(
            Change(
                code,
                name,
                f"{decision.kind.value} ×{current.normalize():f}",
                f"{outcome.kind.value} ×{outcome.factor.normalize():f}",
                delta,
                reclaimed,
                outcome.reclaim,
            )
        )
    result.delta_by_department = dict(sorted(deltas.items(), key=lambda item: item[1]))
    return result


def _department_grades(session: Session, fiscal_year_id: int) -> dict[int, str]:
    """Department id → its overall grade (部门整体绩效) as fixed when the year's evaluations
    closed; empty before the close."""
    ranks = session.scalar(
        select(EvaluationClose.ranks).where(EvaluationClose.fiscal_year_id == fiscal_year_id)
    )
    return {
        int(department): entry["grade"]
        for department, entry in (ranks or {}).items()
        if isinstance(entry, dict) and entry.get("grade")
    }


def _facts(stored: dict, department_grade: str | None):
    """A decision's facts; one recorded before department grades were facts gets the grade
    its department was given, so a candidate's department rules apply to it too."""
    facts = dict(stored)
    if "department_grade" not in facts:
        facts["department_grade"] = department_grade
    return facts_from(facts)


def _same(kind: str, factor: Decimal, reclaimed: bool, outcome) -> bool:
    """Whether the candidate's decision is the one taken: next year's effect and the reclaim."""
    if kind == "reclaim":
        # Stored before rows combined: a maintained or increased project whose funds were idle.
        return (
            outcome.reclaim
            and outcome.kind.value in ("maintain", "increase")
            and (outcome.factor == factor)
        )
    return (outcome.kind.value, outcome.factor, outcome.reclaim) == (kind, factor, reclaimed)
