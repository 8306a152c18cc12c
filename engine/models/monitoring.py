"""Mid-year monitoring: tasks, reports, per-indicator rows and the alerts computed from them."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from engine.models.base import Base
from engine.models.enums import (
    AlertKind,
    AlertStatus,
    Colour,
    Course,
    DeviationReason,
    DocumentStatus,
    Likelihood,
    QualitativeBand,
)
from engine.models.fiscal import Project
from engine.models.types import Measure, enum_type, utcnow


class MonitoringTask(Base):
    """A monitoring round issued by finance: data up to month `months_elapsed`, due on a date."""

    __tablename__ = "monitoring_task"
    __table_args__ = (UniqueConstraint("fiscal_year_id", "round_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    fiscal_year_id: Mapped[int] = mapped_column(ForeignKey("fiscal_year.id"))
    round_code: Mapped[str] = mapped_column(String(20))
    months_elapsed: Mapped[int]
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    due_on: Mapped[date]
    closed_at: Mapped[datetime | None]


class MonitoringReport(Base):
    """A unit's report on one project for one monitoring round."""

    __tablename__ = "monitoring_report"
    __table_args__ = (
        UniqueConstraint("task_id", "project_id"),
        # What an alert's one foreign key refers to: its report, round and project together.
        UniqueConstraint("id", "task_id", "project_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("monitoring_task.id"))
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"), index=True)
    status: Mapped[DocumentStatus] = mapped_column(
        enum_type(DocumentStatus), default=DocumentStatus.DRAFT
    )
    budget: Mapped[Decimal]
    executed_to_date: Mapped[Decimal]
    submitted_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}

    project: Mapped[Project] = relationship()
    rows: Mapped[list[MonitoringRow]] = relationship(back_populates="report")


class MonitoringRow(Base):
    """Progress on one indicator: actual to date, likelihood and any deviation reason."""

    __tablename__ = "monitoring_row"
    __table_args__ = (UniqueConstraint("report_id", "indicator_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("monitoring_report.id"))
    indicator_id: Mapped[int] = mapped_column(ForeignKey("indicator.id"), index=True)
    actual_to_date: Mapped[Decimal | None] = mapped_column(Measure())
    qualitative_band: Mapped[QualitativeBand | None] = mapped_column(enum_type(QualitativeBand))
    likelihood: Mapped[Likelihood] = mapped_column(enum_type(Likelihood))
    deviation_reason: Mapped[DeviationReason | None] = mapped_column(enum_type(DeviationReason))
    deviation_note: Mapped[str | None] = mapped_column(Text)

    report: Mapped[MonitoringReport] = relationship(back_populates="rows")


class Alert(Base):
    """A deviation alert on a project's budget, one indicator, or the project as a whole."""

    __tablename__ = "alert"
    __table_args__ = (
        Index("ix_alert_task_colour", "task_id", "kind", "colour"),
        Index("ix_alert_status_raised", "status", "raised_at"),
        # A project's alerts, and (covering) how many of a colour a scope of projects has:
        # the lists count a department's red alerts from this index alone.
        Index("ix_alert_project_colour", "project_id", "colour"),
        # Set-based computation asks "has this report its project alert yet?" per report. Only
        # project alerts are indexed: a round writes four times as many others, and
        # maintaining their entries was a tenth of the time it takes to write them.
        Index(
            "ix_alert_report_project",
            "report_id",
            "rule_family",
            sqlite_where=text("kind = 'project'"),
            postgresql_where=text("kind = 'project'"),
        ),
        # One key for the report, its round and its project: an alert cannot name a round or a
        # project other than its report's, and the database checks one key, not three (a
        # check is a lookup per row; on PostgreSQL, a trigger per row and key — most of the
        # time it takes to write a round's alerts).
        ForeignKeyConstraint(
            ["report_id", "task_id", "project_id"],
            ["monitoring_report.id", "monitoring_report.task_id", "monitoring_report.project_id"],
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int]
    project_id: Mapped[int]
    report_id: Mapped[int]
    indicator_id: Mapped[int | None] = mapped_column(ForeignKey("indicator.id"))
    kind: Mapped[AlertKind] = mapped_column(enum_type(AlertKind))
    rule_family: Mapped[str] = mapped_column(String(20), default="pace")
    colour: Mapped[Colour] = mapped_column(enum_type(Colour))
    ratio: Mapped[Decimal | None] = mapped_column(Measure())
    status: Mapped[AlertStatus] = mapped_column(enum_type(AlertStatus), default=AlertStatus.OPEN)
    raised_at: Mapped[datetime] = mapped_column(default=utcnow)
    acknowledged_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    acknowledged_at: Mapped[datetime | None]
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    resolved_at: Mapped[datetime | None]
    response_course: Mapped[Course | None] = mapped_column(enum_type(Course))
    response_text: Mapped[str | None] = mapped_column(Text)
    responded_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}

    project: Mapped[Project] = relationship(
        primaryjoin="foreign(Alert.project_id) == Project.id", viewonly=True
    )
