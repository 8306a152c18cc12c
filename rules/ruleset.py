"""A rule set as immutable data: its rules, a canonical JSON form and a content hash."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from functools import cached_property

from rules.model import Action, DecisionKind


class Op(StrEnum):
    """Comparison a condition applies to a fact field."""

    EQ = "eq"
    NE = "ne"
    LT = "lt"
    LE = "le"
    GT = "gt"
    GE = "ge"
    IN = "in"
    PRESENT = "present"


@dataclass(frozen=True)
class Test:
    """One comparison of a fact field against a literal (a tuple for `in`)."""

    field: str
    op: Op
    value: object


@dataclass(frozen=True)
class Pattern:
    """A fact the rule needs, with the tests it must pass."""

    fact: str
    tests: tuple[Test, ...]


@dataclass(frozen=True)
class Decide:
    """A row's next-year effect: of all matching decide rules the strongest wins (combine.py)."""

    kind: DecisionKind
    factor: Decimal
    actions: tuple[Action, ...]
    review: bool


@dataclass(frozen=True)
class Adjust:
    """Change the decision made so far when its guard holds; None leaves a part unchanged."""

    kind_in: tuple[DecisionKind, ...] | None
    factor_below: Decimal | None
    kind: DecisionKind | None
    factor: Decimal | None
    actions: tuple[Action, ...]
    review: bool
    # Reclaim this year's unspent balance (idle funds); next year's effect is left as it is.
    reclaim: bool = False


@dataclass(frozen=True)
class Rule:
    """A named rule: when every pattern matches, its effect applies."""

    name: str
    pri: int
    patterns: tuple[Pattern, ...]
    then: Decide | Adjust
    description: str | None = None

    @property
    def facts(self) -> tuple[str, ...]:
        """Return the names of the facts this rule reads."""
        return tuple(pattern.fact for pattern in self.patterns)


@dataclass(frozen=True)
class RuleSet:
    """One immutable version of a rule set, scoped to a region and year when they are given."""

    name: str
    version: int
    rules: tuple[Rule, ...]
    region: str | None = None
    year: int | None = None
    description: str | None = None

    @property
    def ref(self) -> str:
        """Return the reference decisions record: `name@version`, with its scope if any."""
        if self.region is None and self.year is None:
            return f"{self.name}@{self.version}"
        return f"{self.name}/{self.region or '*'}/{self.year or '*'}@{self.version}"

    def to_dict(self) -> dict[str, object]:
        """Return the rule set in its documented JSON shape (numbers as Decimal)."""
        body: dict[str, object] = {"format": 1, "name": self.name, "version": self.version}
        for key in ("region", "year", "description"):
            if getattr(self, key) is not None:
                body[key] = getattr(self, key)
        body["rules"] = [_rule_dict(rule) for rule in self.rules]
        return body

    def to_json(self) -> str:
        """Return the canonical JSON text: sorted keys, no spaces, normalised numbers."""
        return _canonical(self.to_dict())

    @cached_property
    def sha256(self) -> str:
        """Return the hex SHA-256 of the canonical JSON text."""
        return hashlib.sha256(self.to_json().encode("utf-8")).hexdigest()


def _rule_dict(rule: Rule) -> dict[str, object]:
    body: dict[str, object] = {"name": rule.name, "pri": rule.pri}
    if rule.description is not None:
        body["description"] = rule.description
    body["when"] = {"all": [_pattern_dict(pattern) for pattern in rule.patterns]}
    body["then"] = _effect_dict(rule.then)
    return body


def _pattern_dict(pattern: Pattern) -> dict[str, object]:
    body: dict[str, object] = {"fact": pattern.fact}
    for field in dict.fromkeys(test.field for test in pattern.tests):
        tests = [test for test in pattern.tests if test.field == field]
        if len(tests) == 1 and tests[0].op is Op.EQ:
            body[field] = tests[0].value
        else:
            body[field] = {test.op.value: _plain(test.value) for test in tests}
    return body


def _effect_dict(effect: Decide | Adjust) -> dict[str, object]:
    if isinstance(effect, Decide):
        return {
            "decide": {
                "kind": effect.kind.value,
                "factor": effect.factor,
                "actions": [action.value for action in effect.actions],
                "review": effect.review,
            }
        }
    body: dict[str, object] = {}
    guard: dict[str, object] = {}
    if effect.kind_in is not None:
        guard["kind_in"] = [kind.value for kind in effect.kind_in]
    if effect.factor_below is not None:
        guard["factor_below"] = effect.factor_below
    if guard:
        body["if"] = guard
    if effect.kind is not None:
        body["kind"] = effect.kind.value
    if effect.factor is not None:
        body["factor"] = effect.factor
    body["actions"] = [action.value for action in effect.actions]
    body["review"] = effect.review
    if effect.reclaim:  # only when set, so rule sets written before it keep their hash
        body["reclaim"] = True
    return {"adjust": body}


def _plain(value: object) -> object:
    return list(value) if isinstance(value, tuple) else value


def _canonical(value: object) -> str:
    if isinstance(value, dict):
        items = (f"{_canonical(key)}:{_canonical(value[key])}" for key in sorted(value))
        return "{" + ",".join(items) + "}"
    if isinstance(value, list | tuple):
        return "[" + ",".join(_canonical(item) for item in value) + "]"
    if isinstance(value, Decimal):
        # One spelling per number, so equal rule sets hash equal whatever their authors typed.
        return "0" if value == 0 else format(value.normalize(), "f")
    return json.dumps(value, ensure_ascii=False)
