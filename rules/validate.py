"""Parse and validate rule-set JSON, reporting every problem with its path."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from decimal import Decimal
from importlib import resources
from typing import Any

from rules.effects import parse_adjust, parse_decide
from rules.errors import Problem, RuleSetInvalid
from rules.jsonpath import at, show
from rules.model import Action, DecisionKind
from rules.ruleset import Adjust, Decide, Op, Pattern, Rule, RuleSet, Test
from rules.schema import ENUMS, FACTS, ORDERED, FieldType, is_decimal

NAME = re.compile(r"[a-z][a-z0-9_-]{0,59}")
RULE_NAME = re.compile(r"[a-z][a-z0-9_]{0,79}")
MAX_PRI = 1_000_000
# Decimals are compared by the engine as doubles: up to 15 significant digits keep their order.
MAX_DIGITS = 15
SMALLEST, LARGEST = Decimal("1e-9"), Decimal("1e9")  # and far from the doubles' limits
OPS = tuple(op.value for op in Op)
# Bounds checked before anything is parsed or compiled, so a request cannot pin a worker.
# durable_rules 2.0.28 holds at most 512 rules per rule set (measured: 513 spin in its
# create_ruleset, never returning), so the configured maximum is capped at ENGINE_RULES.
ENGINE_RULES = 512
MAX_OPTIONS = 500  # values of one "in" test: more than 512 spin durable_rules the same way
MAX_RULES_VAR, MAX_BYTES_VAR = "BUDGETLOOP_RULESET_MAX_RULES", "BUDGETLOOP_RULESET_MAX_BYTES"


def max_rules() -> int:
    """The most rules a rule set may have (`BUDGETLOOP_RULESET_MAX_RULES`, default 500)."""
    return min(_setting(MAX_RULES_VAR, 500), ENGINE_RULES)


def max_bytes() -> int:
    """The longest rule-set JSON accepted (`BUDGETLOOP_RULESET_MAX_BYTES`, default 200,000)."""
    return _setting(MAX_BYTES_VAR, 200_000)


def _setting(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value.isdigit() and int(value) > 0 else default


def parse_ruleset(source: str | bytes | Mapping[str, Any]) -> RuleSet:
    """Parse rule-set JSON (text, or an already decoded object) into a validated RuleSet."""
    if isinstance(source, str | bytes) and len(source) > max_bytes():
        problem = Problem("$", f"the rule set is {len(source)} bytes long (at most {max_bytes()})")
        raise RuleSetInvalid([problem])
    if isinstance(source, Mapping):
        # A decoded body (say from a JSON column) holds floats; ≤ 15 digits survive the trip.
        try:
            data: Any = json.loads(json.dumps(source, default=_float), parse_float=Decimal)
        except (TypeError, ValueError) as error:
            raise RuleSetInvalid([Problem("$", f"not JSON data: {error}")]) from None
    else:
        try:
            data = json.loads(
                source,
                parse_float=Decimal,
                parse_constant=_no_constant,
                object_pairs_hook=_unique_keys,
            )
        except ValueError as error:  # JSONDecodeError, a duplicate key, or NaN/Infinity
            raise RuleSetInvalid([Problem("$", f"invalid JSON: {error}")]) from None
    parser = _Parser()
    ruleset = parser.ruleset(data)
    if parser.problems or ruleset is None:
        raise RuleSetInvalid(parser.problems)
    return ruleset


def default_ruleset() -> RuleSet:
    """Load the rule set that ships with the product (domain.md's result table)."""
    text = resources.files("rules").joinpath("rulesets/default.json").read_text("utf-8")
    return parse_ruleset(text)


def _float(value: object) -> float:
    if isinstance(value, Decimal):
        return float(value)
    raise TypeError(f"{type(value).__name__} is not a JSON value")


def _no_constant(name: str) -> None:
    raise ValueError(f"{name} is not a number")


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    for key, value in pairs:
        if key in seen:
            raise ValueError(f"duplicate key {key!r}")
        seen[key] = value
    return seen


class _Parser:
    """Walk decoded JSON, building rule-set objects and collecting problems."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def fail(self, path: str, message: str) -> None:
        self.problems.append(Problem(path or "$", message))

    def obj(self, value: Any, path: str, known: tuple[str, ...], required: tuple[str, ...]):
        if not isinstance(value, dict):
            return self.fail(path, f"expected an object, got {show(value)}")
        for key in value:
            if key not in known:
                self.fail(at(path, key), f"unknown key (expected one of: {', '.join(known)})")
        for key in required:
            if key not in value:
                self.fail(at(path, key), "is required")
        return value

    def integer(self, value: Any, path: str, low: int, high: int) -> int | None:
        if isinstance(value, bool) or not isinstance(value, int):
            return self.fail(path, f"expected an integer, got {show(value)}")
        if not low <= value <= high:
            return self.fail(path, f"must be between {low} and {high}, got {value}")
        return value

    def text(self, value: Any, path: str, pattern: re.Pattern[str] | None = None) -> str | None:
        if not isinstance(value, str):
            return self.fail(path, f"expected a string, got {show(value)}")
        if pattern is not None and not pattern.fullmatch(value):
            return self.fail(path, f"{value!r} does not match {pattern.pattern}")
        return value

    def number(self, value: Any, path: str) -> Decimal | None:
        if not is_decimal(value):
            return self.fail(path, f"expected a number, got {show(value)}")
        number = Decimal(value)
        if len(number.normalize().as_tuple().digits) > MAX_DIGITS:
            return self.fail(path, f"more than {MAX_DIGITS} significant digits")
        if number and not SMALLEST <= abs(number) <= LARGEST:
            return self.fail(path, f"must be 0 or between {SMALLEST} and {LARGEST} in size")
        return number

    def choice(self, value: Any, path: str, vocabulary: type[DecisionKind] | type[Action], what):
        allowed = [member.value for member in vocabulary]
        if not isinstance(value, str) or value not in allowed:
            return self.fail(path, f"unknown {what} {show(value)} (known: {', '.join(allowed)})")
        return vocabulary(value)

    def choices(self, value: Any, path: str, vocabulary, what) -> tuple | None:
        if not isinstance(value, list):
            return self.fail(path, f"expected an array, got {show(value)}")
        items = [self.choice(item, at(path, i), vocabulary, what) for i, item in enumerate(value)]
        if None in items:
            return None
        if len(set(items)) != len(items):
            return self.fail(path, f"repeats a {what}")
        return tuple(items)

    def ruleset(self, data: Any) -> RuleSet | None:
        known = ("format", "name", "version", "region", "year", "description", "rules")
        if self.obj(data, "", known, ("name", "version", "rules")) is None:
            return None
        if data.get("format", 1) != 1 or isinstance(data.get("format"), bool):
            self.fail("format", f"unsupported format {show(data.get('format'))} (known: 1)")
        name = self.text(data.get("name"), "name", NAME)
        version = self.integer(data.get("version"), "version", 1, 10**9)
        region = data.get("region")
        region = None if region is None else self.text(region, "region")
        year = data.get("year")
        year = None if year is None else self.integer(year, "year", 1900, 9999)
        description = data.get("description")
        description = None if description is None else self.text(description, "description")
        rules = self.rules(data.get("rules"), "rules")
        if self.problems:
            return None
        return RuleSet(name, version, rules, region, year, description)

    def rules(self, value: Any, path: str) -> tuple[Rule, ...]:
        if not isinstance(value, list) or not value:
            self.fail(path, f"expected a non-empty array of rules, got {show(value)}")
            return ()
        if len(value) > max_rules():
            self.fail(path, f"too many rules: {len(value)} (at most {max_rules()})")
            return ()
        rules, names = [], {}
        for index, item in enumerate(value):
            rule = self.rule(item, at(path, index))
            if rule is None:
                continue
            if rule.name in names:
                self.fail(at(at(path, index), "name"), f"duplicate rule name {rule.name!r}")
            names[rule.name] = index
            rules.append(rule)
        return tuple(rules)

    def rule(self, value: Any, path: str) -> Rule | None:
        known = ("name", "pri", "description", "when", "then")
        if self.obj(value, path, known, ("name", "pri", "when", "then")) is None:
            return None
        name = self.text(value.get("name"), at(path, "name"), RULE_NAME)
        pri = self.integer(value.get("pri"), at(path, "pri"), 0, MAX_PRI)
        description = value.get("description")
        if description is not None:
            description = self.text(description, at(path, "description"))
        patterns = self.when(value.get("when"), at(path, "when"))
        then = self.then(value.get("then"), at(path, "then"))
        if name is None or pri is None or patterns is None or then is None:
            return None
        return Rule(name, pri, patterns, then, description)

    def when(self, value: Any, path: str) -> tuple[Pattern, ...] | None:
        if self.obj(value, path, ("all",), ("all",)) is None or "all" not in value:
            return None
        items, path = value["all"], at(path, "all")
        if not isinstance(items, list) or not items:
            return self.fail(path, f"expected a non-empty array of facts, got {show(items)}")
        patterns = [self.pattern(item, at(path, i)) for i, item in enumerate(items)]
        facts = [pattern.fact for pattern in patterns if pattern is not None]
        for index, fact in enumerate(facts):
            if fact in facts[:index]:
                self.fail(at(at(path, index), "fact"), f"fact {fact!r} appears twice")
        return None if None in patterns else tuple(patterns)

    def pattern(self, value: Any, path: str) -> Pattern | None:
        if not isinstance(value, dict):
            return self.fail(path, f"expected an object, got {show(value)}")
        fact = self.choose_fact(value.get("fact"), at(path, "fact"))
        if fact is None:
            return None
        fields = FACTS[fact]
        tests: list[Test] = []
        for key, condition in value.items():
            if key == "fact":
                continue
            if key not in fields:
                known = ", ".join(fields)
                self.fail(at(path, key), f"unknown field of fact {fact!r} (known: {known})")
                continue
            tests.extend(self.condition(condition, at(path, key), key, fields[key]))
        # A fixed order makes equal patterns compare equal however their keys were written.
        order = {name: index for index, name in enumerate(fields)}
        tests.sort(key=lambda test: (order[test.field], OPS.index(test.op)))
        return Pattern(fact, tuple(tests))

    def choose_fact(self, value: Any, path: str) -> str | None:
        if not isinstance(value, str) or value not in FACTS:
            return self.fail(path, f"unknown fact {show(value)} (known: {', '.join(FACTS)})")
        return value

    def condition(self, value: Any, path: str, field: str, kind: FieldType) -> list[Test]:
        if not isinstance(value, dict):
            literal = self.literal(value, path, kind)
            return [] if literal is None else [Test(field, Op.EQ, literal)]
        if not value:
            self.fail(path, "expected at least one operator")
        tests = []
        for key, operand in value.items():
            op_path = at(path, key)
            if key not in OPS:
                self.fail(op_path, f"unknown operator (known: {', '.join(Op)})")
            elif key in (Op.LT, Op.LE, Op.GT, Op.GE) and kind not in ORDERED:
                self.fail(op_path, f"operator {key!r} needs a number field, {field} is {kind}")
            elif key == Op.PRESENT:
                if not isinstance(operand, bool):
                    self.fail(op_path, f"expected a boolean, got {show(operand)}")
                else:
                    tests.append(Test(field, Op.PRESENT, operand))
            elif key == Op.IN:
                if not isinstance(operand, list) or not operand:
                    self.fail(op_path, f"expected a non-empty array, got {show(operand)}")
                    continue
                if len(operand) > MAX_OPTIONS:
                    self.fail(op_path, f"too many values: {len(operand)} (at most {MAX_OPTIONS})")
                    continue
                items = [self.literal(item, at(op_path, i), kind) for i, item in enumerate(operand)]
                if None not in items:
                    tests.append(Test(field, Op.IN, tuple(dict.fromkeys(items))))
            elif (literal := self.literal(operand, op_path, kind)) is not None:
                tests.append(Test(field, Op(key), literal))
        return tests

    def literal(self, value: Any, path: str, kind: FieldType) -> object:
        if value is None:
            return self.fail(path, 'null is not a value (test a missing field with "present")')
        if kind is FieldType.BOOLEAN:
            if isinstance(value, bool):
                return value
            return self.fail(path, f"expected a boolean, got {show(value)}")
        if kind is FieldType.INTEGER:
            return self.integer(value, path, -(10**12), 10**12)
        if kind is FieldType.DECIMAL:
            return self.number(value, path)
        if kind in ENUMS:
            if isinstance(value, str) and value in ENUMS[kind]:
                return value
            allowed = ", ".join(ENUMS[kind])
            return self.fail(path, f"expected a {kind} ({allowed}), got {show(value)}")
        return self.text(value, path)

    def then(self, value: Any, path: str) -> Decide | Adjust | None:
        if self.obj(value, path, ("decide", "adjust"), ()) is None:
            return None
        if len(value) != 1:
            return self.fail(path, 'expected exactly one of "decide" or "adjust"')
        if "decide" in value:
            return parse_decide(self, value["decide"], at(path, "decide"))
        return parse_adjust(self, value["adjust"], at(path, "adjust"))
