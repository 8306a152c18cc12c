"""Business rule task specs that decide on FeelDMNEngine, however they were made.

Parsed ones come from :class:`DecisionParser` (the Spiff parser the catalogue uses), restored
ones from :class:`DecisionTaskConverter` (registered in bpmn/serializer.py); the stored JSON is
the library's own. Before the library reads a DMN file, the shapes it would fail on with
internal text (``KeyError: 'id'``, ``IndexError``, a second decision, an unparsable output) are
given ids or refused, naming the element and saying what would fix it.
"""

from __future__ import annotations

import ast

from lxml import etree
from SpiffWorkflow.bpmn.parser.BpmnParser import full_tag
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser
from SpiffWorkflow.spiff.parser.task_spec import SpiffTaskParser
from SpiffWorkflow.spiff.serializer.task_spec import BusinessRuleTaskConverter

from bpmn.decisions import FeelDMNEngine, output_problem
from bpmn.dmn_overlap import MAX_RULES
from bpmn.errors import DefinitionError
from bpmn.pass_through import PassThroughTask

CAMUNDA_NS = "http://camunda.org/schema/1.0/bpmn"
FLOWABLE_NS = "http://flowable.org/bpmn"


class DecisionTaskConverter(BusinessRuleTaskConverter):
    """Restores business rule tasks onto FeelDMNEngine (the stored JSON is the library's)."""

    def from_dict(self, dct):
        spec = super().from_dict(dct)
        spec.dmnEngine = FeelDMNEngine(spec.dmnEngine.decision_table)
        return spec


# Elements DMN 1.3 lets go without an id, which the library nevertheless looks up by id.
_NEEDS_ID = ("decisionTable", "input", "output", "rule", "inputEntry", "outputEntry")


def _give_ids(root: etree._Element) -> None:
    """Give decision-table parts without an id a stable one derived from their place."""
    taken = {node.get("id") for node in root.iter() if isinstance(node.tag, str)}

    def fresh(base: str) -> str:
        candidate = base
        while candidate in taken:
            candidate += "_"
        taken.add(candidate)
        return candidate

    def walk(parent: etree._Element, prefix: str) -> None:
        counts: dict[str, int] = {}
        for child in parent:
            if not isinstance(child.tag, str):
                continue
            name = etree.QName(child).localname
            if name not in _NEEDS_ID and name != "decision":
                continue
            counts[name] = counts.get(name, 0) + 1
            if name != "decision" and not child.get("id"):
                child.set("id", fresh(f"{prefix}_{name}{counts[name]}"))
            walk(child, child.get("id") or prefix)

    walk(root, "")


def _check_rule_count(root: etree._Element, filename: str) -> None:
    """Refuse a table of more than MAX_RULES rules before anything looks at each rule: the
    per-rule checks and the library's parsing of 8,000 rules took most of a second."""
    namespace = etree.QName(root).namespace
    for table in root.iter(f"{{{namespace}}}decisionTable"):
        count = sum(1 for _ in table.iterchildren(f"{{{namespace}}}rule"))
        if count > MAX_RULES:
            decision = table.getparent().get("id") or ""
            raise DefinitionError(
                filename,
                decision,
                f"the decision table has {count} rules, more than the maximum of {MAX_RULES}; "
                "split it into several decisions",
                "too_many_rules",
                {"rules": count, "max": MAX_RULES},
            )


def _check_rule_shapes(root: etree._Element, filename: str) -> None:
    """Refuse a rule with more cells than its table has columns (the library fails on it)."""
    for table in root.iter(f"{{{etree.QName(root).namespace}}}decisionTable"):
        children = [c for c in table if isinstance(c.tag, str)]
        names = [etree.QName(c).localname for c in children]
        columns = {"inputEntry": names.count("input"), "outputEntry": names.count("output")}
        rules = [c for c, name in zip(children, names, strict=True) if name == "rule"]
        outputs = [c for c, name in zip(children, names, strict=True) if name == "output"]
        for row, rule in enumerate(rules, start=1):
            cells = [etree.QName(c).localname for c in rule if isinstance(c.tag, str)]
            for kind, count in columns.items():
                if cells.count(kind) > count:
                    what = "input" if kind == "inputEntry" else "output"
                    raise DefinitionError(
                        filename,
                        rule.get("id") or table.getparent().get("id"),
                        f"rule {row} has {cells.count(kind)} {what} cells but the table has "
                        f"{count} {what} column{'s' if count != 1 else ''}: give the rule one "
                        f"{kind} per {what} column",
                        f"dmn_rule_shape_{what}",
                        {"rule": row, "cells": cells.count(kind), "columns": count},
                    )
            _check_outputs(table, outputs, rule, row, filename)


