"""DMN decision tables as budgetloop runs them: cells in FEEL or in the safe grammar.

SpiffWorkflow reads every cell as Python text glued to the input expression, so FEEL cells
deployed and then decided wrongly: ``"Medium","Low"`` became a tuple compared with ``==`` (never
true) and ``true`` an unknown name. Here a cell is read in this order:

1. empty or ``-``: any input;
2. FEEL unary tests (bpmn/feel.py), matched by our own code: lists, ranges, comparisons,
   ``not(…)``, texts, numbers, ``true``/``false``/``null``;
3. otherwise SpiffWorkflow's Python-style cells (``80 <= ? < 90``, ``in ['a', 'b']``,
   ``!= 'a'``, ``True``), evaluated by the safe grammar as before — except the forms that
   would silently mean something else than their author meant (a tuple, ``not x``, the names
   ``true``/``false``/``null``), which are refused.

The same reading decides at deploy time (:func:`cell_problem`) and at run time
(:class:`FeelDMNEngine`), so what deploys is what runs. The parser and serializer hooks make
every business rule task, parsed or restored, run on :class:`FeelDMNEngine`.
"""

from __future__ import annotations

import ast
import re
from collections import OrderedDict
from typing import Any, NamedTuple

from lxml import etree
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.dmn.engine.DMNEngine import DMNEngine
from SpiffWorkflow.dmn.specs.model import HitPolicy
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser
from SpiffWorkflow.spiff.serializer.task_spec import BusinessRuleTaskConverter
from SpiffWorkflow.util.deep_merge import DeepMerge

from bpmn import expressions, feel
from bpmn.errors import DefinitionError, ExpressionFailed, UnsafeExpression

# The pattern SpiffWorkflow uses to find '?' (the input) outside quotes.
QUESTION_MARK = re.compile(r"(\?)(?=(?:[^'\"]|['\"][^'\"]*['\"])*$)")
_FEEL_WORDS = {"true": "True", "false": "False", "null": "None"}
SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"
CAMUNDA_NS = "http://camunda.org/schema/1.0/bpmn"
FLOWABLE_NS = "http://flowable.org/bpmn"


class Problem(NamedTuple):
    """Why a cell cannot be deployed: English `reason`, and `code`/`params` for the pages."""

    reason: str
    code: str
    params: dict[str, str]


class CellRefused(Exception):
    """A cell that would not decide as written; `problem` says why and what to write instead."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.reason)
        self.problem = problem
        self.reason = problem.reason


def _is_any(text: str | None) -> bool:
    return text is None or text.strip() in ("", "-")


def _feel_word(tree: ast.AST) -> Problem | None:
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id in _FEEL_WORDS:
            python = _FEEL_WORDS[node.id]
            return Problem(
                f"'{node.id}' is FEEL, but here it stands inside a Python-style test or "
                f"expression, where it is an unknown name: write {python} there, or the whole "
                "cell in FEEL",
                "dmn_cell_feel_word",
                {"word": node.id, "python": python},
            )
    return None


def _misread(text: str) -> Problem | None:
    """Why a Python-style cell would be misread (a FEEL habit the safe grammar reads otherwise)."""
    # With '?' the cell is a whole test of the input: 'not ? > 5' means what it says.
    if not QUESTION_MARK.search(text):
        try:
            alone = ast.parse(text.strip(), mode="eval").body
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            alone = None
        if isinstance(alone, ast.Tuple):
            return Problem(
                "a comma list is FEEL and may only hold texts, numbers, true, false, null, "
                "comparisons and ranges; here it would be compared as one tuple and never match",
                "dmn_cell_list",
                {},
            )
        if isinstance(alone, ast.UnaryOp) and isinstance(alone.op, ast.Not):
            return Problem(
                "not(…) may only hold FEEL tests (texts, numbers, true, false, null, "
                "comparisons, ranges); here it would compare the input with a true/false value",
                "dmn_cell_not",
                {},
            )
    try:
        tree = ast.parse(legacy_expression(text, "dmninputexpr").strip(), mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None  # not Python either: the grammar check explains it
    return _feel_word(tree)


def legacy_expression(text: str, input_expression: str | None) -> str:
    """The expression SpiffWorkflow's DMN engine evaluates for a Python-style cell."""
    if QUESTION_MARK.search(text):
        return QUESTION_MARK.sub("dmninputexpr", text)
    try:
        ast.parse(text, mode="eval")
        return f"({input_expression}) == ({text})"
    except SyntaxError:
        return f"{input_expression} {text}"


def read_cell(text: str | None) -> feel.UnaryTests | None:
    """The FEEL tests of a cell, or None for a Python-style cell; CellRefused if misread."""
    if _is_any(text):
        return feel.UnaryTests(())
    if len(text) > feel.MAX_CELL_LENGTH:
        raise CellRefused(
            Problem(
                f"the cell is longer than {feel.MAX_CELL_LENGTH:,} characters",
                "dmn_cell_too_long",
                {"max": str(feel.MAX_CELL_LENGTH)},
            )
        )
    if not QUESTION_MARK.search(text):
        try:
            return feel.parse(text)
        except feel.NotFeel:
            pass
    problem = _misread(text)
    if problem:
        raise CellRefused(problem)
    return None


