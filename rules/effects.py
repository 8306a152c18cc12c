"""Parse the two effects a rule can have: `decide` a decision, or `adjust` the one made."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from rules.jsonpath import at, show
from rules.model import Action, DecisionKind
from rules.ruleset import Adjust, Decide

MAX_FACTOR = Decimal(10)
ZERO, ONE = Decimal(0), Decimal(1)
# What a factor must satisfy for each kind a decide rule may give (None: any 0..MAX_FACTOR).
FACTOR_RULES: dict[DecisionKind, tuple[str, Decimal | None]] = {
    DecisionKind.CUT: ("between 0 and 1 (exclusive)", None),
    DecisionKind.CANCEL: ("0", ZERO),
    DecisionKind.SUSPEND: ("0", ZERO),
    DecisionKind.MAINTAIN: ("1", ONE),
    DecisionKind.INCREASE: ("at least 1", ONE),
}
_ABSENT = object()
RECLAIM_IS_NOT_NEXT_YEAR = (
    "'reclaim' is not a next-year decision: idle funds are reclaimed from this year's balance"
    ' by an adjust rule with "reclaim": true, whatever next year\'s decision is'
)


def parse_decide(parser: Any, value: Any, path: str) -> Decide | None:
    """Parse `{"kind", "factor"?, "actions"?, "review"?}`, checking the factor fits the kind."""
    if parser.obj(value, path, ("kind", "factor", "actions", "review"), ("kind",)) is None:
        return None
    before = len(parser.problems)
    kind = parser.choice(value.get("kind"), at(path, "kind"), DecisionKind, "decision kind")
    factor = _factor(parser, value.get("factor", _ABSENT), at(path, "factor"))
    actions = parser.choices(value.get("actions", []), at(path, "actions"), Action, "action")
    review = _flag(parser, value.get("review", False), at(path, "review"))
    if len(parser.problems) > before or kind is None:
        return None
    if kind is DecisionKind.RECLAIM:
        return parser.fail(at(path, "kind"), RECLAIM_IS_NOT_NEXT_YEAR)
    if factor is _ABSENT:
        if kind is DecisionKind.CUT:
            return parser.fail(at(path, "factor"), "is required for a cut")
        factor = FACTOR_RULES.get(kind, ("", ONE))[1]
    if not _fits(kind, factor):
        return parser.fail(at(path, "factor"), f"a {kind} needs {FACTOR_RULES[kind][0]}")
    return Decide(kind, factor, actions, review)


def parse_adjust(parser: Any, value: Any, path: str) -> Adjust | None:
    """Parse `{"if"?: {"kind_in"?, "factor_below"?}, "kind"?, "factor"?, "actions"?, "review"?,
    "reclaim"?}`."""
    known = ("if", "kind", "factor", "actions", "review", "reclaim")
    if parser.obj(value, path, known, ()) is None:
        return None
    before = len(parser.problems)
    kind_in, factor_below = _guard(parser, value.get("if", _ABSENT), at(path, "if"))
    kind = value.get("kind")
    if kind is not None:
        kind = parser.choice(kind, at(path, "kind"), DecisionKind, "decision kind")
    factor = _factor(parser, value.get("factor", _ABSENT), at(path, "factor"))
    actions = parser.choices(value.get("actions", []), at(path, "actions"), Action, "action")
    review = _flag(parser, value.get("review", False), at(path, "review"))
    reclaim = _flag(parser, value.get("reclaim", False), at(path, "reclaim"))
    if not {"kind", "factor", "actions", "review", "reclaim"} & value.keys():
        parser.fail(path, "changes nothing: give a kind, factor, actions, review or reclaim")
    if len(parser.problems) > before:
        return None
    if kind is DecisionKind.RECLAIM:
        # How rule sets stored before rows combined said "reclaim the idle funds".
        kind, reclaim = None, True
    factor = None if factor is _ABSENT else factor
    return Adjust(kind_in, factor_below, kind, factor, actions, review, reclaim)


def _guard(parser: Any, value: Any, path: str) -> tuple[Any, Any]:
    if value is _ABSENT or parser.obj(value, path, ("kind_in", "factor_below"), ()) is None:
        return None, None
    if not value:
        parser.fail(path, "expected kind_in or factor_below")
    kind_in = None
    if "kind_in" in value:
        kinds = value["kind_in"]
        if isinstance(kinds, list) and not kinds:
            parser.fail(at(path, "kind_in"), "expected at least one decision kind")
        kind_in = parser.choices(kinds, at(path, "kind_in"), DecisionKind, "decision kind")
    below = _factor(parser, value.get("factor_below", _ABSENT), at(path, "factor_below"))
    return kind_in, None if below is _ABSENT else below


def _factor(parser: Any, value: Any, path: str) -> Any:
    if value is _ABSENT:
        return _ABSENT
    number = parser.number(value, path)
    if number is not None and not ZERO <= number <= MAX_FACTOR:
        return parser.fail(path, f"must be between 0 and {MAX_FACTOR}, got {number}")
    return number


def _flag(parser: Any, value: Any, path: str) -> bool | None:
    if not isinstance(value, bool):
        return parser.fail(path, f"expected a boolean, got {show(value)}")
    return value


def _fits(kind: DecisionKind, factor: Decimal) -> bool:
    if kind is DecisionKind.CUT:
        return ZERO < factor < ONE
    if kind is DecisionKind.INCREASE:
        return factor >= ONE
    if kind in FACTOR_RULES:
        return factor == FACTOR_RULES[kind][1]
    return True