def _check_outputs(table, outputs, rule, row: int, filename: str) -> None:
    """Say which output cell the library would call a 'Malformed Output Expression', and why.

    `outputs` are the table's output columns, found once per table (per rule, finding them
    again made an 8,000-rule table take seconds)."""
    entries = [
        c for c in rule if isinstance(c.tag, str) and etree.QName(c).localname == "outputEntry"
    ]
    for output, entry in zip(outputs, entries, strict=False):
        text = next((c.text for c in entry if etree.QName(c).localname == "text"), None) or ""
        try:
            ast.parse(text)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            problem = output_problem(text)
            if problem is None:
                continue
            decision = table.getparent().get("id") or ""
            column = output.get("label") or output.get("name") or output.get("id") or ""
            raise DefinitionError(
                filename,
                entry.get("id") or rule.get("id") or decision,
                f"decision table of '{decision}', rule {row}, output column '{column}': "
                f"cell {text[:80]!r} {problem.reason}",
                problem.code,
                {
                    "decision": decision,
                    "rule": row,
                    "column": column,
                    "cell": text[:80],
                    **problem.params,
                },
            ) from None


class DecisionParser(SpiffBpmnParser):
    """The Spiff parser whose business rule tasks decide on FeelDMNEngine, and whose plain
    `bpmn:task`s pass through (bpmn/pass_through.py)."""

    OVERRIDE_PARSER_CLASSES = {
        **SpiffBpmnParser.OVERRIDE_PARSER_CLASSES,
        full_tag("task"): (SpiffTaskParser, PassThroughTask),
    }

    def add_dmn_xml(self, node, filename=None):
        decisions = [
            child.get("id") or "?"
            for child in node
            if isinstance(child.tag, str) and etree.QName(child).localname == "decision"
        ]
        if len(decisions) > 1:
            # The library registers only a file's first decision and then fails on the rest.
            names = ", ".join(decisions)
            raise DefinitionError(
                filename or "",
                decisions[1],
                f"the file holds {len(decisions)} decisions ({names}), but a DMN file may hold "
                "only one here (decisions that require other decisions are not evaluated "
                "together): put each decision in a file of its own; a business rule task names "
                "its decision by id",
                "dmn_many_decisions",
                {"count": len(decisions), "decisions": names},
            )
        _check_rule_count(node, filename or "")
        _check_rule_shapes(node, filename or "")
        _give_ids(node)
        super().add_dmn_xml(node, filename)

    def get_engine(self, decision_ref, node):
        if decision_ref not in self.dmn_parsers:
            raise _missing_decision(self, decision_ref, node)
        dmn_parser = self.dmn_parsers[decision_ref]
        dmn_parser.parse()
        return FeelDMNEngine(dmn_parser.decision.decisionTables[0])


def _missing_decision(parser, decision_ref, node) -> DefinitionError:
    """Say which task names which decision, what is deployed, and how to point it right."""
    element = node.get("id") or ""
    file = ""
    for process_parser in parser.process_parsers.values():
        if process_parser.node.getroottree().getroot() == node.getroottree().getroot():
            file = process_parser.filename or ""
            break
    available = ", ".join(sorted(parser.dmn_parsers)) or "none"
    foreign = node.get(f"{{{CAMUNDA_NS}}}decisionRef") or node.get(f"{{{FLOWABLE_NS}}}decisionRef")
    if decision_ref is None:
        hint = (
            f" (its camunda/flowable decisionRef '{foreign}' is not read here)" if foreign else ""
        )
        return DefinitionError(
            file,
            element,
            "business rule task names no decision to run"
            f"{hint}: add <spiffworkflow:calledDecisionId>DECISION_ID"
            "</spiffworkflow:calledDecisionId> to its extensionElements; deployed and "
            f"deployable decisions are: {available}",
            "no_decision",
            {"available": available, "foreign": foreign or ""},
        )
    return DefinitionError(
        file,
        element,
        f"business rule task calls decision '{decision_ref}', which is neither deployed nor in "
        f"this deployment: deploy the DMN file that defines it, or name one of: {available}",
        "unknown_decision",
        {"decision": decision_ref, "available": available},
    )
