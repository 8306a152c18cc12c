"""Evaluations (self, department, key, third party, satisfaction survey), scores and findings."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from engine.models.base import Base
from engine.models.enums import DeviationReason, DocumentStatus, EvaluationKind, QualitativeBand
from engine.models.fiscal import Project
from engine.models.types import Measure, ScaledDecimal, enum_type, utcnow

Points = ScaledDecimal(2)


class Evaluation(Base):
    """One evaluation of one project by one evaluator, scored against a frame."""

    __tablename__ = "evaluation"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"), index=True)
    kind: Mapped[EvaluationKind] = mapped_column(enum_type(EvaluationKind))
    frame_id: Mapped[int] = mapped_column(ForeignKey("indicator_frame.id"))
    evaluator_org_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"), index=True)
    status: Mapped[DocumentStatus] = mapped_column(
        enum_type(DocumentStatus), default=DocumentStatus.DRAFT
    )
    total_score: Mapped[Decimal | None] = mapped_column(Points)
    grade: Mapped[str | None] = mapped_column(String(8))
    summary: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    submitted_at: Mapped[datetime | None]
    finalized_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}

    project: Mapped[Project] = relationship()
    scores: Mapped[list[EvaluationScore]] = relationship(back_populates="evaluation")
    findings: Mapped[list[EvaluationFinding]] = relationship(back_populates="evaluation")


class EvaluationScore(Base):
    """The score of one indicator (or one fixed frame item such as budget execution)."""

    __tablename__ = "evaluation_score"

    id: Mapped[int] = mapped_column(primary_key=True)
    evaluation_id: Mapped[int] = mapped_column(ForeignKey("evaluation.id"), index=True)
    indicator_id: Mapped[int | None] = mapped_column(ForeignKey("indicator.id"))
    node_id: Mapped[int | None] = mapped_column(ForeignKey("frame_node.id"))
    weight: Mapped[Decimal] = mapped_column(Points)
    target: Mapped[Decimal | None] = mapped_column(Measure())
    actual: Mapped[Decimal | None] = mapped_column(Measure())
    band: Mapped[QualitativeBand | None] = mapped_column(enum_type(QualitativeBand))
    band_pct: Mapped[Decimal | None] = mapped_column(Measure())
    score: Mapped[Decimal] = mapped_column(Points)
    overrun: Mapped[bool] = mapped_column(default=False)
    deviation_reason: Mapped[DeviationReason | None] = mapped_column(enum_type(DeviationReason))
    deviation_note: Mapped[str | None] = mapped_column(Text)

    evaluation: Mapped[Evaluation] = relationship(back_populates="scores")


class EvaluationFinding(Base):
    """A problem an evaluator recorded; each one opens a rectification order."""

    __tablename__ = "evaluation_finding"

    id: Mapped[int] = mapped_column(primary_key=True)
    evaluation_id: Mapped[int] = mapped_column(ForeignKey("evaluation.id"), index=True)
    description: Mapped[str] = mapped_column(Text)
    requirement: Mapped[str | None] = mapped_column(Text)

    evaluation: Mapped[Evaluation] = relationship(back_populates="findings")
