"""Rectification orders: issues, requirements, deadlines, feedback, review and closure."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, Integer, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from engine.models.base import Base
from engine.models.enums import RectificationSource, RectificationStatus
from engine.models.fiscal import Project
from engine.models.types import enum_type, utcnow


class RectificationOrder(Base):
    """An order to fix what a red alert, a poor grade or an evaluator's finding revealed."""

    __tablename__ = "rectification_order"
    __table_args__ = (Index("ix_rectification_status_due", "status", "close_due"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"), index=True)
    source: Mapped[RectificationSource] = mapped_column(enum_type(RectificationSource))
    alert_id: Mapped[int | None] = mapped_column(ForeignKey("alert.id"))
    evaluation_id: Mapped[int | None] = mapped_column(ForeignKey("evaluation.id"))
    finding_id: Mapped[int | None] = mapped_column(ForeignKey("evaluation_finding.id"))
    issues: Mapped[str] = mapped_column(Text)
    requirements: Mapped[str] = mapped_column(Text)
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    feedback_due: Mapped[date]
    plan_due: Mapped[date]
    close_due: Mapped[date]
    status: Mapped[RectificationStatus] = mapped_column(
        enum_type(RectificationStatus), default=RectificationStatus.ISSUED
    )
    feedback: Mapped[str | None] = mapped_column(Text)
    feedback_at: Mapped[datetime | None]
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    reviewed_at: Mapped[datetime | None]
    review_comment: Mapped[str | None] = mapped_column(Text)
    closed_at: Mapped[datetime | None]
    overdue: Mapped[bool] = mapped_column(default=False)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}

    project: Mapped[Project] = relationship()
