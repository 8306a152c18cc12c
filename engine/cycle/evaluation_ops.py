"""Evaluation: score an evaluation from its form, combine a project's evaluations."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import select

from engine import policy, scoring
from engine.cycle.context import decimal, fiscal_year_of, project_of
from engine.cycle.documents import document_row
from engine.errors import InvalidInput
from engine.models import (
    Evaluation,
    EvaluationFinding,
    EvaluationScore,
    FrameNode,
    IndicatorFrame,
    TargetTable,
)
from engine.models.enums import DocumentStatus, EvaluationKind, QualitativeBand
from engine.workflow.operations import OperationRegistry, ServiceCall

CENT = Decimal("0.01")


def score_evaluation(call: ServiceCall) -> dict:
    """Score the evaluation in `document` from the submitted form; total and grade."""
    evaluation: Evaluation = document_row(call)
    frame = call.session.get(IndicatorFrame, evaluation.frame_id)
    project = project_of(call)
    year = fiscal_year_of(call, project)
    settings = policy.setting(call.session, "scoring", year.region_code, year.year)
    if evaluation.kind is EvaluationKind.SELF:
        total = _score_indicators(call, evaluation, project, settings)
    else:
        total = _score_items(call, evaluation, frame)
    for text in call.data.get("findings") or []:
        call.session.add(EvaluationFinding(evaluation_id=evaluation.id, description=str(text)))
    evaluation.total_score = total.quantize(CENT, ROUND_HALF_UP)
    evaluation.grade = scoring.grade(evaluation.total_score, frame.grade_bands)
    evaluation.status = DocumentStatus.SUBMITTED
    evaluation.submitted_at = call.now
    call.session.flush()
    return {
        "evaluation_id": evaluation.id,
        "total": str(evaluation.total_score),
        "grade": evaluation.grade,
    }


def _score_indicators(call, evaluation, project, settings) -> Decimal:
    table = call.session.scalars(
        select(TargetTable)
        .where(TargetTable.project_id == project.id)
        .order_by(TargetTable.revision.desc())
        .limit(1)
    ).one()
    execution_node = call.session.scalars(
        select(FrameNode).where(
            FrameNode.frame_id == table.frame_id, FrameNode.fixed_item == "execution"
        )
    ).first()
    budget = project.approved_amount or project.requested_amount
    executed = decimal(call.require("executed"), "executed")
    total = Decimal(0)
    if execution_node is not None:
        score = scoring.execution_score(execution_node.weight, budget, executed)
        total += score.rounded
        call.session.add(
            EvaluationScore(
                evaluation_id=evaluation.id,
                node_id=execution_node.id,
                weight=execution_node.weight,
                target=None,
                actual=None,
                score=score.rounded,
            )
        )
    given = {row.get("indicator_id"): row for row in call.data.get("scores") or []}
    tolerance = Decimal(settings["equal_tolerance"])
    for indicator in table.indicators:
        row = given.get(indicator.id)
        if row is None:
            raise InvalidInput(
                f"indicator '{indicator.name}' has no score",
                errors={f"scores.{indicator.id}": "missing"},
            )
        band = QualitativeBand(row["band"]) if row.get("band") else None
        score = scoring.indicator_score(
            indicator.operator,
            indicator.weight,
            target=indicator.target_value,
            actual=decimal(row["actual"], "actual") if row.get("actual") is not None else None,
            tolerance=tolerance,
            band=band,
            band_pct=decimal(row["band_pct"], "band_pct") if row.get("band_pct") else None,
            bands=settings["qualitative_bands"],
        )
        if score.rounded < indicator.weight and not row.get("reason"):
            raise InvalidInput(
                f"indicator '{indicator.name}' scored below full points: a deviation reason "
                "is required",
                errors={f"scores.{indicator.id}.reason": "required"},
            )
        actual = row.get("actual")
        call.session.add(
            EvaluationScore(
                evaluation_id=evaluation.id,
                indicator_id=indicator.id,
                weight=indicator.weight,
                target=indicator.target_value,
                actual=decimal(actual, "actual").quantize(Decimal("0.0001")) if actual else None,
                band=band,
                band_pct=decimal(row["band_pct"], "band_pct") if row.get("band_pct") else None,
                score=score.rounded,
                overrun=score.overrun,
                deviation_note=row.get("reason"),
            )
        )
        total += score.rounded
    return total


def _score_items(call, evaluation, frame) -> Decimal:
    """Key evaluations score the frame's level-1 items directly, each up to its weight."""
    items = call.require("items")
    total = Decimal(0)
    for node in frame.nodes:
        if node.level != 1:
            continue
        points = decimal(items.get(node.code, 0), f"items.{node.code}")
        if not 0 <= points <= node.weight:
            raise InvalidInput(
                f"'{node.name_zh}' must score between 0 and {node.weight}",
                errors={f"items.{node.code}": "out of range"},
            )
        call.session.add(
            EvaluationScore(
                evaluation_id=evaluation.id,
                node_id=node.id,
                weight=node.weight,
                score=points,
            )
        )
        total += points
    return total


def combine_results(call: ServiceCall) -> dict:
    """Combine the project's evaluations with the configured weights, and say how."""
    project = project_of(call)
    year = fiscal_year_of(call, project)
    weights = policy.setting(call.session, "evaluation_combination", year.region_code, year.year)[
        "weights"
    ]
    evaluations = call.session.scalars(
        select(Evaluation)
        .where(Evaluation.project_id == project.id, Evaluation.total_score.is_not(None))
        .order_by(Evaluation.id)
    ).all()
    latest = {e.kind.value: e for e in evaluations}  # the newest of each kind counts
    basis = [(kind, e.total_score, Decimal(weights.get(kind, "0"))) for kind, e in latest.items()]
    weight_sum = sum(w for _, _, w in basis)
    if not basis or weight_sum == 0:
        raise InvalidInput("the project has no scored evaluation to combine")
    score = sum(s * w for _, s, w in basis) / weight_sum
    findings = call.session.scalars(
        select(EvaluationFinding.id).join(Evaluation).where(Evaluation.project_id == project.id)
    ).all()
    return {
        "score": str(score.quantize(CENT, ROUND_HALF_UP)),
        "needs_rectification": bool(findings),
        "basis": [{"kind": k, "score": str(s), "weight": str(w / weight_sum)} for k, s, w in basis],
    }


def register(registry: OperationRegistry) -> None:
    registry.register("score_evaluation", score_evaluation)
    registry.register("combine_results", combine_results)
