"""Closed vocabularies of the domain (domain.md), stored by value."""

from __future__ import annotations

from enum import StrEnum


class OrgKind(StrEnum):
    UNIT = "unit"
    DEPARTMENT = "department"
    FINANCE = "finance"
    PERFORMANCE = "performance"
    EVALUATOR = "evaluator"
    OVERSIGHT = "oversight"


class Role(StrEnum):
    """Every role name; what each may do and see is engine/identity/permissions.py's table."""

    UNIT = "unit"
    DEPARTMENT = "department"
    FINANCE = "finance"
    PERFORMANCE = "performance"
    EVALUATOR = "evaluator"
    SUPERVISOR = "supervisor"
    # The anonymous visitor of the disclosure pages, never a user's role: parse_role refuses it,
    # and the migrated users table's CHECK constraint lists only the six above.
    PUBLIC = "public"


# The organisation kind a user of each role must belong to.
ROLE_ORG_KIND: dict[Role, OrgKind] = {
    Role.UNIT: OrgKind.UNIT,
    Role.DEPARTMENT: OrgKind.DEPARTMENT,
    Role.FINANCE: OrgKind.FINANCE,
    Role.PERFORMANCE: OrgKind.PERFORMANCE,
    Role.EVALUATOR: OrgKind.EVALUATOR,
    Role.SUPERVISOR: OrgKind.OVERSIGHT,
}


class FiscalYearStatus(StrEnum):
    PLANNING = "planning"
    EXECUTING = "executing"
    EVALUATING = "evaluating"
    CLOSED = "closed"


class BudgetType(StrEnum):
    GENERAL_PUBLIC = "general_public"
    GOVERNMENT_FUNDS = "government_funds"
    STATE_CAPITAL = "state_capital"
    SOCIAL_INSURANCE = "social_insurance"


class ObjectKind(StrEnum):
    """What is evaluated: a project, a department overall, a policy, a transfer, a special bond."""

    PROJECT = "project"
    DEPARTMENT_OVERALL = "department_overall"
    POLICY = "policy"
    TRANSFER_PAYMENT = "transfer_payment"
    SPECIAL_BOND = "special_bond"


class ProjectStatus(StrEnum):
    FILING = "filing"
    EXECUTING = "executing"
    EVALUATING = "evaluating"
    CLOSED = "closed"
    SUSPENDED = "suspended"
    CANCELLED = "cancelled"


class FundSource(StrEnum):
    GENERAL_PUBLIC_BUDGET = "general_public_budget"
    GOVERNMENT_FUNDS = "government_funds"
    SPECIAL_BONDS = "special_bonds"
    UNIT_OWN = "unit_own"
    CARRIED_OVER = "carried_over"
    OTHER = "other"


class DocumentStatus(StrEnum):
    """The life cycle every filed document shares: draft → submitted → in review → …"""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    IN_REVIEW = "in_review"
    RETURNED = "returned"
    APPROVED = "approved"
    FINAL = "final"


class Operator(StrEnum):
    GE = ">="
    GT = ">"
    EQ = "="
    LE = "<="
    LT = "<"
    QUALITATIVE = "qualitative"


class Basis(StrEnum):
    PLAN = "plan"
    INDUSTRY_STANDARD = "industry_standard"
    HISTORY = "history"
    OTHER = "other"


class QualitativeBand(StrEnum):
    ACHIEVED = "achieved"
    PARTLY = "partly"
    NOT_ACHIEVED = "not_achieved"


class Likelihood(StrEnum):
    CERTAIN = "certain"
    POSSIBLE = "possible"
    IMPOSSIBLE = "impossible"


class DeviationReason(StrEnum):
    STAFF = "staff"
    RULES = "rules"
    FUNDING = "funding"
    OTHER = "other"


class AlertKind(StrEnum):
    BUDGET = "budget"
    INDICATOR = "indicator"
    PROJECT = "project"


class Colour(StrEnum):
    RED = "red"
    YELLOW = "yellow"
    GREEN = "green"
    BLUE = "blue"


class AlertStatus(StrEnum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"


class Course(StrEnum):
    """A unit's answer to an alert."""

    CONTINUE = "continue"
    ADJUST_TARGETS = "adjust_targets"
    REALLOCATE = "reallocate"
    CANCEL = "cancel"


class EvaluationKind(StrEnum):
    SELF = "self"
    DEPARTMENT = "department"
    KEY = "key"
    THIRD_PARTY = "third_party"
    SATISFACTION_SURVEY = "satisfaction_survey"


class RectificationSource(StrEnum):
    RED_ALERT = "red_alert"
    GRADE = "grade"
    FINDING = "finding"


class RectificationStatus(StrEnum):
    ISSUED = "issued"
    FEEDBACK_SUBMITTED = "feedback_submitted"
    RETURNED = "returned"
    ACCEPTED = "accepted"
    CLOSED = "closed"


class DecisionKind(StrEnum):
    INCREASE = "increase"
    MAINTAIN = "maintain"
    CUT = "cut"
    CANCEL = "cancel"
    SUSPEND = "suspend"
    RECLAIM = "reclaim"
    REVIEW = "review"


class DecisionStatus(StrEnum):
    PROPOSED = "proposed"
    CONFIRMED = "confirmed"
    OVERRIDDEN = "overridden"


class AccountabilityKind(StrEnum):
    COMMENDATION = "commendation"
    RECTIFICATION = "rectification"
    REMINDER = "reminder"
    INTERVIEW = "interview"
    CIRCULAR = "circular"


class ActionStatus(StrEnum):
    PROPOSED = "proposed"
    ISSUED = "issued"
    DONE = "done"
    WITHDRAWN = "withdrawn"


class DisclosureKind(StrEnum):
    TARGETS = "targets"
    GRADE = "grade"
    DECISION = "decision"
