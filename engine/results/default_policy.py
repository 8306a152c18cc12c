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
    department_grade: str | None = None


# A grade-A project is commended publicly when its department ranks among this many.
COMMENDED_DEPARTMENTS = 10


@dataclass(frozen=True)
class Decision:
    """A funding decision with the accountability it calls for and the rules that fired.

    `kind` and `factor` are next year's effect; `reclaim` takes this year's unspent balance
    back (idle funds), whatever next year brings.
    """

    kind: DecisionKind
    factor: Decimal
    actions: tuple[AccountabilityKind, ...] = ()
    fired: tuple[str, ...] = field(default_factory=tuple)
    needs_review: bool = False
    reclaim: bool = False


# Next-year effects, strongest first (domain.md): cancel > suspend > cut 50 % > cut 10 % >
# maintain > increase. A decision left for review sits between the cuts and maintain.
STRENGTH = {
    DecisionKind.CANCEL: 0,
    DecisionKind.SUSPEND: 1,
    DecisionKind.CUT: 2,
    DecisionKind.REVIEW: 3,
    DecisionKind.MAINTAIN: 4,
    DecisionKind.INCREASE: 5,
}
REDUCTIONS = (DecisionKind.CUT, DecisionKind.CANCEL, DecisionKind.SUSPEND)
IDLE_BELOW = Decimal("0.5")
DEPARTMENT_D_FACTOR = Decimal("0.9")
INTERVIEW, CIRCULAR = AccountabilityKind.INTERVIEW, AccountabilityKind.CIRCULAR
RECTIFICATION = AccountabilityKind.RECTIFICATION


@dataclass(frozen=True)
class _Row:
    """A row of the policy table that matched: its next-year effect and its actions."""

    rule: str
    kind: DecisionKind
    factor: Decimal
    actions: tuple[AccountabilityKind, ...]
    review: bool = False


def decide(facts: Facts) -> Decision:
    """Apply the default policy table: every matching row counts (domain.md, "Rows combine")."""
    rows = _matching_rows(facts)
    if rows:
        # The strongest next-year effect wins; of equals, the row listed first.
        winner = min(rows, key=lambda row: (STRENGTH[row.kind], row.factor))
        kind, factor = winner.kind, winner.factor
        fired = [winner.rule] + [row.rule for row in rows if row is not winner]
        actions: list[AccountabilityKind] = []
        for row in rows:
            actions.extend(action for action in row.actions if action not in actions)
        review = any(row.review for row in rows)
    else:
        kind, factor, fired, actions, review = DecisionKind.REVIEW, Decimal(1), [], [], False
    rank = facts.department_rank
    if facts.grade == "A" and rank is not None and rank <= COMMENDED_DEPARTMENTS:
        if AccountabilityKind.COMMENDATION not in actions:
            actions.append(AccountabilityKind.COMMENDATION)
        fired.append("grade_a_top_department")
    if facts.is_livelihood_exempt and kind in REDUCTIONS:
        # Exempt from every reduction; a person looks at it, and the actions still apply.
        kind, factor, review = DecisionKind.MAINTAIN, Decimal(1), True
        fired.append("livelihood_exemption")
    reclaim = facts.execution_rate is not None and facts.execution_rate < IDLE_BELOW
    if reclaim:
        fired.append("idle_funds")
    return Decision(
        kind,
        factor,
        tuple(actions),
        tuple(fired),
        review or kind is DecisionKind.REVIEW,
        reclaim,
    )


def _matching_rows(facts: Facts) -> list[_Row]:
    """The rows of domain.md's table that match, in the table's order."""
    rows = []
    stop = DecisionKind.CANCEL if facts.is_continuing else DecisionKind.SUSPEND
    if facts.grade == "D" and facts.previous_grade == "D":
        rows.append(_Row("poor_two_years", stop, Decimal(0), (INTERVIEW, CIRCULAR)))
    if facts.rectification_overdue:
        rows.append(_Row("rectification_overdue", stop, Decimal(0), (INTERVIEW, CIRCULAR)))
    if facts.red_alert_unanswered:
        reminder = AccountabilityKind.REMINDER
        rows.append(
            _Row(
                "red_alert_unanswered",
                DecisionKind.SUSPEND,
                Decimal(0),
                (reminder, INTERVIEW),
                True,
            )
        )
    if facts.grade == "D":
        if facts.is_continuing:
            rows.append(
                _Row(
                    "grade_d_continuing",
                    DecisionKind.CANCEL,
                    Decimal(0),
                    (RECTIFICATION, INTERVIEW),
                )
            )
        else:
            rows.append(
                _Row("grade_d", DecisionKind.CUT, Decimal("0.5"), (RECTIFICATION, INTERVIEW))
            )
    elif facts.grade == "C":
        rows.append(_Row("grade_c", DecisionKind.CUT, Decimal("0.9"), (RECTIFICATION,)))
    elif facts.grade == "B":
        rows.append(_Row("grade_b", DecisionKind.MAINTAIN, Decimal(1), ()))
    elif facts.grade == "A":
        rows.append(_Row("grade_a", DecisionKind.INCREASE, Decimal(1), ()))
    if facts.department_grade == "D":
        # The department's overall evaluation: its discretionary projects are cut 10 %.
        rows.append(_Row("department_grade_d", DecisionKind.CUT, DEPARTMENT_D_FACTOR, ()))
    return rows
