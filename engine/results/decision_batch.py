"""The finance desk's funding decisions in bulk, and what a decision means for next year's money.

A batch is a list of decisions the desk has filtered and seen. Each is still settled by its own
command (engine/results/decisions.py: the decision's confirmation task completes through the
engine) in a savepoint of its own, so one that is refused (already settled, outside the caller's
scope, an incident in the process) leaves the others as they went, and the report names each one's
fate.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.actors import Actor
from engine.errors import BudgetloopError, InvalidInput
from engine.identity.access import project_scope
from engine.identity.permissions import Permission, require
from engine.models import FundingDecision, Organisation, Project
from engine.models.enums import DecisionKind
from engine.results.decisions import settle
from engine.results.queries import DecisionRow
from engine.workflow.runtime import WorkflowEngine

CENT = Decimal("0.01")
ONE = Decimal(1)
# Decisions that take money away: confirming one asks the person once more.
REDUCTIONS = frozenset({DecisionKind.CUT, DecisionKind.CANCEL, DecisionKind.SUSPEND})
MAX_BATCH = 200


def next_year_amount(row: DecisionRow) -> Decimal:
    """Next year's allocation: the recorded one, else requested × the factor in force
    (the override's if there is one), rounded to the cent as the allocation will be."""
    if row.allocation is not None:
        return row.allocation.amount
    return (row.project.requested_amount * row.effective_factor).quantize(CENT, ROUND_HALF_UP)


def this_year_amount(row: DecisionRow) -> Decimal:
    project = row.project
    return (
        project.approved_amount
        if project.approved_amount is not None
        else (project.requested_amount)
    )


def is_reduction(row: DecisionRow) -> bool:
    """Whether confirming the decision cuts, cancels or suspends the project's money."""
    return row.decision.kind in REDUCTIONS or row.effective_factor < ONE


def shown_kind(row: DecisionRow) -> str:
    """The decision as a reader should name it: an "increase" whose factor is 1 raises nothing.

    The default rule set's grade-A rows decide kind `increase` with factor 1 ("priority; may
    increase"): shown as 增加 ×1 it claimed a rise that the money does not show. It is priority
    (优先保障) at the same amount unless the factor is above 1.
    """
    kind = row.decision.kind
    if kind is DecisionKind.INCREASE and row.effective_factor <= ONE:
        return "priority"
    return kind.value


@dataclass
class BatchItem:
    """What happened to one decision of a batch."""

    decision_id: int
    outcome: str  # confirmed, incident, refused
    project_code: str | None = None
    project_name: str | None = None
    next_year_amount: Decimal | None = None
    incident_id: int | None = None
    code: str | None = None  # the refusal's error code (not_found, conflict, forbidden, …)
    message: str | None = None


def confirm_batch(
    session: Session, workflow: WorkflowEngine, actor: Actor, decision_ids: list[int]
) -> list[BatchItem]:
    """Confirm each decision by its own command; a report per decision, in the order given."""
    require(actor, Permission.CONFIRM_DECISIONS, "confirming funding decisions")
    ids = list(dict.fromkeys(decision_ids))
    if not ids:
        raise InvalidInput("no funding decisions to confirm", errors={"decision_ids": "empty"})
    if len(ids) > MAX_BATCH:
        raise InvalidInput(
            f"at most {MAX_BATCH} funding decisions at once, not {len(ids)}",
            errors={"decision_ids": "too many"},
        )
    items = []
    for decision_id in ids:
        savepoint = session.begin_nested()
        try:
            row, outcome = settle(session, workflow, actor, decision_id, {"confirm": True})
        except BudgetloopError as error:
            savepoint.rollback()
            items.append(BatchItem(decision_id, "refused", code=error.code, message=error.message))
            continue
        savepoint.commit()
        items.append(
            BatchItem(
                decision_id,
                "confirmed" if outcome.ok else "incident",
                project_code=row.project.code,
                project_name=row.project.name,
                next_year_amount=next_year_amount(row),
                incident_id=outcome.incident_id,
            )
        )
    return items


def decision_departments(session: Session, actor: Actor) -> list[tuple[int, str]]:
    """The departments whose projects have decisions the caller may see (for the filter)."""
    unit = Organisation.__table__.alias("decision_unit")
    department = Organisation.__table__.alias("decision_department")
    rows = session.execute(
        select(department.c.id, department.c.name)
        .distinct()
        .select_from(FundingDecision)
        .join(Project, Project.id == FundingDecision.project_id)
        .join(unit, unit.c.id == Project.unit_id)
        .join(department, department.c.id == unit.c.parent_id)
        .where(project_scope(actor))
        .order_by(department.c.name, department.c.id)
    )
    return [(row.id, row.name) for row in rows]
