"""The default result-application policy (domain.md) as a plain function over a project's facts.

The rules engine (durable_rules) runs the versioned rule sets; this function is the reference
it is checked and benchmarked against, and what the cycle uses until a rule set is deployed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from engine.models.enums import AccountabilityKind, DecisionKind


@dataclass(frozen=True)
class Facts:
    """What is known about one project's year when its result is applied."""

    grade: str | None
    previous_grade: str | None = None
    is_continuing: bool = False
    is_livelihood_exempt: bool = False
    execution_rate: Decimal | None = None
    rectification_overdue: bool = False
    red_alert_unanswered: bool = False
    department_rank: int | None = None


# A grade-A project is commended publicly when its department ranks among this many.
COMMENDED_DEPARTMENTS = 10


@dataclass(frozen=True)
class Decision:
    """A funding decision with the accountability it calls for and the rules that fired."""

    kind: DecisionKind
    factor: Decimal
    actions: tuple[AccountabilityKind, ...] = ()
    fired: tuple[str, ...] = field(default_factory=tuple)
    needs_review: bool = False


def decide(facts: Facts) -> Decision:
    """Apply the default policy table, with the livelihood exemption from cuts."""
    decision = _by_outcome(facts)
    if facts.is_livelihood_exempt and decision.factor < 1:
        decision = Decision(
            DecisionKind.MAINTAIN,
            Decimal(1),
            decision.actions,
            decision.fired + ("livelihood_exemption",),
            decision.needs_review,
        )
    if (
        facts.execution_rate is not None
        and facts.execution_rate < Decimal("0.5")
        and decision.kind in (DecisionKind.MAINTAIN, DecisionKind.INCREASE)
    ):
        decision = Decision(
            DecisionKind.RECLAIM,
            decision.factor,
            decision.actions,
            decision.fired + ("idle_funds",),
            decision.needs_review,
        )
    return decision


def _by_outcome(facts: Facts) -> Decision:
    if (facts.grade == "D" and facts.previous_grade == "D") or facts.rectification_overdue:
        kind = DecisionKind.CANCEL if facts.is_continuing else DecisionKind.SUSPEND
        rule = (
            "poor_two_years"
            if facts.grade == "D" and facts.previous_grade == "D"
            else ("rectification_overdue")
        )
        return Decision(
            kind, Decimal(0), (AccountabilityKind.INTERVIEW, AccountabilityKind.CIRCULAR), (rule,)
        )
    if facts.red_alert_unanswered:
        return Decision(
            DecisionKind.SUSPEND,
            Decimal(0),
            (AccountabilityKind.REMINDER, AccountabilityKind.INTERVIEW),
            ("red_alert_unanswered",),
            needs_review=True,
        )
    if facts.grade == "D":
        if facts.is_continuing:
            return Decision(
                DecisionKind.CANCEL,
                Decimal(0),
                (AccountabilityKind.RECTIFICATION, AccountabilityKind.INTERVIEW),
                ("grade_d_continuing",),
            )
        return Decision(
            DecisionKind.CUT,
            Decimal("0.5"),
            (AccountabilityKind.RECTIFICATION, AccountabilityKind.INTERVIEW),
            ("grade_d",),
        )
    if facts.grade == "C":
        return Decision(
            DecisionKind.CUT, Decimal("0.9"), (AccountabilityKind.RECTIFICATION,), ("grade_c",)
        )
    if facts.grade == "B":
        return Decision(DecisionKind.MAINTAIN, Decimal(1), (), ("grade_b",))
    if facts.grade == "A":
        rank = facts.department_rank
        if rank is not None and rank <= COMMENDED_DEPARTMENTS:
            return Decision(
                DecisionKind.INCREASE,
                Decimal(1),
                (AccountabilityKind.COMMENDATION,),
                ("grade_a_top_department",),
            )
        return Decision(DecisionKind.INCREASE, Decimal(1), (), ("grade_a",))
    return Decision(DecisionKind.REVIEW, Decimal(1), (), (), needs_review=True)
