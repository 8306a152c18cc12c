"""Indicator frames (as data), the common-indicator library, target tables and indicators."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from engine.models.base import Base
from engine.models.enums import Basis, DocumentStatus, Operator
from engine.models.fiscal import Project
from engine.models.types import Measure, ScaledDecimal, enum_type, utcnow

Points = ScaledDecimal(2)


class IndicatorFrame(Base):
    """A scoring frame: its tree of levels with weights, and its grade bands.

    A region may replace the default frame for a year; `region_code`/`fiscal_year` empty means
    the shipped default. Versions are immutable: a change is a new row.
    """

    __tablename__ = "indicator_frame"
    __table_args__ = (UniqueConstraint("code", "region_code", "fiscal_year", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(100))
    region_code: Mapped[str | None] = mapped_column(ForeignKey("region.code"))
    fiscal_year: Mapped[int | None]
    version: Mapped[int] = mapped_column(default=1)
    total_points: Mapped[Decimal] = mapped_column(Points)
    # [{"code": "A", "label_zh": "优", "label_en": "excellent", "min": "90"}, …] highest first.
    grade_bands: Mapped[list]
    description: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    nodes: Mapped[list[FrameNode]] = relationship(
        back_populates="frame", order_by="FrameNode.position"
    )


class FrameNode(Base):
    """A level-1 or level-2 node of a frame; level-3 indicators hang below level 2."""

    __tablename__ = "frame_node"
    __table_args__ = (UniqueConstraint("frame_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    frame_id: Mapped[int] = mapped_column(ForeignKey("indicator_frame.id"))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("frame_node.id"))
    level: Mapped[int]
    code: Mapped[str] = mapped_column(String(40))
    name_zh: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100))
    weight: Mapped[Decimal | None] = mapped_column(Points)
    weight_min: Mapped[Decimal | None] = mapped_column(Points)
    weight_max: Mapped[Decimal | None] = mapped_column(Points)
    # A node scored from ledger data rather than indicators (e.g. "execution": budget execution).
    fixed_item: Mapped[str | None] = mapped_column(String(40))
    # A level-1 item a table may leave empty: its weight then goes to this item (成本 → 产出).
    folds_into: Mapped[str | None] = mapped_column(String(40))
    # The level-2 item of another frame this one continues, as "frame code:item code": a table
    # moved between frames takes its indicators there (2021 经济成本指标 ↔ default 成本指标).
    counterpart: Mapped[str | None] = mapped_column(String(81))
    position: Mapped[int] = mapped_column(default=0)

    frame: Mapped[IndicatorFrame] = relationship(back_populates="nodes")


class IndicatorLibraryItem(Base):
    """A common indicator that units can pick for a project of a functional class."""

    __tablename__ = "indicator_library_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    functional_class: Mapped[str] = mapped_column(String(3), index=True)
    level1: Mapped[str] = mapped_column(String(40))
    level2: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))
    operator: Mapped[Operator] = mapped_column(enum_type(Operator))
    unit_of_measure: Mapped[str] = mapped_column(String(20))
    typical_min: Mapped[Decimal | None] = mapped_column(Measure())
    typical_max: Mapped[Decimal | None] = mapped_column(Measure())
    basis: Mapped[Basis] = mapped_column(enum_type(Basis))
    note: Mapped[str | None] = mapped_column(Text)


class TargetTable(Base):
    """A project's performance target table (one revision of it)."""

    __tablename__ = "target_table"
    __table_args__ = (UniqueConstraint("project_id", "revision"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"))
    revision: Mapped[int] = mapped_column(default=1)
    frame_id: Mapped[int] = mapped_column(ForeignKey("indicator_frame.id"))
    status: Mapped[DocumentStatus] = mapped_column(
        enum_type(DocumentStatus), default=DocumentStatus.DRAFT, index=True
    )
    goal: Mapped[str] = mapped_column(Text)
    review_level: Mapped[int] = mapped_column(default=0)
    submitted_at: Mapped[datetime | None]
    approved_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}

    project: Mapped[Project] = relationship()
    frame: Mapped[IndicatorFrame] = relationship()
    indicators: Mapped[list[Indicator]] = relationship(
        back_populates="target_table", order_by="Indicator.position"
    )


class Indicator(Base):
    """A level-3 indicator: what is promised, how it is measured and what it weighs."""

    __tablename__ = "indicator"

    id: Mapped[int] = mapped_column(primary_key=True)
    target_table_id: Mapped[int] = mapped_column(ForeignKey("target_table.id"), index=True)
    node_id: Mapped[int] = mapped_column(ForeignKey("frame_node.id"))
    position: Mapped[int] = mapped_column(default=0)
    name: Mapped[str] = mapped_column(String(200))
    operator: Mapped[Operator] = mapped_column(enum_type(Operator))
    target_value: Mapped[Decimal | None] = mapped_column(Measure())
    target_text: Mapped[str | None] = mapped_column(Text)
    unit_of_measure: Mapped[str] = mapped_column(String(20))
    weight: Mapped[Decimal] = mapped_column(Points)
    basis: Mapped[Basis] = mapped_column(enum_type(Basis))
    scoring_note: Mapped[str | None] = mapped_column(Text)
    library_code: Mapped[str | None] = mapped_column(String(20))

    target_table: Mapped[TargetTable] = relationship(back_populates="indicators")
    node: Mapped[FrameNode] = relationship()
