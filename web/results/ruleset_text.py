"""A rule set read aloud: each rule's conditions and action as short sentences in the page's
language (web/results/messages/results.json holds the words), for people who do not read JSON."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from typing import Any

from rules import default_ruleset
from web.i18n import catalogue, translate

OPS = {"eq": "=", "ne": "≠", "lt": "<", "le": "≤", "gt": ">", "ge": "≥"}


def rule_label(name: Any) -> str:
    """A rule's name as people say it (评价为中 for `grade_c`); an author's rule keeps its name."""
    key = f"rules.label.{name}"
    return translate(key) if _known(key) else str(name)


def rule_description(name: Any, description: Any) -> str | None:
    """A rule's description in the page's language when it is the shipped rule's own text;
    a description the author wrote (or changed) is shown as written."""
    if not isinstance(description, str) or not description:
        return None
    key = f"rules.text.{name}"
    shipped = dict(_shipped_texts()).get(str(name)) == description
    return translate(key) if shipped and _known(key) else description


@cache
def _shipped_texts() -> tuple[tuple[str, str], ...]:
    """The shipped default's descriptions: each rule's by its name, the set's by its own name."""
    body = json.loads(default_ruleset().to_json())
    texts = [(str(r["name"]), r["description"]) for r in body["rules"] if r.get("description")]
    if body.get("description"):
        texts.append((str(body["name"]), body["description"]))
    return tuple(texts)


@dataclass(frozen=True)
class RuleText:
    name: str
    pri: Any
    description: str | None
    conditions: list[str]
    action: str


def _value(field: str, value: Any) -> str:
    if isinstance(value, bool):
        return translate("rules.yes" if value else "rules.no")
    if field == "execution_rate" and not isinstance(value, str):
        return f"{float(value) * 100:g}%"
    if field == "colour" and _known(f"rules.value.{value}"):
        return translate(f"rules.value.{value}")
    return str(value)


def _test(field: str, test: Any) -> str:
    label = translate(f"rules.field.{field}") if _known(f"rules.field.{field}") else field
    if not isinstance(test, dict):
        return f"{label} = {_value(field, test)}"
    parts = []
    for op, operand in test.items():
        if op == "in" and isinstance(operand, list):
            parts.append(f"{label} ∈ {{{', '.join(_value(field, v) for v in operand)}}}")
        elif op == "present":
            parts.append(translate("rules.present" if operand else "rules.absent", field=label))
        else:
            parts.append(f"{label} {OPS.get(op, op)} {_value(field, operand)}")
    return translate("rules.and").join(parts)


def _known(key: str) -> bool:
    return key in catalogue()


def _pattern(pattern: dict) -> str:
    fact = pattern.get("fact", "?")
    name = translate(f"rules.fact.{fact}") if _known(f"rules.fact.{fact}") else str(fact)
    tests = [_test(k, v) for k, v in pattern.items() if k not in ("fact", "project")]
    return f"{name}: {translate('rules.and').join(tests)}" if tests else name


def _kind(kind: Any) -> str:
    key = f"decision.kind.{kind}"
    return translate(key) if _known(key) else str(kind)


def _effect(body: dict) -> list[str]:
    parts = []
    if "kind" in body:
        parts.append(_kind(body["kind"]))
    if "factor" in body:
        parts.append(translate("rules.factor", factor=f"{float(body['factor']):g}"))
    actions = body.get("actions") or []
    if actions:
        names = [
            translate(f"decision.action.{a}") if _known(f"decision.action.{a}") else str(a)
            for a in actions
        ]
        parts.append(translate("rules.actions", actions="、".join(names)))
    if body.get("review"):
        parts.append(translate("rules.review"))
    if body.get("reclaim"):
        parts.append(translate("rules.reclaim"))
    return parts


def _action(then: Any) -> str:
    if not isinstance(then, dict):
        return "?"
    if isinstance(then.get("decide"), dict):
        return translate("rules.decide") + "，".join(_effect(then["decide"]))
    adjust = then.get("adjust")
    if isinstance(adjust, dict):
        guard = adjust.get("if") or {}
        conditions = []
        if guard.get("kind_in"):
            kinds = "、".join(_kind(k) for k in guard["kind_in"])
            conditions.append(translate("rules.if_kind", kinds=kinds))
        if "factor_below" in guard:
            conditions.append(translate("rules.if_factor_below", factor=guard["factor_below"]))
        prefix = (translate("rules.adjust_if", guard="，".join(conditions))) if conditions else ""
        return prefix + translate("rules.adjust") + "，".join(_effect(adjust))
    return "?"


def readable(body: Any) -> list[RuleText]:
    """Each rule of a (valid or not) rule-set body, described; junk is shown as '?'."""
    rules = body.get("rules") if isinstance(body, dict) else None
    described = []
    for rule in rules if isinstance(rules, list) else []:
        if not isinstance(rule, dict):
            continue
        when = rule.get("when")
        patterns = when.get("all") if isinstance(when, dict) else None
        conditions = [_pattern(p) for p in patterns or [] if isinstance(p, dict)]
        described.append(
            RuleText(
                name=str(rule.get("name", "?")),
                pri=rule.get("pri"),
                description=rule_description(rule.get("name"), rule.get("description")),
                conditions=conditions or [translate("rules.always")],
                action=_action(rule.get("then")),
            )
        )
    return described
