"""Translate a RuleSet into a durable_rules definition and each evaluation's messages."""

# durable_rules fires *every* matching rule for a fact (facts stay until the session is
# deleted) but only *one* rule for an event (the lowest `pri`; the event is then consumed).
# So a named fact that some rule joins with another is posted once as a durable fact, and
# every rule over it fires.  A named fact no rule joins is posted as events, one per *lane*:
# lane `r<i>` carries it to rule i alone, so every rule over it still sees it (rows combine:
# every matching decide rule counts, not only the first).

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from decimal import Decimal

from rules.model import Facts
from rules.ruleset import Op, Pattern, RuleSet
from rules.schema import FACTS, FieldType, records

KIND, LANE = "_fact", "_lane"
# The rule the host adds: durable_rules frees an uninitialised pointer when it deletes a
# session that never ran an action, so a session where no rule fired is closed by this one.
CLOSE = "close"
DECIMALS = tuple(
    (fact, field)
    for fact, fields in FACTS.items()
    for field, kind in fields.items()
    if kind is FieldType.DECIMAL
)
_OPERATORS = {Op.NE: "$neq", Op.LT: "$lt", Op.LE: "$lte", Op.GT: "$gt", Op.GE: "$gte"}


@dataclass(frozen=True)
class Plan:
    """How one rule set runs on durable_rules: its definition and how facts are posted."""

    ruleset: RuleSet
    definition: str
    as_facts: tuple[str, ...]
    lanes: dict[str, tuple[str, ...]]
    # Per `fact.field` holding decimals: float(threshold) -> threshold, to keep comparisons exact.
    near: dict[str, dict[float, Decimal]]
    ids: dict[str, str]  # message id per fact ("outcome") or event lane ("alert.r4")
    id_hashes: frozenset[int]

    def messages(self, facts: Facts, sid: str) -> tuple[str | None, tuple[str, ...]]:
        """Return the JSON of the durable facts to assert (or None) and of the events to post."""
        # Every message has `"sid": <sid>, "id"` in that order: RulesHost._fired counts on it.
        named = records(facts)
        for fact, field in DECIMALS:
            value = named.get(fact, {}).get(field)
            if value is not None:
                near = self.near.get(f"{fact}.{field}", {})
                named[fact][field] = _engine_number(value, near)
        ids = self.ids
        asserted = [
            {**named[fact], "sid": sid, "id": ids[fact], KIND: fact}
            for fact in self.as_facts
            if fact in named
        ]
        events = tuple(
            json.dumps(
                {**named[fact], "sid": sid, "id": ids[f"{fact}.{lane}"], KIND: fact, LANE: lane}
            )
            for fact, lanes in self.lanes.items()
            if fact in named
            for lane in lanes
        )
        return (json.dumps(asserted) if asserted else None), events

    def clashes(self, sid: str) -> bool:
        """Tell whether the engine's own state message in session `sid` would clash with ours."""
        # durable_rules stores a message per session with id `sid-<sid>` and finds messages by
        # a 32-bit hash of their id; one of ours hashing like it would be dropped silently.
        return fnv1a32(f"sid-{sid}") in self.id_hashes

    @staticmethod
    def close_event(sid: str) -> str:
        """Return the event that fires the host's no-op `close` rule in a session."""
        return json.dumps({"sid": sid, "id": CLOSE, KIND: CLOSE})


def compile_ruleset(ruleset: RuleSet) -> Plan:
    """Build the durable_rules definition and posting plan of a rule set."""
    joined = {fact for rule in ruleset.rules if len(rule.patterns) > 1 for fact in rule.facts}
    as_facts = tuple(fact for fact in FACTS if fact in joined)
    lanes: dict[str, list[str]] = {}
    definition: dict[str, object] = {}
    for index, rule in enumerate(ruleset.rules):
        lane = None
        if len(rule.patterns) == 1 and rule.patterns[0].fact not in joined:
            lane = f"r{index}"
            lanes.setdefault(rule.patterns[0].fact, []).append(lane)
        definition[f"r{index}"] = {
            "all": [{pattern.fact: _pattern(pattern, lane)} for pattern in rule.patterns],
            "pri": rule.pri,
        }
    definition[CLOSE] = {"all": [{CLOSE: {KIND: CLOSE}}], "pri": 0}
    near: dict[str, dict[float, Decimal]] = {}
    for rule in ruleset.rules:
        for pattern in rule.patterns:
            for test in pattern.tests:
                for value in test.value if test.op is Op.IN else (test.value,):
                    if isinstance(value, Decimal):
                        near.setdefault(f"{pattern.fact}.{test.field}", {})[float(value)] = value
    ids, id_hashes = _message_ids(
        [*as_facts, *(f"{fact}.{lane}" for fact, names in lanes.items() for lane in names)]
    )
    return Plan(
        ruleset,
        json.dumps(definition),
        as_facts,
        {fact: tuple(names) for fact, names in lanes.items()},
        near,
        ids,
        id_hashes,
    )


def _message_ids(keys: list[str]) -> tuple[dict[str, str], frozenset[int]]:
    # The engine finds a session's messages by a 32-bit hash of their id and drops a second
    # message that hashes like a first: give every message an id whose hash is its own.
    ids, hashes = {}, {fnv1a32(CLOSE)}
    for key in keys:
        candidate, suffix = key, 0
        while fnv1a32(candidate) in hashes:
            suffix += 1
            candidate = f"{key}~{suffix}"
        ids[key] = candidate
        hashes.add(fnv1a32(candidate))
    return ids, frozenset(hashes)


def _pattern(pattern: Pattern, lane: str | None) -> dict[str, object]:
    terms: list[object] = [{KIND: pattern.fact}]
    if lane is not None:
        terms.append({LANE: lane})
    for test in pattern.tests:
        value = float(test.value) if isinstance(test.value, Decimal) else test.value
        if test.op is Op.EQ:
            terms.append({test.field: value})
        elif test.op is Op.PRESENT:
            terms.append({"$ex" if test.value else "$nex": {test.field: 1}})
        elif test.op is Op.IN:
            options = [{test.field: _number(item)} for item in test.value]
            terms.append(options[0] if len(options) == 1 else {"$or": options})
        else:
            terms.append({_OPERATORS[test.op]: {test.field: value}})
    return {"$and": terms}


def _number(value: object) -> object:
    return float(value) if isinstance(value, Decimal) else value


def _engine_number(value: Decimal, near: dict[float, Decimal]) -> float:
    """Return a float that compares with every threshold exactly as the Decimal does."""
    # The engine compares doubles.  Thresholds have at most 15 significant digits, so distinct
    # ones stay distinct and ordered as floats; only a value that rounds onto a threshold's
    # float without equalling it needs a nudge to the neighbouring float on its own side.
    number = float(value)
    threshold = near.get(number)
    if threshold is not None and value != threshold:
        number = math.nextafter(number, -math.inf if value < threshold else math.inf)
    return number


def fnv1a32(text: str) -> int:
    """Hash like durable_rules' fnv1Hash32 (its bytes are signed chars) for an ASCII text."""
    value = 0x811C9DC5
    for byte in text.encode("ascii"):
        value = ((value ^ byte) * 0x01000193) & 0xFFFFFFFF
    return value
