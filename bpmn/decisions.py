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
(:class:`FeelDMNEngine`), so what deploys is what runs; bpmn/decision_specs.py puts every
business rule task, parsed or restored, on :class:`FeelDMNEngine`.
"""

from __future__ import annotations

import ast
import re
from collections import OrderedDict
from typing import Any, NamedTuple

from SpiffWorkflow.dmn.engine.DMNEngine import DMNEngine
from SpiffWorkflow.dmn.specs.model import HitPolicy
from SpiffWorkflow.util.deep_merge import DeepMerge

from bpmn import expressions, feel
from bpmn.errors import ExpressionFailed, UnsafeExpression, detail_of

# The pattern SpiffWorkflow uses to find '?' (the input) outside quotes.
QUESTION_MARK = re.compile(r"(\?)(?=(?:[^'\"]|['\"][^'\"]*['\"])*$)")
_FEEL_WORDS = {"true": "True", "false": "False", "null": "None"}


class Problem(NamedTuple):
    """Why a cell cannot be deployed: English `reason`, and `code`/`params` for the pages."""

    reason: str
    code: str
    params: dict[str, object]


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
            {
                "feel": feel_reason,
                "detail": error.reason,
                "forms": feel.FEEL_FORMS,
                **_feel_detail(feel_reason),
                **detail_of(error.reason),
            },
        )
    return None


def _feel_detail(reason: object) -> dict[str, object]:
    """Why a cell is not FEEL, as params for the pages (message deploy.feel.<code>)."""
    code = getattr(reason, "code", None)
    if not code:
        return {}
    return {"feel_code": code, "feel_params": dict(getattr(reason, "params", {}))}


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
            {"detail": error.reason, **detail_of(error.reason)},
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
