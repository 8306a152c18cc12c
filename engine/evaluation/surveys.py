"""The public as an evaluator: a beneficiary satisfaction survey counts in a project's result."""

from __future__ import annotations

from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import audit
from engine.errors import InvalidInput, NotFound
from engine.evaluation import scoring
from engine.models import Evaluation, IndicatorFrame, Project
from engine.models.enums import DocumentStatus, EvaluationKind
from engine.models.types import utcnow

MIN_RESPONDENTS = 30


def record_survey(
    session: Session,
    project_id: int,
    *,
    satisfied: int,
    respondents: int,
    actor: str,
    now: datetime | None = None,
) -> Evaluation:
    """Record a survey: the share of satisfied respondents becomes a 0–100 score, final at
    `now` (the caller's clock; the wall clock if none)."""
    project = session.get(Project, project_id)
    if project is None:
        raise NotFound(f"no project {project_id}")
    if respondents < MIN_RESPONDENTS:
        raise InvalidInput(
            f"a survey needs at least {MIN_RESPONDENTS} respondents, not {respondents}",
            errors={"respondents": "too few"},
        )
    if not 0 <= satisfied <= respondents:
        raise InvalidInput(
            "satisfied respondents must be between 0 and the respondents",
            errors={"satisfied": "out of range"},
        )
    frame = session.scalars(
        select(IndicatorFrame)
        .where(IndicatorFrame.code == "default")
        .order_by(IndicatorFrame.version.desc())
    ).first()
    score = (Decimal(100) * satisfied / respondents).quantize(Decimal("0.01"), ROUND_HALF_UP)
    survey = Evaluation(
        project_id=project.id,
        kind=EvaluationKind.SATISFACTION_SURVEY,
        frame_id=frame.id,
        status=DocumentStatus.FINAL,
        total_score=score,
        grade=scoring.grade(score, frame.grade_bands),
        summary=f"满意度调查：{respondents} 人受访，{satisfied} 人满意",
        finalized_at=now or utcnow(),
    )
    session.add(survey)
    session.flush()
    audit.append(
        session,
        actor=actor,
        action="survey.record",
        object_type="evaluation",
        object_id=survey.id,
        payload={
            "project": project.code,
            "respondents": respondents,
            "satisfied": satisfied,
            "score": str(score),
        },
    )
    return survey