def cell_problem(text: str | None, input_expression: str | None) -> Problem | None:
    """Why an input cell cannot be deployed, or None when it decides as written."""
    try:
        tests = read_cell(text)
    except CellRefused as refused:
        return refused.problem
    if tests is not None:
        return None
    try:
        feel.parse(text)
        feel_reason = ""
    except feel.NotFeel as error:
        feel_reason = error.reason
    try:
        expressions.check_expression(legacy_expression(text, input_expression))
    except UnsafeExpression as error:
        return Problem(
            f"is neither a FEEL test ({feel_reason}) nor a safe-grammar test ({error.reason}); "
            f"FEEL cells may be {feel.FEEL_FORMS}",
            "dmn_cell_unsupported",
            {"feel": feel_reason, "detail": error.reason, "forms": feel.FEEL_FORMS},
        )
    return None


def output_problem(text: str | None) -> Problem | None:
    """Why an output cell cannot be deployed, or None."""
    if text is None or not text.strip() or feel.literal(text)[0]:
        return None
    try:
        expressions.check_expression(text)
    except UnsafeExpression as error:
        return Problem(
            f"{error.reason}; output cells may be texts in double quotes, numbers, true, false, "
            "null or a safe-grammar expression",
            "dmn_output_unsupported",
            {"detail": error.reason},
        )
    return _feel_word(ast.parse(text.strip(), mode="eval"))


class FeelDMNEngine(DMNEngine):
    """SpiffWorkflow's decision-table engine, reading cells as this module describes."""

    def evaluate(self, input_expr, match_expr, task):
        if match_expr is None:
            return True
        try:
            tests = read_cell(match_expr)
        except CellRefused as refused:
            # Deployed before the check existed: fail loudly rather than decide wrongly.
            raise ExpressionFailed(f"cell {match_expr[:80]!r}: {refused.reason}") from None
        if tests is None:
            return super().evaluate(input_expr, match_expr, task)
        if tests.is_any:
            return True
        value = task.workflow.script_engine.evaluate(task, input_expr)
        return tests.matches(value)

    def result(self, task):
        """The library's result, with FEEL's true/false/null understood in output cells."""
        matched = self.decide(task)
        if self.decision_table.hit_policy == HitPolicy.COLLECT.value:
            result: dict[str, Any] = {}
            for rule in matched:
                for key, value in _outputs(rule, task).items():
                    result.setdefault(key, []).append(value)
            return result
        return _outputs(matched[0], task) if matched else {}


def _outputs(rule, task) -> OrderedDict:
    """A rule's outputs by name (dotted names build nested dicts, as the library does)."""
    out: OrderedDict = OrderedDict()
    for entry in rule.outputEntries:
        key = entry.output.name or entry.output.label
        text = getattr(entry, "text", "") or ""
        is_literal, value = feel.literal(text)
        if not is_literal:
            value = task.workflow.script_engine.evaluate(task, text) if text else ""
        if "." in key:
            *parents, leaf = key.split(".")
            nested: Any = {leaf: value}
            for parent in reversed(parents[1:]):
                nested = {parent: nested}
            out[parents[0]] = DeepMerge.merge(out.get(parents[0], {}), nested)
        else:
            out[key] = value
    return out


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


def _check_rule_shapes(root: etree._Element, filename: str) -> None:
    """Refuse a rule with more cells than its table has columns (the library fails on it)."""
    for table in root.iter(f"{{{etree.QName(root).namespace}}}decisionTable"):
        children = [c for c in table if isinstance(c.tag, str)]
        names = [etree.QName(c).localname for c in children]
        columns = {"inputEntry": names.count("input"), "outputEntry": names.count("output")}
        rules = [c for c, name in zip(children, names, strict=True) if name == "rule"]
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
            _check_outputs(table, children, names, rule, row, filename)


def _check_outputs(table, children, names, rule, row: int, filename: str) -> None:
    """Say which output cell the library would call a 'Malformed Output Expression', and why."""
    outputs = [c for c, name in zip(children, names, strict=True) if name == "output"]
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
    """The Spiff parser whose business rule tasks decide on FeelDMNEngine."""

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
        _check_rule_shapes(node, filename or "")
        _give_ids(node)
        super().add_dmn_xml(node, filename)

    def get_engine(self, decision_ref, node):
        if decision_ref not in self.dmn_parsers:
            raise _missing_decision(self, decision_ref, node)
        dmn_parser = self.dmn_parsers[decision_ref]
        dmn_parser.parse()
        return FeelDMNEngine(dmn_parser.decision.decisionTables[0])


def _missing_decision(parser, decision_ref, node) -> DefinitionError | ValidationException:
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
