"""A department's overall evaluations: its self-evaluation (部门整体支出绩效自评), reviewed by
finance, and finance's own evaluation. Both score the department's table on the department
frame: budget execution (projects rolled up at year end, plus the basic expenditure stated)
and each indicator, as a project's self-evaluation is scored (engine/evaluation/scores.py)."""

from __future__ import annotations

from decimal import Decimal

from engine import policy
from engine.department import rollup
from engine.department.documents import plan_of
from engine.errors import InvalidInput
from engine.evaluation.scores import IndicatorLine, Scored, score_self
from engine.models import DepartmentEvaluation, DepartmentPlan, FiscalYear
from engine.models.enums import DocumentStatus
from engine.review.documents import document_row
from engine.workflow.operations import OperationRegistry, ServiceCall

CENT = Decimal("0.01")


def score_sheet(session, plan: DepartmentPlan, data: dict, budget: Decimal, executed) -> Scored:
    """The evaluation form scored (nothing stored): what the page shows and the engine keeps."""
    year = session.get(FiscalYear, plan.fiscal_year_id)
    settings = policy.setting(session, "scoring", year.region_code, year.year)
    execution = next((n for n in plan.frame.nodes if n.fixed_item == "execution"), None)
    indicators = [
        IndicatorLine(i.id, i.name, i.operator, i.weight, i.target_value) for i in plan.indicators
    ]
    return score_self(
        execution_weight=None if execution is None else execution.weight,
        budget=budget,
        executed=executed,
        indicators=indicators,
        given=data.get("scores") or [],
        settings=settings,
        grade_bands=plan.frame.grade_bands,
    )


def score_evaluation(call: ServiceCall) -> dict:
    """Score the department evaluation in `document` from the form just completed."""
    evaluation: DepartmentEvaluation = document_row(call)
    plan = plan_of(call)
    projects = rollup.year_end(call.session, plan.org_id, plan.fiscal_year_id)
    basic_budget = plan.basic_budget or Decimal(0)
    basic_executed = Decimal(str(call.data.get("basic_executed") or 0)).quantize(CENT)
    budget = projects.budget + basic_budget
    executed = projects.executed + basic_executed
    scored = score_sheet(call.session, plan, call.data, budget, str(executed))
    known = {indicator.id for indicator in plan.indicators}
    for entry in call.data.get("scores") or []:
        if entry.get("indicator_id") not in known:
            # As the monitoring report does: a score for another table's indicator is an error.
            scored.errors[f"scores.{entry.get('indicator_id')}"] = "not an indicator of this table"
    if scored.errors:
        first, why = next(iter(scored.errors.items()))
        raise InvalidInput(
            f"the department evaluation was not scored: {first}: {why}", errors=scored.errors
        )
    evaluation.budget, evaluation.executed = budget, executed
    evaluation.project_executed = projects.executed
    evaluation.scores = [
        {
            "key": row.key,
            "name": row.name,
            "weight": str(row.weight),
            "target": None if row.target is None else str(row.target),
            "actual": None if row.actual is None else str(row.actual),
            "band": row.band,
            "band_pct": None if row.band_pct is None else str(row.band_pct),
            "score": str(row.score),
            "reason": row.reason,
        }
        for row in scored.rows
    ]
    evaluation.total_score, evaluation.grade = scored.total, scored.grade
    evaluation.summary = str(call.data.get("summary") or "")
    evaluation.status = DocumentStatus.SUBMITTED
    evaluation.submitted_at = call.now
    if evaluation.kind == "finance":
        # Finance's evaluation is the finance desk's own finding: final when scored.
        evaluation.status, evaluation.finalized_at = DocumentStatus.FINAL, call.now
    call.session.flush()
    return {"evaluation_id": evaluation.id, "total": str(scored.total), "grade": scored.grade}


def finalize_evaluation(call: ServiceCall) -> dict:
    """The reviewed self-evaluation is final: its grade counts from now on."""
    evaluation: DepartmentEvaluation = document_row(call)
    evaluation.status, evaluation.finalized_at = DocumentStatus.FINAL, call.now
    call.session.flush()
    return {"evaluation_id": evaluation.id, "grade": evaluation.grade}


def register(registry: OperationRegistry) -> None:
    registry.register("score_department_evaluation", score_evaluation)
    registry.register("finalize_department_evaluation", finalize_evaluation)
