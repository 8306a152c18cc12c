"""Department overall performance (部门整体绩效): a department's overall target table for a year,
its mid-year monitoring, and its evaluations (the department's self-evaluation, finance's)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from engine.models.base import Base
from engine.models.enums import Basis, DocumentStatus, Operator
from engine.models.fiscal import FiscalYear
from engine.models.indicators import FrameNode, IndicatorFrame
from engine.models.organisation import Organisation
from engine.models.types import Measure, Money, ScaledDecimal, enum_type, utcnow

Points = ScaledDecimal(2)
Rate = ScaledDecimal(4)


class DepartmentPlan(Base):
    """A department's overall performance target table (部门整体绩效目标表) for one year: its
    duties, the year's key work tasks, its overall goal and indicators on the department frame."""

    __tablename__ = "department_plan"
    __table_args__ = (UniqueConstraint("org_id", "fiscal_year_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    fiscal_year_id: Mapped[int] = mapped_column(ForeignKey("fiscal_year.id"), index=True)
    frame_id: Mapped[int] = mapped_column(ForeignKey("indicator_frame.id"))
    status: Mapped[DocumentStatus] = mapped_column(
        enum_type(DocumentStatus), default=DocumentStatus.DRAFT
    )
    duties: Mapped[str | None] = mapped_column(Text)  # 部门职责
    goal: Mapped[str | None] = mapped_column(Text)  # 年度总体目标
    # 重点工作任务: [{"name", "content", "amount"}] (amount in 元, as text).
    key_tasks: Mapped[list | None]
    # 基本支出 (staff and office costs) the department budgets for the year.
    basic_budget: Mapped[Decimal | None] = mapped_column(Money())
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    submitted_at: Mapped[datetime | None]
    approved_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}

    organisation: Mapped[Organisation] = relationship()
    fiscal_year: Mapped[FiscalYear] = relationship()
    frame: Mapped[IndicatorFrame] = relationship()
    indicators: Mapped[list[DepartmentIndicator]] = relationship(
        back_populates="plan", order_by="DepartmentIndicator.position"
    )


class DepartmentIndicator(Base):
    """A level-3 indicator of a department's overall table."""

    __tablename__ = "department_indicator"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("department_plan.id"), index=True)
    node_id: Mapped[int] = mapped_column(ForeignKey("frame_node.id"))
    position: Mapped[int] = mapped_column(default=0)
    name: Mapped[str] = mapped_column(String(200))
    operator: Mapped[Operator] = mapped_column(enum_type(Operator))
    target_value: Mapped[Decimal | None] = mapped_column(Measure())
    target_text: Mapped[str | None] = mapped_column(Text)
    unit_of_measure: Mapped[str] = mapped_column(String(20))
    weight: Mapped[Decimal] = mapped_column(Points)
    basis: Mapped[Basis] = mapped_column(enum_type(Basis))

    plan: Mapped[DepartmentPlan] = relationship(back_populates="indicators")
    node: Mapped[FrameNode] = relationship()


class DepartmentMonitoring(Base):
    """The department's mid-year monitoring (Jan–Jul): execution rolled up from its projects
    plus the basic expenditure it reports, and each indicator's progress."""

    __tablename__ = "department_monitoring"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("department_plan.id"), unique=True)
    months_elapsed: Mapped[int] = mapped_column(default=7)
    status: Mapped[DocumentStatus] = mapped_column(
        enum_type(DocumentStatus), default=DocumentStatus.DRAFT
    )
    project_budget: Mapped[Decimal] = mapped_column(Money(), default=0)
    project_executed: Mapped[Decimal] = mapped_column(Money(), default=0)
    projects: Mapped[int] = mapped_column(default=0)  # projects rolled up
    basic_budget: Mapped[Decimal] = mapped_column(Money(), default=0)
    basic_executed: Mapped[Decimal | None] = mapped_column(Money())
    execution_rate: Mapped[Decimal | None] = mapped_column(Rate)
    # "green" on pace, "yellow" / "red" behind it (the alert thresholds of a project).
    colour: Mapped[str | None] = mapped_column(String(8))
    # [{"indicator_id", "actual", "likelihood", "reason"}]
    rows: Mapped[list | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    submitted_at: Mapped[datetime | None]
    approved_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}

    plan: Mapped[DepartmentPlan] = relationship()


class DepartmentEvaluation(Base):
    """An evaluation of a department's overall expenditure: its self-evaluation
    (部门整体支出绩效自评, kind "self") or finance's (kind "finance"), scored on its table."""

    __tablename__ = "department_evaluation"
    __table_args__ = (UniqueConstraint("plan_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("department_plan.id"), index=True)
    kind: Mapped[str] = mapped_column(String(8))
    evaluator_org_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    status: Mapped[DocumentStatus] = mapped_column(
        enum_type(DocumentStatus), default=DocumentStatus.DRAFT
    )
    budget: Mapped[Decimal] = mapped_column(Money(), default=0)  # projects + basic
    executed: Mapped[Decimal | None] = mapped_column(Money())
    project_executed: Mapped[Decimal] = mapped_column(Money(), default=0)
    # [{"key", "name", "weight", "target", "actual", "band", "band_pct", "score", "reason"}]
    scores: Mapped[list | None]
    total_score: Mapped[Decimal | None] = mapped_column(Points)
    grade: Mapped[str | None] = mapped_column(String(8))
    summary: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    submitted_at: Mapped[datetime | None]
    approved_at: Mapped[datetime | None]
    finalized_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}

    plan: Mapped[DepartmentPlan] = relationship()
