"""Evaluation: score an evaluation from its form, combine a project's evaluations."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import select

from engine import policy
from engine.cycle.context import fiscal_year_of, project_of
from engine.errors import InvalidInput
from engine.evaluation.queries import sheet_of
from engine.evaluation.scores import Row
from engine.models import Evaluation, EvaluationFinding, EvaluationScore, FrameNode, TargetTable
from engine.models.enums import DocumentStatus, EvaluationKind, QualitativeBand
from engine.review.documents import document_row
from engine.workflow.operations import OperationRegistry, ServiceCall

CENT = Decimal("0.01")


def score_evaluation(call: ServiceCall) -> dict:
    """Score the evaluation in `document` from the submitted form; total and grade.

    The scoring itself is engine/evaluation/scores.py, which the live scoring form uses too, so
    that what a person sees while typing is what is stored.
    """
    evaluation: Evaluation = document_row(call)
    sheet = sheet_of(call.session, evaluation)
    scored = sheet.score(call.data)
    if scored.errors:
        raise InvalidInput(_first_problem(sheet, scored), errors=scored.errors)
    # Key, department and third-party rows are frame items; self-evaluation rows indicators.
    items = sheet.kind is not EvaluationKind.SELF
    nodes = {node.code: node for node in sheet.frame.nodes} if items else {}
    execution = next((n for n in sheet.frame.nodes if n.fixed_item == "execution"), None)
    if sheet.kind is EvaluationKind.SELF:
        execution = _execution_node(call, sheet) or execution
    for row in scored.rows:
        call.session.add(_stored(evaluation.id, row, nodes, execution))
    for text in call.data.get("findings") or []:
        call.session.add(EvaluationFinding(evaluation_id=evaluation.id, description=str(text)))
    evaluation.total_score = scored.total
    evaluation.grade = scored.grade
    evaluation.status = DocumentStatus.SUBMITTED
    evaluation.submitted_at = call.now
    call.session.flush()
    return {
        "evaluation_id": evaluation.id,
        "total": str(evaluation.total_score),
        "grade": evaluation.grade,
    }


def _execution_node(call: ServiceCall, sheet) -> FrameNode | None:
    # A self-evaluation's execution item belongs to its target table's frame.
    table = call.session.scalars(
        select(TargetTable)
        .where(TargetTable.project_id == sheet.project.id)
        .order_by(TargetTable.revision.desc())
        .limit(1)
    ).first()
    if table is None:
        return None
    return call.session.scalars(
        select(FrameNode).where(
            FrameNode.frame_id == table.frame_id, FrameNode.fixed_item == "execution"
        )
    ).first()


def _stored(evaluation_id: int, row: Row, nodes: dict, execution) -> EvaluationScore:
    if row.key == "execution":
        # The amount executed in the year is kept on the row: the department's year-end
        # roll-up (engine/department/rollup.year_end) reads it from here.
        return EvaluationScore(
            evaluation_id=evaluation_id,
            node_id=execution.id,
            weight=row.weight,
            actual=row.actual.quantize(Decimal("0.0001")) if row.actual is not None else None,
            score=row.score,
        )
    if row.key in nodes:
        return EvaluationScore(
            evaluation_id=evaluation_id,
            node_id=nodes[row.key].id,
            weight=row.weight,
            score=row.score,
        )
    return EvaluationScore(
        evaluation_id=evaluation_id,
        indicator_id=int(row.key),
        weight=row.weight,
        target=row.target,
        actual=row.actual.quantize(Decimal("0.0001")) if row.actual is not None else None,
        band=QualitativeBand(row.band) if row.band else None,
        band_pct=row.band_pct,
        score=row.score,
        overrun=row.overrun,
        deviation_note=row.reason,
    )


def _first_problem(sheet, scored) -> str:
    """The first problem in words a finance officer can act on (every one is in `errors`)."""
    field, problem = next(iter(scored.errors.items()))
    names = {f"scores.{line.id}": line.name for line in sheet.indicators}
    names.update({f"items.{item.code}": item.name_zh for item in sheet.items})
    subject = next(
        (names[key] for key in names if field == key or field.startswith(key + ".")), None
    )
    if field.endswith(".reason"):
        return f"indicator '{subject}' scored below full points: a deviation reason is required"
    if problem == "missing":
        return f"indicator '{subject}' has no score"
    if problem == "required" and subject:
        # A blank item and an item left out of the form are the same forgotten score.
        return f"'{subject}' has no score"
    if problem == "out of range" and subject:
        weight = next(item.weight for item in sheet.items if item.name_zh == subject)
        return f"'{subject}' must score between 0 and {weight}"
    label = f"'{subject}'" if subject else f"'{field}'"
    return f"{label}: {problem}"


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
