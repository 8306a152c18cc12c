"""Ex-ante performance assessments (事前绩效评估) of new projects before their targets are filed."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from engine.models.base import Base
from engine.models.enums import DocumentStatus
from engine.models.fiscal import Project
from engine.models.types import Money, ScaledDecimal, enum_type, utcnow

Points = ScaledDecimal(2)


class ExAnteAssessment(Base):
    """A new project's proposal (necessity, feasibility, input economy, its targets) as the
    unit states it, and the department's or a commissioned third party's assessment of it,
    scored on the ex-ante frame; its conclusion decides whether the project enters the year."""

    __tablename__ = "ex_ante_assessment"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"), unique=True)
    frame_id: Mapped[int] = mapped_column(ForeignKey("indicator_frame.id"))
    # "department" or "third_party": who assesses; the organisation that does.
    assessor: Mapped[str] = mapped_column(String(12))
    assessor_org_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"), index=True)
    status: Mapped[DocumentStatus] = mapped_column(
        enum_type(DocumentStatus), default=DocumentStatus.DRAFT
    )
    # The unit's statements: {"necessity": text, "feasibility": …, "economy": …, "targets": …}.
    proposal: Mapped[dict | None]
    # Points per frame item: {"necessity": "26", …}.
    scores: Mapped[dict | None]
    total_score: Mapped[Decimal | None] = mapped_column(Points)
    # "support" 建议予以支持, "adjust" 调整后支持, "reject" 不予支持 (the frame's bands).
    conclusion: Mapped[str | None] = mapped_column(String(8))
    opinion: Mapped[str | None] = mapped_column(Text)
    recommended_amount: Mapped[Decimal | None] = mapped_column(Money())
    # The request as the unit filed it, kept when assessed: 调整后支持 at a recommended amount
    # revises the project's request (what its funding stands on) to that amount.
    requested_amount: Mapped[Decimal | None] = mapped_column(Money())
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    submitted_at: Mapped[datetime | None]
    assessed_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}

    project: Mapped[Project] = relationship()

    @property
    def request_assessed(self) -> Decimal:
        """The request the assessment is about: as kept when assessed (a 调整后支持 has since
        revised the project's own), else the project's while it is being assessed."""
        if self.requested_amount is not None:
            return self.requested_amount
        return self.project.requested_amount
