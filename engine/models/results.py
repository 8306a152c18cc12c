"""Result application: rule sets, policy settings, funding decisions, accountability, disclosure."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from engine.models.base import Base
from engine.models.enums import (
    AccountabilityKind,
    ActionStatus,
    DecisionKind,
    DecisionStatus,
    DisclosureKind,
)
from engine.models.fiscal import Project
from engine.models.types import Measure, enum_type, utcnow


class RuleSet(Base):
    """An immutable version of a result-application rule set (JSON), per region and year."""

    __tablename__ = "rule_set"
    __table_args__ = (UniqueConstraint("region_code", "fiscal_year", "name", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("region.code"))
    fiscal_year: Mapped[int]
    name: Mapped[str] = mapped_column(String(60))
    version: Mapped[int]
    body: Mapped[dict]
    sha256: Mapped[str] = mapped_column(String(64))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class PolicySetting(Base):
    """A versioned piece of configuration (scoring weights, alert thresholds, deadlines, …).

    Every number in domain.md differs by province and year, so none of them is a constant in
    code: the shipped defaults are the rows with no region and no year.
    """

    __tablename__ = "policy_setting"
    __table_args__ = (UniqueConstraint("key", "region_code", "fiscal_year", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(60))
    region_code: Mapped[str | None] = mapped_column(ForeignKey("region.code"))
    fiscal_year: Mapped[int | None]
    version: Mapped[int] = mapped_column(default=1)
    body: Mapped[dict]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class FundingDecision(Base):
    """What the rules decided for a project's next-year funding, and why."""

    __tablename__ = "funding_decision"
    __table_args__ = (
        Index("ix_funding_decision_year_kind", "fiscal_year_id", "kind"),
        # The message centre reads the decisions of the last days.
        Index("ix_funding_decision_decided", "decided_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"), index=True)
    # The year whose outcome was judged.
    fiscal_year_id: Mapped[int] = mapped_column(ForeignKey("fiscal_year.id"))
    rule_set_id: Mapped[int | None] = mapped_column(ForeignKey("rule_set.id"))
    kind: Mapped[DecisionKind] = mapped_column(enum_type(DecisionKind))
    factor: Mapped[Decimal] = mapped_column(Measure())
    facts: Mapped[dict]
    fired_rules: Mapped[list]
    needs_review: Mapped[bool] = mapped_column(default=False)
    status: Mapped[DecisionStatus] = mapped_column(
        enum_type(DecisionStatus), default=DecisionStatus.PROPOSED
    )
    decided_at: Mapped[datetime] = mapped_column(default=utcnow)
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    confirmed_at: Mapped[datetime | None]
    override_factor: Mapped[Decimal | None] = mapped_column(Measure())
    override_reason: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, default=1)
    # Idle funds: this year's unspent balance reclaimed (budget − executed), None when the
    # rules reclaim nothing. It combines with the next-year `kind` (domain.md: rows combine).
    reclaim_amount: Mapped[Decimal | None]

    __mapper_args__ = {"version_id_col": version}

    project: Mapped[Project] = relationship()


class EvaluationClose(Base):
    """A fiscal year's evaluations closed: the department ranks every decision of the year reads.

    Written once per year (the unique key keeps a second writer out) and never changed, so the
    commendation "among the top 10 departments" means the same for every project of the year.
    `ranks` maps a department's id (as text) to its rank, the exact mean score and the number
    of scored evaluations it was taken over.
    """

    __tablename__ = "evaluation_close"

    id: Mapped[int] = mapped_column(primary_key=True)
    fiscal_year_id: Mapped[int] = mapped_column(ForeignKey("fiscal_year.id"), unique=True)
    closed_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_by: Mapped[str] = mapped_column(String(100))
    ranks: Mapped[dict]


class AccountabilityAction(Base):
    """A commendation, reminder, interview (约谈) or circular (通报) that an outcome calls for."""

    __tablename__ = "accountability_action"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"), index=True)
    decision_id: Mapped[int | None] = mapped_column(ForeignKey("funding_decision.id"))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    kind: Mapped[AccountabilityKind] = mapped_column(enum_type(AccountabilityKind))
    status: Mapped[ActionStatus] = mapped_column(
        enum_type(ActionStatus), default=ActionStatus.PROPOSED
    )
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Disclosure(Base):
    """A snapshot of targets, a grade or a decision published to the public."""

    __tablename__ = "disclosure"
    __table_args__ = (Index("ix_disclosure_year_kind", "fiscal_year_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"), index=True)
    fiscal_year_id: Mapped[int] = mapped_column(ForeignKey("fiscal_year.id"))
    kind: Mapped[DisclosureKind] = mapped_column(enum_type(DisclosureKind))
    payload: Mapped[dict]
    disclosed_at: Mapped[datetime] = mapped_column(default=utcnow)
    withdrawn_at: Mapped[datetime | None]
