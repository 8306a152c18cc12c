"""Result application: adjustments, decisions, allocations, disclosure, and next year's cycle."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import select

from engine.cycle.context import decimal, fiscal_year_of, project_of
from engine.cycle.start import carry_forward, next_fiscal_year
from engine.errors import InvalidInput
from engine.evaluation.department_ranks import department_grade, department_rank
from engine.models import (
    AccountabilityAction,
    Allocation,
    BudgetAdjustment,
    Disclosure,
    FundingDecision,
    RectificationOrder,
)
from engine.models.enums import (
    AccountabilityKind,
    DecisionKind,
    DecisionStatus,
    DisclosureKind,
    ProjectStatus,
)
from engine.results import rulesets
from engine.review.documents import document_row
from engine.workflow.operations import OperationRegistry, ServiceCall
from rules import Facts
from rules.host import host

CENT = Decimal("0.01")


def apply_adjustment(call: ServiceCall) -> dict:
    """An approved in-year adjustment takes effect."""
    adjustment: BudgetAdjustment = document_row(call)
    adjustment.course = call.data.get("course", adjustment.course)
    adjustment.status, adjustment.applied_at = "applied", call.now
    project = project_of(call)
    if adjustment.course == "cancel":
        project.status = ProjectStatus.CANCELLED
    amount = call.data.get("amount_change")
    if amount is not None and adjustment.course == "reallocate":
        adjustment.amount_change = decimal(amount, "amount_change").quantize(CENT)
        project.approved_amount = (project.approved_amount or project.requested_amount) + (
            adjustment.amount_change
        )
    call.session.flush()
    return {"adjustment_id": adjustment.id, "course": adjustment.course}


def facts_of(call: ServiceCall) -> Facts:
    """What the rules judge: this year's outcome, last year's grade, open problems, and how
    the project's department ranks this year (fixed when the year's evaluations closed, or by
    this decision if it is the year's first: engine/evaluation/department_ranks.py)."""
    project = project_of(call)
    previous = None
    if project.predecessor_id is not None:
        previous = call.session.scalars(
            select(FundingDecision.facts)
            .where(FundingDecision.project_id == project.predecessor_id)
            .order_by(FundingDecision.id.desc())
        ).first()
    overdue = call.session.scalars(
        select(RectificationOrder.id).where(
            RectificationOrder.project_id == project.id, RectificationOrder.overdue.is_(True)
        )
    ).first()
    budget = project.approved_amount or project.requested_amount
    executed = call.data.get("executed")
    rate = None
    if executed and budget:
        rate = (decimal(executed, "executed") / budget).quantize(Decimal("0.0001"))
    # The rank first: the year's first decision closes its evaluations, fixing both.
    rank = department_rank(call.session, project, now=call.now, by=call.actor.name)
    return Facts(
        project_code=project.code,
        year=fiscal_year_of(call, project).year,
        grade=call.data.get("grade"),
        previous_grade=(previous or {}).get("grade"),
        is_continuing=project.is_continuing,
        is_livelihood_exempt=project.is_livelihood_exempt,
        execution_rate=rate,
        rectification_overdue=overdue is not None,
        red_alert_unanswered=project.disbursement_suspended,
        department_rank=rank,
        department_grade=department_grade(call.session, project),
    )


