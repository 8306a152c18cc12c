"""Evaluations as the caller may see them, their scored rows, and a preview of a form's scores.

An evaluator sees only the evaluations assigned to its organisation (not every evaluation of
the projects it evaluates); everyone else sees the evaluations of the projects in their scope.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, selectinload

from engine import policy
from engine.actors import Actor
from engine.errors import InvalidInput, NotFound
from engine.evaluation.scores import IndicatorLine, ItemLine, Scored, score_items, score_self
from engine.identity.access import scoped_by_project, visible_project
from engine.identity.permissions import Scope, scope_of
from engine.models import (
    Evaluation,
    EvaluationScore,
    FrameNode,
    Indicator,
    IndicatorFrame,
    Project,
    TargetTable,
)
from engine.models.enums import EvaluationKind
from engine.paging import Page, paginate, sort_by

EVALUATION_SORTS = {"id": Evaluation.id, "project_id": Evaluation.project_id}
# The frame each kind of evaluation is scored on (engine/review/documents.py opens them so);
# a self-evaluation scores its target table's frame when it has one.
FRAME_OF_KIND = {EvaluationKind.SELF: "default"}
OUTSIDE_FRAME = "key_evaluation"
# The task form that scores each kind of evaluation.
FORM_KIND = {
    "self_evaluation": EvaluationKind.SELF,
    "key_evaluation": EvaluationKind.KEY,
    "department_evaluation": EvaluationKind.DEPARTMENT,
    "third_party_evaluation": EvaluationKind.THIRD_PARTY,
}


def evaluations_in_scope(stmt, actor: Actor):
    """`stmt` over Evaluation limited to what `actor` may open: a third party only the
    evaluations assigned to it, everyone else those of the projects they see."""
    if scope_of(actor) is Scope.ASSIGNED:
        return stmt.where(Evaluation.evaluator_org_id == actor.org_id)
    return scoped_by_project(stmt, actor, Evaluation)


@dataclass(frozen=True)
class EvaluationFilter:
    kind: str | None = None
    project_id: int | None = None
    grade: str | None = None
    status: str | None = None


def list_evaluations(
    session: Session, actor: Actor, where: EvaluationFilter, page: int, per_page: int, sort=None
) -> Page:
    stmt = evaluations_in_scope(select(Evaluation).options(joinedload(Evaluation.project)), actor)
    if where.kind:
        stmt = stmt.where(Evaluation.kind == where.kind)
    if where.project_id is not None:
        stmt = stmt.where(Evaluation.project_id == where.project_id)
    if where.grade:
        stmt = stmt.where(Evaluation.grade == where.grade)
    if where.status:
        stmt = stmt.where(Evaluation.status == where.status)
    return paginate(session, sort_by(stmt, sort, EVALUATION_SORTS, Evaluation.id), page, per_page)


def get_evaluation(session: Session, actor: Actor, evaluation_id: int) -> Evaluation:
    """The evaluation if `actor` may see it; NotFound otherwise (whether or not it exists)."""
    evaluation = session.scalars(
        evaluations_in_scope(
            select(Evaluation)
            .options(joinedload(Evaluation.project), selectinload(Evaluation.findings))
            .where(Evaluation.id == evaluation_id),
            actor,
        )
    ).one_or_none()
    if evaluation is None:
        raise NotFound(
            f"no evaluation {evaluation_id}",
            errors={"evaluation": "not found"},
            key="no_evaluation",
            params={"id": evaluation_id},
        )
    return evaluation


@dataclass(frozen=True)
class ScoreLine:
    """A stored score with what it scored: an indicator, or a frame item."""

    score: EvaluationScore
    name: str
    name_en: str
    operator: str | None
    unit_of_measure: str | None


def score_lines(session: Session, evaluation: Evaluation) -> list[ScoreLine]:
    """The stored scores in the order they were scored (execution or items, then indicators)."""
    rows = session.execute(
        select(EvaluationScore, Indicator, FrameNode)
        .outerjoin(Indicator, Indicator.id == EvaluationScore.indicator_id)
        .outerjoin(FrameNode, FrameNode.id == EvaluationScore.node_id)
        .where(EvaluationScore.evaluation_id == evaluation.id)
        .order_by(EvaluationScore.id)
    ).all()
    lines = []
    for score, indicator, node in rows:
        if indicator is not None:
            lines.append(
                ScoreLine(
                    score,
                    indicator.name,
                    indicator.name,
                    indicator.operator.value,
                    indicator.unit_of_measure,
                )
            )
        else:
            lines.append(
                ScoreLine(
                    score, node.name_zh if node else "", node.name_en if node else "", None, None
                )
            )
    return lines


def frame_of(session: Session, evaluation: Evaluation) -> IndicatorFrame:
    return session.get(IndicatorFrame, evaluation.frame_id)


@dataclass(frozen=True)
class BasisPart:
    kind: str
    score: Decimal
    weight: Decimal


def combined_basis(session: Session, project: Project) -> list[BasisPart]:
    """How the project's result combines its evaluations (engine combine_results' weights).

    The newest scored evaluation of each kind counts, with the configured weights re-normalised
    over the kinds present; empty when nothing is scored yet.
    """
    evaluations = session.scalars(
        select(Evaluation)
        .where(Evaluation.project_id == project.id, Evaluation.total_score.is_not(None))
        .order_by(Evaluation.id)
    ).all()
    if not evaluations:
        return []
    year = project.fiscal_year
    weights = policy.setting(session, "evaluation_combination", year.region_code, year.year)[
        "weights"
    ]
    latest = {e.kind.value: e for e in evaluations}
    parts = [(kind, e.total_score, Decimal(weights.get(kind, "0"))) for kind, e in latest.items()]
    weight_sum = sum(w for _, _, w in parts)
    if weight_sum == 0:
        return []
    return [
        BasisPart(kind, score, (weight / weight_sum).quantize(Decimal("0.0001")))
        for kind, score, weight in parts
    ]


# ---- the live preview ----------------------------------------------------------------------


@dataclass(frozen=True)
class ScoringSheet:
    """What scoring an evaluation of `kind` for `project` reads: the rows and the grade bands."""

    project: Project
    kind: EvaluationKind
    frame: IndicatorFrame
    indicators: list[IndicatorLine]
    items: list[ItemLine]
    execution_weight: Decimal | None
    settings: dict

    def score(self, data: dict) -> Scored:
        if self.kind is EvaluationKind.SELF:
            return score_self(
                execution_weight=self.execution_weight,
                budget=self.project.approved_amount or self.project.requested_amount,
                executed=data.get("executed"),
                indicators=self.indicators,
                given=data.get("scores") or [],
                settings=self.settings,
                grade_bands=self.frame.grade_bands,
            )
        return score_items(self.items, data.get("items"), self.frame.grade_bands)


def sheet_for_evaluation(session: Session, actor: Actor, evaluation_id: int) -> ScoringSheet:
    return sheet_of(session, get_evaluation(session, actor, evaluation_id))


def sheet_of(session: Session, evaluation: Evaluation) -> ScoringSheet:
    """The scoring sheet of an evaluation the caller has already been allowed to see."""
    return _sheet(session, evaluation.project, evaluation.kind, frame_of(session, evaluation))


def sheet_for_project(
    session: Session, actor: Actor, project_id: int, kind: EvaluationKind
) -> ScoringSheet:
    project = visible_project(session, actor, project_id)
    frame = None
    if kind is EvaluationKind.SELF:
        # A self-evaluation scores the frame its target table was filed on.
        frame = session.scalars(
            select(IndicatorFrame)
            .join(TargetTable, TargetTable.frame_id == IndicatorFrame.id)
            .where(TargetTable.project_id == project.id)
            .order_by(TargetTable.revision.desc())
            .limit(1)
        ).first()
    if frame is None:
        code = FRAME_OF_KIND.get(kind, OUTSIDE_FRAME)
        frame = session.scalars(
            select(IndicatorFrame)
            .where(IndicatorFrame.code == code, IndicatorFrame.region_code.is_(None))
            .order_by(IndicatorFrame.id)
        ).first()
    if frame is None:
        raise NotFound(f"no indicator frame '{code}'", errors={"frame": "not found"})
    return _sheet(session, project, kind, frame)


def _sheet(session: Session, project: Project, kind: EvaluationKind, frame) -> ScoringSheet:
    if kind is EvaluationKind.SATISFACTION_SURVEY:
        raise InvalidInput(
            "a satisfaction survey is counted, not scored on a form", errors={"kind": "survey"}
        )
    year = project.fiscal_year
    settings = policy.setting(session, "scoring", year.region_code, year.year)
    indicators: list[IndicatorLine] = []
    execution_weight = None
    if kind is EvaluationKind.SELF:
        table = session.scalars(
            select(TargetTable)
            .where(TargetTable.project_id == project.id)
            .order_by(TargetTable.revision.desc())
            .limit(1)
        ).first()
        if table is None:
            raise InvalidInput(
                "the project has no target table to evaluate against",
                errors={"project": "no target table"},
            )
        execution_node = session.scalars(
            select(FrameNode).where(
                FrameNode.frame_id == table.frame_id, FrameNode.fixed_item == "execution"
            )
        ).first()
        execution_weight = execution_node.weight if execution_node is not None else None
        indicators = [
            IndicatorLine(i.id, i.name, i.operator, i.weight, i.target_value)
            for i in table.indicators
        ]
    items = [
        ItemLine(node.code, node.name_zh, node.name_en, node.weight)
        for node in frame.nodes
        if node.level == 1
    ]
    return ScoringSheet(project, kind, frame, indicators, items, execution_weight, settings)


def evaluation_for_task(session: Session, form: str | None, project: Project | None):
    """The evaluation document a scoring task works on: the project's newest of the form's kind."""
    kind = FORM_KIND.get(form or "")
    if kind is None or project is None:
        return None
    return session.scalars(
        select(Evaluation)
        .where(Evaluation.project_id == project.id, Evaluation.kind == kind)
        .order_by(Evaluation.id.desc())
        .limit(1)
    ).first()
