"""Money over time: fiscal years, projects, their fund lines and next-year allocations."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from engine.models.base import Base
from engine.models.enums import BudgetType, FiscalYearStatus, FundSource, ObjectKind, ProjectStatus
from engine.models.organisation import Organisation
from engine.models.types import Measure, enum_type, utcnow


class FiscalYear(Base):
    """One region's fiscal year (calendar year in China)."""

    __tablename__ = "fiscal_year"
    __table_args__ = (UniqueConstraint("region_code", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("region.code"))
    year: Mapped[int]
    status: Mapped[FiscalYearStatus] = mapped_column(
        enum_type(FiscalYearStatus), default=FiscalYearStatus.PLANNING
    )
    seed: Mapped[int | None] = mapped_column(comment="generator seed when synthetic")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Project(Base):
    """A budget project of one unit in one fiscal year."""

    __tablename__ = "project"
    __table_args__ = (
        # Unit first: every role's scope asks for the projects of some units, in any year (a
        # year alone is served by the index below). With the id inside, PostgreSQL answers a
        # scope from the index alone (SQLite's indexes carry the rowid anyway).
        Index("ix_project_unit_year", "unit_id", "fiscal_year_id", postgresql_include=["id"]),
        Index("ix_project_year_class", "fiscal_year_id", "functional_class"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    fiscal_year_id: Mapped[int] = mapped_column(ForeignKey("fiscal_year.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    functional_class: Mapped[str] = mapped_column(String(3))
    kind: Mapped[ObjectKind] = mapped_column(enum_type(ObjectKind), default=ObjectKind.PROJECT)
    budget_type: Mapped[BudgetType] = mapped_column(
        enum_type(BudgetType), default=BudgetType.GENERAL_PUBLIC
    )
    is_continuing: Mapped[bool] = mapped_column(default=False)
    is_livelihood_exempt: Mapped[bool] = mapped_column(default=False)
    # A major policy (重大政策) is assessed before filing (事前绩效评估) whatever its amount.
    is_major_policy: Mapped[bool] = mapped_column(default=False, server_default=false())
    # The same project's record in the previous fiscal year, for continuing projects.
    predecessor_id: Mapped[int | None] = mapped_column(ForeignKey("project.id"), index=True)
    requested_amount: Mapped[Decimal]
    approved_amount: Mapped[Decimal | None]
    status: Mapped[ProjectStatus] = mapped_column(
        enum_type(ProjectStatus), default=ProjectStatus.FILING
    )
    disbursement_suspended: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}

    unit: Mapped[Organisation] = relationship()
    fiscal_year: Mapped[FiscalYear] = relationship()
    fund_lines: Mapped[list[FundLine]] = relationship(back_populates="project")


class FundLine(Base):
    """Where a project's money comes from."""

    __tablename__ = "fund_line"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"), index=True)
    source: Mapped[FundSource] = mapped_column(enum_type(FundSource))
    amount: Mapped[Decimal]

    project: Mapped[Project] = relationship(back_populates="fund_lines")


class Allocation(Base):
    """A project's allocation for a year: requested × the decision's factor, unless overridden."""

    __tablename__ = "allocation"
    __table_args__ = (UniqueConstraint("project_id", "fiscal_year_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # The project whose outcome decided this allocation.
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"))
    # The year the money is for (the evaluated year + 1).
    fiscal_year_id: Mapped[int] = mapped_column(ForeignKey("fiscal_year.id"), index=True)
    decision_id: Mapped[int | None] = mapped_column(ForeignKey("funding_decision.id"))
    requested: Mapped[Decimal]
    factor: Mapped[Decimal] = mapped_column(Measure())
    amount: Mapped[Decimal]
    overridden: Mapped[bool] = mapped_column(default=False)
    override_reason: Mapped[str | None] = mapped_column(Text)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    decided_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class BudgetAdjustment(Base):
    """An in-year change a unit requests after an alert (targets, money, or cancellation)."""

    __tablename__ = "budget_adjustment"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"), index=True)
    alert_id: Mapped[int | None] = mapped_column(ForeignKey("alert.id"))
    course: Mapped[str] = mapped_column(String(20))
    amount_change: Mapped[Decimal | None]
    reason: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="draft")
    applied_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}