def apply_rules(call: ServiceCall) -> dict:
    """Decide next year's funding and the accountability actions with the year's rule set."""
    project = project_of(call)
    year = fiscal_year_of(call, project)
    ruleset_row, ruleset = rulesets.active(call.session, year.region_code, year.year)
    decision = host().evaluate(ruleset, facts_of(call))
    row = FundingDecision(
        project_id=project.id,
        fiscal_year_id=project.fiscal_year_id,
        rule_set_id=ruleset_row.id,
        kind=DecisionKind(decision.kind.value),
        factor=decision.factor,
        needs_review=decision.needs_review,
        decided_at=call.now,
        facts=decision.facts,
        fired_rules=list(decision.fired),
        reclaim_amount=_unspent(call, project) if decision.reclaim else None,
    )
    call.session.add(row)
    call.session.flush()
    for action in decision.actions:
        call.session.add(
            AccountabilityAction(
                project_id=project.id,
                decision_id=row.id,
                organisation_id=project.unit_id,
                kind=AccountabilityKind(action.value),
                created_at=call.now,
            )
        )
    call.session.flush()
    return {
        "decision_id": row.id,
        "kind": row.kind.value,
        "factor": str(decision.factor),
        "fired": list(decision.fired),
        "needs_review": decision.needs_review,
        "ruleset": decision.ruleset,
        "reclaim_amount": None if row.reclaim_amount is None else str(row.reclaim_amount),
    }


def _unspent(call: ServiceCall, project) -> Decimal:
    """This year's unspent balance, which reclaiming idle funds takes back (never below 0)."""
    budget = project.approved_amount or project.requested_amount
    executed = decimal(call.data.get("executed") or 0, "executed")
    return max(budget - executed, Decimal(0)).quantize(CENT, ROUND_HALF_UP)


def set_allocation(call: ServiceCall) -> dict:
    """Next year's allocation: requested × the decision's factor, unless overridden."""
    project = project_of(call)
    decision = call.session.get(FundingDecision, call.require("funding_decision")["decision_id"])
    factor = decision.factor
    override = call.data.get("override_factor")
    if override not in (None, ""):
        reason = (call.data.get("override_reason") or "").strip()
        if not reason:
            raise InvalidInput(
                "overriding the decision needs a reason", errors={"override_reason": "required"}
            )
        factor = decimal(override, "override_factor")
        if not Decimal(0) <= factor <= Decimal(2):
            raise InvalidInput(
                "override_factor must be between 0 and 2",
                errors={"override_factor": "out of range"},
            )
        decision.override_factor, decision.override_reason = factor, reason
        decision.status = DecisionStatus.OVERRIDDEN
    else:
        decision.status = DecisionStatus.CONFIRMED
    decision.confirmed_at = call.now
    decision.confirmed_by_id = call.actor.user_id
    following = next_fiscal_year(call, fiscal_year_of(call, project))
    requested = project.requested_amount
    allocation = Allocation(
        project_id=project.id,
        fiscal_year_id=following.id,
        decision_id=decision.id,
        requested=requested,
        factor=factor.quantize(Decimal("0.0001")),
        amount=(requested * factor).quantize(CENT, ROUND_HALF_UP),
        overridden=override not in (None, ""),
        override_reason=decision.override_reason,
        decided_by_id=call.actor.user_id,
        decided_at=call.now,
    )
    call.session.add(allocation)
    call.session.flush()
    return {
        "allocation_id": allocation.id,
        "amount": str(allocation.amount),
        "factor": str(allocation.factor),
        "year": following.year,
    }


def disclose_results(call: ServiceCall) -> dict:
    """Publish the grade and score."""
    project = project_of(call)
    result = call.data.get("result") or {}
    call.session.add(
        Disclosure(
            project_id=project.id,
            fiscal_year_id=project.fiscal_year_id,
            kind=DisclosureKind.GRADE,
            disclosed_at=call.now,
            payload={
                "project": project.code,
                "name": project.name,
                "grade": call.data.get("grade"),
                "score": result.get("score"),
            },
        )
    )
    project.status = (
        ProjectStatus.CLOSED if project.status is not ProjectStatus.CANCELLED else (project.status)
    )
    call.session.flush()
    return {"disclosed": True}


def start_next_year(call: ServiceCall) -> dict:
    """Carry a continuing, funded project into next year and start its cycle."""
    return carry_forward(call)


def register(registry: OperationRegistry) -> None:
    registry.register("apply_adjustment", apply_adjustment)
    registry.register("apply_rules", apply_rules)
    registry.register("set_allocation", set_allocation)
    registry.register("disclose_results", disclose_results)
    registry.register("start_next_year", start_next_year)
