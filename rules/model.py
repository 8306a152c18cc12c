"""What the rules read (Facts) and what they decide (RuleDecision), with their vocabularies."""

from __future__ import annotations

from dataclasses import dataclass, fields
from decimal import Decimal
from enum import StrEnum

from rules.errors import FactsInvalid

# An execution rate beyond this is a data error, and it keeps the float sent to the engine finite.
RATE_LIMIT = Decimal(1_000_000)


class DecisionKind(StrEnum):
    """Next-year funding decision; values match the engine's stored vocabulary.

    `reclaim` is what decisions before rows combined stored for idle funds; a rule set cannot
    decide it any more (reclaiming acts on this year's balance: an adjust rule's `reclaim`).
    """

    INCREASE = "increase"
    MAINTAIN = "maintain"
    CUT = "cut"
    CANCEL = "cancel"
    SUSPEND = "suspend"
    RECLAIM = "reclaim"
    REVIEW = "review"


class Action(StrEnum):
    """Accountability action an outcome calls for."""

    COMMENDATION = "commendation"
    RECTIFICATION = "rectification"
    REMINDER = "reminder"
    INTERVIEW = "interview"
    CIRCULAR = "circular"


@dataclass(frozen=True)
class Facts:
    """What is known about one project's year when its result is applied."""

    project_code: str
    year: int
    grade: str | None
    previous_grade: str | None = None
    is_continuing: bool = False
    is_livelihood_exempt: bool = False
    execution_rate: Decimal | None = None
    rectification_overdue: bool = False
    red_alert_unanswered: bool = False
    # The rank of the project's department among the year's departments by mean evaluation
    # score (1 = best; ties share a rank); None when it has none yet.
    department_rank: int | None = None
    # The grade of the department's overall evaluation (部门整体绩效) that year, fixed with the
    # rank when the year's evaluations closed; None when it was not evaluated overall.
    department_grade: str | None = None

    def __post_init__(self) -> None:
        problems = [problem for field in fields(self) if (problem := _check(self, field.name))]
        if problems:
            raise FactsInvalid("; ".join(problems))

    def to_dict(self) -> dict[str, object]:
        """Return the facts as JSON-ready values (a Decimal becomes its string)."""
        values = dict(self.__dict__)
        if self.execution_rate is not None:
            values["execution_rate"] = str(self.execution_rate)
        return values


def _check(facts: Facts, name: str) -> str | None:
    value = getattr(facts, name)
    if name == "project_code":
        ok = isinstance(value, str) and value != ""
        expected = "a non-empty string"
    elif name == "year":
        ok = isinstance(value, int) and not isinstance(value, bool) and 1900 <= value <= 9999
        expected = "an integer year"
    elif name == "department_rank":
        ok = value is None or (
            isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 1_000_000
        )
        expected = "an integer rank from 1 or None"
    elif name in ("grade", "previous_grade", "department_grade"):
        ok = value is None or isinstance(value, str)
        expected = "a string or None"
    elif name == "execution_rate":
        ok = value is None or (
            isinstance(value, Decimal) and value.is_finite() and abs(value) < RATE_LIMIT
        )
        expected = f"a finite Decimal below {RATE_LIMIT} or None"
    else:
        ok = isinstance(value, bool)
        expected = "a bool"
    return None if ok else f"{name} must be {expected}, got {value!r}"


@dataclass(frozen=True)
class RuleDecision:
    """A funding decision, its accountability actions, and why it was made."""

    kind: DecisionKind
    factor: Decimal
    actions: tuple[Action, ...]
    fired: tuple[str, ...]  # rule names, in the order they applied (see combine.py)
    needs_review: bool
    ruleset: str  # the rule set's reference, `name@version`
    facts: dict[str, object]  # the facts it read, JSON-ready (Facts.to_dict)
    # Reclaim this year's unspent balance (idle funds); it combines with any next-year effect.
    reclaim: bool = False
